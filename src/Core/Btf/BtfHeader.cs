using System.Buffers.Binary;

namespace BtfNotebooks.Btf;

/// <summary>The fixed part of struct btf_header (24 bytes); offsets are relative to the end of the header.</summary>
public readonly record struct BtfHeader(
    ushort Magic, byte Version, byte Flags, uint HeaderLength,
    uint TypeOffset, uint TypeLength, uint StringOffset, uint StringLength, bool BigEndian)
{
    public const ushort ExpectedMagic = 0xEB9F;
    public const int MinimumLength = 24;

    /// <summary>Reads and validates the header of a raw BTF blob; the blob must hold every section it names.</summary>
    public static BtfHeader Read(ReadOnlySpan<byte> blob, string? source)
    {
        if (blob.Length < MinimumLength)
            throw new BtfFormatException($"truncated BTF header: {blob.Length} bytes, need {MinimumLength}", 0, source: source);
        bool big;
        if (blob[0] == 0x9F && blob[1] == 0xEB) big = false;
        else if (blob[0] == 0xEB && blob[1] == 0x9F) big = true;
        else throw new BtfFormatException($"bad BTF magic {blob[0]:x2} {blob[1]:x2} (want 9f eb or eb 9f)", 0, source: source);

        var h = new BtfHeader(ExpectedMagic, blob[2], blob[3], U32(blob, 4, big), U32(blob, 8, big), U32(blob, 12, big), U32(blob, 16, big), U32(blob, 20, big), big);

        if (h.Version != 1) throw new BtfFormatException($"unsupported BTF version {h.Version}", 2, source: source);
        if (h.Flags != 0) throw new BtfFormatException($"unsupported BTF flags 0x{h.Flags:x2}", 3, source: source);
        if (h.HeaderLength < MinimumLength || h.HeaderLength > blob.Length)
            throw new BtfFormatException($"bad hdr_len {h.HeaderLength} (blob is {blob.Length} bytes)", 4, source: source);
        // A longer header from a newer kernel is fine only if the fields we do not know are zero (libbpf's rule).
        foreach (var b in blob[MinimumLength..(int)h.HeaderLength])
            if (b != 0) throw new BtfFormatException($"unsupported BTF header: {h.HeaderLength}-byte header has non-zero fields past byte 24", MinimumLength, source: source);

        long room = blob.Length - (long)h.HeaderLength;
        if ((h.TypeOffset & 3) != 0)
            throw new BtfFormatException($"type section offset {h.TypeOffset} is not 4-byte aligned", 8, source: source);
        if ((long)h.TypeOffset + h.TypeLength > room)
            throw new BtfFormatException($"type section [{h.TypeOffset}, +{h.TypeLength}) runs past the end of the blob ({room} bytes after the header)", 12, source: source);
        if ((long)h.StringOffset + h.StringLength > room)
            throw new BtfFormatException($"string section [{h.StringOffset}, +{h.StringLength}) runs past the end of the blob ({room} bytes after the header)", 20, source: source);
        if ((long)h.TypeOffset + h.TypeLength > h.StringOffset)
            throw new BtfFormatException($"type section [{h.TypeOffset}, +{h.TypeLength}) must end before the string section at {h.StringOffset}", 16, source: source);
        return h;
    }

    private static uint U32(ReadOnlySpan<byte> b, int at, bool big) =>
        big ? BinaryPrimitives.ReadUInt32BigEndian(b[at..]) : BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);
}
