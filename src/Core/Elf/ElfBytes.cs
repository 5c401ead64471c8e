using System.Buffers.Binary;
using System.Text;

namespace BtfNotebooks.Elf;

/// <summary>
/// The bytes of an ELF file with its byte order. Every read is bounds-checked and a miss becomes an
/// <see cref="ElfFormatException"/> naming the field, so no reader can index past the end of the file.
/// </summary>
internal sealed class ElfBytes(byte[] data, bool bigEndian, string? source)
{
    public byte[] Data { get; } = data;
    public bool BigEndian { get; } = bigEndian;
    public string? Source { get; } = source;
    public int Length => Data.Length;

    public ElfFormatException Error(string reason, long offset) => new(reason, offset, Source);

    public bool Contains(ulong offset, ulong length) => offset <= (ulong)Data.Length && length <= (ulong)Data.Length - offset;

    public byte U8(long offset, string field) => Field(offset, 1, field)[0];

    public ushort U16(long offset, string field)
    {
        var s = Field(offset, 2, field);
        return BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);
    }

    public uint U32(long offset, string field)
    {
        var s = Field(offset, 4, field);
        return BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
    }

    public ulong U64(long offset, string field)
    {
        var s = Field(offset, 8, field);
        return BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s);
    }

    /// <summary>
    /// The <paramref name="length"/> bytes at <paramref name="offset"/>; when they run past the end of the file the
    /// error is reported at <paramref name="reportAt"/> (the header that holds the bad offset or size).
    /// </summary>
    public ReadOnlyMemory<byte> Range(ulong offset, ulong length, string what, long reportAt)
    {
        if (!Contains(offset, length))
            throw Error($"{what} (0x{length:x} bytes at 0x{offset:x}) runs past end of file (0x{Data.Length:x} bytes)", reportAt);
        return Data.AsMemory((int)offset, (int)length);
    }

    /// <summary>The NUL-terminated string at <paramref name="index"/> of a string table.</summary>
    public static string? TryString(ReadOnlySpan<byte> table, uint index)
    {
        if (index >= table.Length) return null;
        var rest = table[(int)index..];
        int end = rest.IndexOf((byte)0);
        return end < 0 ? null : Encoding.Latin1.GetString(rest[..end]);
    }

    private ReadOnlySpan<byte> Field(long offset, int size, string field)
    {
        if (offset < 0 || offset > Data.Length - size)
            throw Error($"{field} ({size} bytes at 0x{offset:x}) runs past end of file (0x{Data.Length:x} bytes)", Math.Max(0, Math.Min(offset, Data.Length)));
        return Data.AsSpan((int)offset, size);
    }
}
