using System.Buffers.Binary;

namespace BtfNotebooks.Elf;

/// <summary>
/// The identification and file-header fields of an ELF32 or ELF64 file in either byte order. The one ELF header
/// reader of the project: BPF objects (<see cref="BpfObjectFile"/>) and the vmlinux/module images BTF is extracted
/// from both start here, then read their section table with <see cref="ReadSections"/>.
/// </summary>
internal readonly record struct ElfFileHeader(bool Is64, bool BigEndian, ushort Type, ushort Machine, ulong SectionHeaderOffset, int SectionHeaderEntrySize, ulong SectionCount, uint SectionNamesIndex)
{
    private const ushort IndexExtended = 0xFFFF; // SHN_XINDEX: the real e_shstrndx is in section 0's sh_link

    public const ushort MachineBpf = 247;    // EM_BPF
    public const ushort TypeRelocatable = 1; // ET_REL

    /// <summary>Offsets of e_type and e_machine (the same in ELF32 and ELF64), for errors about them.</summary>
    public const int TypeOffset = 16, MachineOffset = 18;

    public string Describe => $"ELF{(Is64 ? 64 : 32)} {(BigEndian ? "big" : "little")}-endian";

    public static bool HasMagic(ReadOnlySpan<byte> s) => s.Length >= 4 && s[0] == 0x7F && s[1] == (byte)'E' && s[2] == (byte)'L' && s[3] == (byte)'F';

    /// <summary>Reads and checks the file header; <paramref name="error"/> makes the caller's exception (reason, file offset).</summary>
    public static ElfFileHeader Read(ReadOnlySpan<byte> s, Func<string, long, Exception> error)
    {
        if (s.Length < 16) throw error($"ELF identification truncated ({s.Length} of 16 bytes)", 0);
        if (!HasMagic(s)) throw error($"not an ELF file (magic {s[0]:x2} {s[1]:x2} {s[2]:x2} {s[3]:x2}, expected 7f 45 4c 46)", 0);
        bool is64 = s[4] switch
        {
            1 => false,
            2 => true,
            _ => throw error($"ELF EI_CLASS {s[4]} is neither 1 (ELF32) nor 2 (ELF64)", 4),
        };
        bool be = s[5] switch
        {
            1 => false,
            2 => true,
            _ => throw error($"ELF EI_DATA {s[5]} is neither 1 (little-endian) nor 2 (big-endian)", 5),
        };
        int headerSize = is64 ? 64 : 52;
        if (s.Length < headerSize) throw error($"ELF header truncated ({s.Length} of {headerSize} bytes)", 0);
        return new ElfFileHeader(is64, be, U16(s, TypeOffset, be), U16(s, MachineOffset, be),
            is64 ? U64(s, 40, be) : U32(s, 32, be), U16(s, is64 ? 58 : 46, be), U16(s, is64 ? 60 : 48, be), U16(s, is64 ? 62 : 50, be));
    }

    /// <summary>
    /// The section header table with names resolved; empty when the file has none (e_shoff 0). Checks the table
    /// and the name table against the file; each section's own extent is left to the caller, which knows which
    /// sections it will read.
    /// </summary>
    public ElfSectionHeader[] ReadSections(ReadOnlySpan<byte> s, Func<string, long, Exception> error)
    {
        ulong shoff = SectionHeaderOffset;
        if (shoff == 0) return [];
        int shentsize = SectionHeaderEntrySize;
        int minEntry = Is64 ? 64 : 40;
        if (shentsize < minEntry)
            throw error($"ELF e_shentsize {shentsize} is smaller than a section header ({minEntry} bytes)", Is64 ? 58 : 46);
        if (shoff > (ulong)s.Length || (ulong)shentsize > (ulong)s.Length - shoff)
            throw error($"ELF section header table at 0x{shoff:x} runs past end of file (0x{s.Length:x} bytes)", (long)Math.Min(shoff, long.MaxValue));

        // More than 0xff00 sections: the real count and string table index live in section 0.
        var first = ReadRaw(s, (int)shoff);
        ulong count = SectionCount == 0 ? first.Size : SectionCount;
        uint names = SectionNamesIndex == IndexExtended ? first.Link : SectionNamesIndex;
        if (count > ((ulong)s.Length - shoff) / (ulong)shentsize)
            throw error($"ELF section header table runs past end of file ({count} entries of {shentsize} bytes at 0x{shoff:x}, file is 0x{s.Length:x} bytes)", (long)shoff);
        if (names == 0 || names >= count)
            throw error($"ELF e_shstrndx {names} does not name a section ({count} sections)", Is64 ? 62 : 50);

        var raw = new Raw[(int)count];
        for (int i = 0; i < raw.Length; i++) raw[i] = ReadRaw(s, (int)shoff + i * shentsize);
        var table = raw[names];
        long tableAt = (long)shoff + names * shentsize;
        if (table.Type == ElfSectionHeader.TypeNoBits || table.Offset > (ulong)s.Length || table.Size > (ulong)s.Length - table.Offset)
            throw error($"ELF section name table (section {names}, 0x{table.Size:x} bytes at 0x{table.Offset:x}) runs past end of file (0x{s.Length:x} bytes)", tableAt);
        var nameTable = s.Slice((int)table.Offset, (int)table.Size);

        var sections = new ElfSectionHeader[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            long at = (long)shoff + (long)i * shentsize;
            var r = raw[i];
            string name = i == 0 && r.Name == 0 ? "" : Name(nameTable, r.Name, i, at, error);
            sections[i] = new ElfSectionHeader(i, name, r.Type, r.Flags, r.Offset, r.Size, r.Link, r.Info, r.EntrySize, at);
        }
        return sections;
    }

    private static string Name(ReadOnlySpan<byte> table, uint offset, int index, long headerOffset, Func<string, long, Exception> error)
    {
        if (offset >= table.Length)
            throw error($"ELF section {index} name offset 0x{offset:x} is outside the section name table (0x{table.Length:x} bytes)", headerOffset);
        var rest = table[(int)offset..];
        int end = rest.IndexOf((byte)0);
        if (end < 0) throw error($"ELF section {index} name at 0x{offset:x} is not NUL-terminated in the section name table", headerOffset);
        return System.Text.Encoding.Latin1.GetString(rest[..end]);
    }

    private readonly record struct Raw(uint Name, uint Type, ulong Flags, ulong Offset, ulong Size, uint Link, uint Info, ulong EntrySize);

    private Raw ReadRaw(ReadOnlySpan<byte> s, int at)
    {
        bool be = BigEndian;
        return Is64
            ? new Raw(U32(s, at, be), U32(s, at + 4, be), U64(s, at + 8, be), U64(s, at + 24, be), U64(s, at + 32, be),
                U32(s, at + 40, be), U32(s, at + 44, be), U64(s, at + 56, be))
            : new Raw(U32(s, at, be), U32(s, at + 4, be), U32(s, at + 8, be), U32(s, at + 16, be), U32(s, at + 20, be),
                U32(s, at + 24, be), U32(s, at + 28, be), U32(s, at + 36, be));
    }

    private static ushort U16(ReadOnlySpan<byte> s, int at, bool be) => be ? BinaryPrimitives.ReadUInt16BigEndian(s[at..]) : BinaryPrimitives.ReadUInt16LittleEndian(s[at..]);

    private static uint U32(ReadOnlySpan<byte> s, int at, bool be) => be ? BinaryPrimitives.ReadUInt32BigEndian(s[at..]) : BinaryPrimitives.ReadUInt32LittleEndian(s[at..]);

    private static ulong U64(ReadOnlySpan<byte> s, int at, bool be) => be ? BinaryPrimitives.ReadUInt64BigEndian(s[at..]) : BinaryPrimitives.ReadUInt64LittleEndian(s[at..]);
}
