using System.Buffers.Binary;

namespace BtfNotebooks.Elf.BtfExt;

/// <summary>
/// The contents of a .BTF.ext section in its own byte order. Offsets are relative to the start of the section;
/// <see cref="Error"/> turns one into the file offset so every message points into the object file.
/// </summary>
internal sealed class BtfExtBytes(ReadOnlyMemory<byte> data, bool bigEndian, long fileOffset, string? source)
{
    public int Length => data.Length;
    public bool BigEndian { get; } = bigEndian;

    /// <summary>True when <paramref name="length"/> bytes at <paramref name="offset"/> lie inside the section.</summary>
    public bool Contains(ulong offset, ulong length) => offset <= (ulong)data.Length && length <= (ulong)data.Length - offset;

    /// <summary>The 32-bit word at <paramref name="offset"/>; callers have checked that it lies inside.</summary>
    public uint U32(int offset)
    {
        var s = data.Span.Slice(offset, 4);
        return BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
    }

    /// <summary>An error about the byte at <paramref name="offset"/> of .BTF.ext, located in the file.</summary>
    public ElfFormatException Error(string reason, long offset) => new(reason, fileOffset + offset, source);
}
