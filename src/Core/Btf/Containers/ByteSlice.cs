using System.Buffers.Binary;

namespace BtfNotebooks.Btf.Containers;

/// <summary>The bytes of one container layer: a window into an array, so nested layers need no copies.</summary>
internal readonly struct ByteSlice
{
    public ByteSlice(byte[] data) : this(data, 0, data.Length) { }

    public ByteSlice(byte[] data, int start, int length)
    {
        if ((uint)start > (uint)data.Length || (uint)length > (uint)(data.Length - start))
            throw new ArgumentOutOfRangeException(nameof(length), "slice outside its array (a bounds check is missing)");
        Data = data;
        Start = start;
        Length = length;
    }

    public byte[] Data { get; }
    public int Start { get; }
    public int Length { get; }
    public ReadOnlySpan<byte> Span => Data.AsSpan(Start, Length);

    /// <summary>Sub-slice; callers check the bounds first and report a format error themselves.</summary>
    public ByteSlice Slice(long offset, long length) => new(Data, checked(Start + (int)offset), checked((int)length));

    public ByteSlice Slice(long offset) => Slice(offset, Length - offset);

    public bool Contains(ulong offset, ulong length) => offset <= (ulong)Length && length <= (ulong)Length - offset;

    public MemoryStream OpenRead() => new(Data, Start, Length, writable: false);
}

/// <summary>Fixed-endianness integer reads; callers have already checked the bounds.</summary>
internal static class Endian
{
    public static ushort U16(ReadOnlySpan<byte> s, int offset, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s[offset..]) : BinaryPrimitives.ReadUInt16LittleEndian(s[offset..]);

    public static uint U32(ReadOnlySpan<byte> s, int offset, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s[offset..]) : BinaryPrimitives.ReadUInt32LittleEndian(s[offset..]);

    public static ulong U64(ReadOnlySpan<byte> s, int offset, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(s[offset..]) : BinaryPrimitives.ReadUInt64LittleEndian(s[offset..]);

    public static uint U32Le(ReadOnlySpan<byte> s, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(s[offset..]);

    public static string Hex(ReadOnlySpan<byte> bytes, int max = 16)
    {
        var shown = bytes[..Math.Min(bytes.Length, max)];
        var text = string.Join(' ', shown.ToArray().Select(b => b.ToString("x2")));
        return bytes.Length > max ? text + " ..." : text;
    }
}
