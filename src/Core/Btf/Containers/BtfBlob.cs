namespace BtfNotebooks.Btf.Containers;

/// <summary>
/// Raw BTF bytes found inside a container: <c>Data[Start..(Start + Length)]</c>.
/// <paramref name="Origin"/> names the layers that were unwrapped to get there, outermost first,
/// e.g. <c>"xz > ELF64 little-endian .BTF section at 0x1a2b"</c>.
/// </summary>
/// <remarks>The bytes are not validated as BTF beyond what finding them required; the parser does that.</remarks>
public sealed record BtfBlob(byte[] Data, int Start, int Length, string Origin)
{
    /// <summary>The BTF bytes.</summary>
    public ReadOnlySpan<byte> Span => Data.AsSpan(Start, Length);

    /// <summary>The BTF bytes as memory (no copy).</summary>
    public ReadOnlyMemory<byte> Memory => Data.AsMemory(Start, Length);
}
