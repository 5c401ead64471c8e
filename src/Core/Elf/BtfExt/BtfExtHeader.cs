using System.Buffers.Binary;

namespace BtfNotebooks.Elf.BtfExt;

/// <summary>
/// <c>struct btf_ext_header</c>: where the func_info, line_info and (when <see cref="HeaderLength"/> reaches it)
/// core_relo sub-sections are. Their offsets count from the end of the header.
/// </summary>
internal sealed record BtfExtHeader(bool BigEndian, uint HeaderLength, BtfExtSubsectionBounds FuncInfo,
    BtfExtSubsectionBounds LineInfo, BtfExtSubsectionBounds? CoreRelocations)
{
    public const ushort Magic = 0xeB9F;
    public const int MagicOffset = 0, VersionOffset = 2, FlagsOffset = 3, HeaderLengthOffset = 4;
    public const int FuncInfoOffset = 8, LineInfoOffset = 16, CoreRelocationOffset = 24;

    /// <summary>The header must reach up to line_info_len; core_relo_off/len are read only when it also reaches them.</summary>
    public const int MinimumLength = 24, LengthWithCoreRelocations = 32;

    /// <summary>
    /// Reads and checks the header as libbpf's <c>btf_ext_parse</c> does. The byte order is the one the magic is
    /// written in (libbpf byte-swaps a .BTF.ext whose magic reads 0x9feb); <paramref name="objectBigEndian"/> is
    /// only used to say which one is the object's own.
    /// </summary>
    public static BtfExtHeader Read(ReadOnlyMemory<byte> section, bool objectBigEndian, Func<string, long, ElfFormatException> error)
    {
        var s = section.Span;
        if (s.Length < HeaderLengthOffset + 4)
            throw error($".BTF.ext is {s.Length} bytes, too short for its header (magic, version, flags, hdr_len: 8 bytes)", 0);
        bool bigEndian = BinaryPrimitives.ReadUInt16LittleEndian(s) switch
        {
            0xeB9F => false,
            0x9FeB => true,
            var other => throw error($".BTF.ext magic 0x{(objectBigEndian ? BinaryPrimitives.ReverseEndianness(other) : other):x4} is not 0xeb9f", MagicOffset),
        };
        if (s[VersionOffset] != 1) throw error($".BTF.ext version {s[VersionOffset]} is not 1", VersionOffset);
        if (s[FlagsOffset] != 0) throw error($".BTF.ext flags 0x{s[FlagsOffset]:x} are not 0", FlagsOffset);

        var bytes = new BtfExtBytes(section, bigEndian, 0, null);
        uint headerLength = bytes.U32(HeaderLengthOffset);
        if (headerLength > (uint)s.Length)
            throw error($".BTF.ext hdr_len {headerLength} is larger than the section ({s.Length} bytes)", HeaderLengthOffset);
        if (headerLength == (uint)s.Length)
            throw error($".BTF.ext hdr_len {headerLength} covers the whole section: it has no data", HeaderLengthOffset);
        if (headerLength < MinimumLength)
            throw error($".BTF.ext hdr_len {headerLength} is shorter than {MinimumLength}: the header misses func_info/line_info", HeaderLengthOffset);

        BtfExtSubsectionBounds Bounds(string name, int at) => new(name, at, bytes.U32(at), bytes.U32(at + 4));
        return new BtfExtHeader(bigEndian, headerLength, Bounds("func_info", FuncInfoOffset), Bounds("line_info", LineInfoOffset),
            headerLength >= LengthWithCoreRelocations ? Bounds("core_relo", CoreRelocationOffset) : null);
    }
}

/// <summary>One sub-section's <c>X_off</c>/<c>X_len</c> pair; <see cref="FieldOffset"/> is where X_off sits in the header.</summary>
internal sealed record BtfExtSubsectionBounds(string Name, int FieldOffset, uint Offset, uint Length);
