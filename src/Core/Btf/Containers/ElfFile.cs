using System.Text;

namespace BtfNotebooks.Btf.Containers;

/// <summary>One entry of an ELF section header table, with its name resolved.</summary>
internal readonly record struct ElfSection(int Index, string Name, uint Type, ulong Flags, ulong Offset, ulong Size, long HeaderOffset)
{
    public const uint TypeNoBits = 8;
    public const ulong FlagCompressed = 0x800;
}

/// <summary>
/// Reads the section header table of an ELF32/ELF64 file in either byte order. Every offset and
/// size is checked against the file before it is used, so a truncated or corrupt file gives a
/// <see cref="BtfFormatException"/> saying which field is wrong.
/// </summary>
internal sealed class ElfFile
{
    private const ushort SectionIndexExtended = 0xFFFF; // SHN_XINDEX: the real e_shstrndx is in section 0's sh_link

    private ElfFile(bool is64, bool bigEndian, long sectionHeaderOffset, IReadOnlyList<ElfSection> sections)
    {
        Is64 = is64;
        BigEndian = bigEndian;
        SectionHeaderOffset = sectionHeaderOffset;
        Sections = sections;
    }

    public bool Is64 { get; }
    public bool BigEndian { get; }
    public long SectionHeaderOffset { get; }
    public IReadOnlyList<ElfSection> Sections { get; }
    public string Describe => $"ELF{(Is64 ? 64 : 32)} {(BigEndian ? "big" : "little")}-endian";

    public static bool HasMagic(ReadOnlySpan<byte> s) => s.Length >= 4 && s[0] == 0x7F && s[1] == (byte)'E' && s[2] == (byte)'L' && s[3] == (byte)'F';

    public static ElfFile Parse(ByteSlice file, Layer layer)
    {
        var s = file.Span;
        if (s.Length < 16) throw layer.Error($"ELF identification truncated ({s.Length} of 16 bytes)", 0);
        var is64 = s[4] switch
        {
            1 => false,
            2 => true,
            _ => throw layer.Error($"ELF EI_CLASS {s[4]} is neither 1 (ELF32) nor 2 (ELF64)", 4),
        };
        var bigEndian = s[5] switch
        {
            1 => false,
            2 => true,
            _ => throw layer.Error($"ELF EI_DATA {s[5]} is neither 1 (little-endian) nor 2 (big-endian)", 5),
        };
        var headerSize = is64 ? 64 : 52;
        if (s.Length < headerSize) throw layer.Error($"ELF header truncated ({s.Length} of {headerSize} bytes)", 0);

        ulong shoff = is64 ? Endian.U64(s, 40, bigEndian) : Endian.U32(s, 32, bigEndian);
        int shentsize = Endian.U16(s, is64 ? 58 : 46, bigEndian);
        ulong shnum = Endian.U16(s, is64 ? 60 : 48, bigEndian);
        uint shstrndx = Endian.U16(s, is64 ? 62 : 50, bigEndian);
        if (shoff == 0) return new ElfFile(is64, bigEndian, 0, []); // no section header table (e.g. stripped to program headers)

        var minEntry = is64 ? 64 : 40;
        if (shentsize < minEntry)
            throw layer.Error($"ELF e_shentsize {shentsize} is smaller than a section header ({minEntry} bytes)", is64 ? 58 : 46);
        if (!file.Contains(shoff, (ulong)shentsize))
            throw layer.Error($"ELF section header table at 0x{shoff:x} runs past end of file (0x{s.Length:x} bytes)", (long)Math.Min(shoff, long.MaxValue));

        // More than 0xff00 sections: the real count and string table index live in section 0.
        var first = ReadHeader(s, (int)shoff, is64, bigEndian);
        if (shnum == 0) shnum = first.Size;
        if (shstrndx == SectionIndexExtended) shstrndx = first.Link;
        if (shnum > (ulong)(s.Length - (long)shoff) / (ulong)shentsize)
            throw layer.Error(
                $"ELF section header table runs past end of file ({shnum} entries of {shentsize} bytes at 0x{shoff:x}, file is 0x{s.Length:x} bytes)",
                (long)shoff);
        if (shstrndx == 0 || shstrndx >= shnum)
            throw layer.Error($"ELF e_shstrndx {shstrndx} does not name a section ({shnum} sections)", is64 ? 62 : 50);

        var count = (int)shnum;
        var raw = new RawSection[count];
        for (var i = 0; i < count; i++) raw[i] = ReadHeader(s, (int)shoff + i * shentsize, is64, bigEndian);

        var names = raw[shstrndx];
        var namesHeaderOffset = (long)shoff + shstrndx * shentsize;
        if (names.Type == ElfSection.TypeNoBits || !file.Contains(names.Offset, names.Size))
            throw layer.Error(
                $"ELF section name table (section {shstrndx}, 0x{names.Size:x} bytes at 0x{names.Offset:x}) runs past end of file (0x{s.Length:x} bytes)",
                namesHeaderOffset);
        var nameTable = s.Slice((int)names.Offset, (int)names.Size);

        var sections = new ElfSection[count];
        for (var i = 0; i < count; i++)
        {
            var headerOffset = (long)shoff + (long)i * shentsize;
            var name = i == 0 && raw[i].Name == 0 ? "" : ReadName(nameTable, raw[i].Name, i, headerOffset, layer);
            sections[i] = new ElfSection(i, name, raw[i].Type, raw[i].Flags, raw[i].Offset, raw[i].Size, headerOffset);
        }
        return new ElfFile(is64, bigEndian, (long)shoff, sections);
    }

    private static string ReadName(ReadOnlySpan<byte> table, uint offset, int index, long headerOffset, Layer layer)
    {
        if (offset >= table.Length)
            throw layer.Error($"ELF section {index} name offset 0x{offset:x} is outside the section name table (0x{table.Length:x} bytes)", headerOffset);
        var rest = table[(int)offset..];
        var end = rest.IndexOf((byte)0);
        if (end < 0) throw layer.Error($"ELF section {index} name at 0x{offset:x} is not NUL-terminated in the section name table", headerOffset);
        return Encoding.Latin1.GetString(rest[..end]);
    }

    private readonly record struct RawSection(uint Name, uint Type, ulong Flags, ulong Offset, ulong Size, uint Link);

    private static RawSection ReadHeader(ReadOnlySpan<byte> s, int at, bool is64, bool be) => is64
        ? new RawSection(Endian.U32(s, at, be), Endian.U32(s, at + 4, be), Endian.U64(s, at + 8, be),
            Endian.U64(s, at + 24, be), Endian.U64(s, at + 32, be), Endian.U32(s, at + 40, be))
        : new RawSection(Endian.U32(s, at, be), Endian.U32(s, at + 4, be), Endian.U32(s, at + 8, be),
            Endian.U32(s, at + 16, be), Endian.U32(s, at + 20, be), Endian.U32(s, at + 24, be));
}
