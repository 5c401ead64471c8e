using System.Buffers.Binary;
using System.Text;
using BtfNotebooks.Asm;

namespace BtfNotebooks.Elf;

/// <summary>
/// Writes a minimal relocatable BPF object (ELF64, EM_BPF, ET_REL, either byte order) that libbpf and bpftool load:
/// one executable section per distinct section name holding its programs back to back, each program one global
/// STT_FUNC symbol; a <c>license</c> section; optional extra data sections such as <c>.BTF</c> and <c>.BTF.ext</c>;
/// <c>.symtab</c>, <c>.strtab</c> and <c>.shstrtab</c>. There are no relocations or maps, so the programs must be
/// self-contained (no map references, no bpf-to-bpf calls).
/// </summary>
public static class BpfObjectWriter
{
    private const int HeaderSize = 64, SectionHeaderSize = 64;
    private const byte GlobalFunction = (ElfSymbol.BindGlobal << 4) | ElfSymbol.TypeFunction;

    // Names libbpf (or this writer) gives a meaning of its own; a program section called one of them would not be one.
    private static readonly HashSet<string> ReservedSections = [BpfObjectFile.LicenseSection, ".symtab", ".strtab", ".shstrtab", "maps", ".maps", "version"];

    /// <summary>
    /// The object holding <paramref name="programs"/>. Programs with the same section name share one section, in
    /// the order given (as clang lays out several <c>SEC("xdp")</c> functions of one file).
    /// </summary>
    public static byte[] Write(IEnumerable<(string Section, string Name, IReadOnlyList<Instruction> Code)> programs,
        string license = "GPL", ByteOrder order = ByteOrder.LittleEndian, IReadOnlyList<(string Name, byte[] Data)>? dataSections = null)
    {
        var list = programs.ToList();
        Check(list, license);
        dataSections ??= [];
        var sections = list.GroupBy(p => p.Section, StringComparer.Ordinal).ToList();

        // Section numbers: 0 null, 1..n programs, then license, data sections, .symtab, .strtab, .shstrtab.
        int licenseIndex = sections.Count + 1, symtabIndex = licenseIndex + 1 + dataSections.Count, strtabIndex = symtabIndex + 1, shstrtabIndex = strtabIndex + 1;
        var sectionNames = new StringTable();
        var symbolNames = new StringTable();
        var layout = new Layout();
        var headers = new List<SectionHeader> { default };

        var symbols = new List<Symbol> { default };
        for (int i = 0; i < sections.Count; i++)
        {
            var code = new List<byte>();
            foreach (var program in sections[i])
            {
                var bytes = InstructionCodec.Encode(program.Code, order);
                symbols.Add(new Symbol(symbolNames.Add(program.Name), GlobalFunction, (ushort)(i + 1), (ulong)code.Count, (ulong)bytes.Length));
                code.AddRange(bytes);
            }
            headers.Add(layout.Section(sectionNames.Add(sections[i].Key), ElfSectionHeader.TypeProgBits,
                ElfSectionHeader.FlagAlloc | ElfSectionHeader.FlagExecInstr, code.ToArray(), align: InstructionCodec.SlotSize));
        }
        headers.Add(layout.Section(sectionNames.Add(BpfObjectFile.LicenseSection), ElfSectionHeader.TypeProgBits,
            ElfSectionHeader.FlagAlloc | ElfSectionHeader.FlagWrite, [.. Encoding.ASCII.GetBytes(license), 0], align: 1));
        // .BTF and .BTF.ext as clang emits them: PROGBITS, not allocated, 4-byte aligned.
        foreach (var (name, data) in dataSections)
            headers.Add(layout.Section(sectionNames.Add(name), ElfSectionHeader.TypeProgBits, 0, data, align: 4));
        // sh_info of a symbol table is the index of its first non-local symbol: every symbol but the null one is global.
        headers.Add(layout.Section(sectionNames.Add(".symtab"), ElfSectionHeader.TypeSymbolTable, 0, EncodeSymbols(symbols, order),
            align: 8, link: (uint)strtabIndex, info: 1, entrySize: ElfSymbol.EntrySize));
        headers.Add(layout.Section(sectionNames.Add(".strtab"), ElfSectionHeader.TypeStringTable, 0, symbolNames.ToArray(), align: 1));
        headers.Add(layout.Section(sectionNames.Add(".shstrtab"), ElfSectionHeader.TypeStringTable, 0, sectionNames.ToArray(), align: 1));

        ulong sectionTable = layout.Align(8);
        var file = new byte[sectionTable + (ulong)(headers.Count * SectionHeaderSize)];
        WriteFileHeader(file, order, sectionTable, headers.Count, shstrtabIndex);
        layout.CopyTo(file);
        for (int i = 0; i < headers.Count; i++)
            WriteSectionHeader(file.AsSpan((int)sectionTable + i * SectionHeaderSize), headers[i], order);
        return file;
    }

    private static void Check(List<(string Section, string Name, IReadOnlyList<Instruction> Code)> programs, string license)
    {
        if (programs.Count == 0) throw new ArgumentException("a BPF object needs at least one program", nameof(programs));
        if (license.Contains('\0') || !Ascii.IsValid(license)) throw new ArgumentException($"license '{license}' must be ASCII without NUL", nameof(license));
        foreach (var (section, name, code) in programs)
        {
            if (!IsName(section) || ReservedSections.Contains(section) || section == BpfObjectProgram.SubprogramSection)
                throw new ArgumentException($"'{section}' cannot be a program section (empty, non-ASCII, NUL, or a name with another meaning)", nameof(programs));
            if (!IsName(name)) throw new ArgumentException($"program name '{name}' must be non-empty ASCII without NUL", nameof(programs));
            if (code.Count == 0) throw new ArgumentException($"program '{name}' has no instructions", nameof(programs));
        }
        // libbpf names programs, and bpftool pins them, by symbol name.
        if (programs.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
            throw new ArgumentException($"program name '{duplicate.Key}' is used {duplicate.Count()} times", nameof(programs));
    }

    private static bool IsName(string s) => s.Length > 0 && !s.Contains('\0') && Ascii.IsValid(s);

    private readonly record struct SectionHeader(uint Name, uint Type, ulong Flags, ulong Offset, ulong Size, uint Link, uint Info, ulong Align, ulong EntrySize);

    private readonly record struct Symbol(uint Name, byte Info, ushort SectionIndex, ulong Value, ulong Size);

    private static byte[] EncodeSymbols(List<Symbol> symbols, ByteOrder order)
    {
        var bytes = new byte[symbols.Count * ElfSymbol.EntrySize];
        for (int i = 0; i < symbols.Count; i++)
        {
            var s = bytes.AsSpan(i * ElfSymbol.EntrySize);
            var sym = symbols[i];
            U32(s, 0, sym.Name, order);
            s[4] = sym.Info; // st_other (byte 5) stays 0: default visibility
            U16(s, 6, sym.SectionIndex, order);
            U64(s, 8, sym.Value, order);
            U64(s, 16, sym.Size, order);
        }
        return bytes;
    }

    private static void WriteFileHeader(Span<byte> f, ByteOrder order, ulong sectionTable, int sectionCount, int namesIndex)
    {
        f[0] = 0x7F; f[1] = (byte)'E'; f[2] = (byte)'L'; f[3] = (byte)'F';
        f[4] = 2;                                          // ELFCLASS64
        f[5] = order == ByteOrder.BigEndian ? (byte)2 : (byte)1;
        f[6] = 1;                                          // EV_CURRENT; OS ABI and padding stay 0
        U16(f, ElfFileHeader.TypeOffset, ElfFileHeader.TypeRelocatable, order);
        U16(f, ElfFileHeader.MachineOffset, ElfFileHeader.MachineBpf, order);
        U32(f, 20, 1, order);                              // e_version
        U64(f, 40, sectionTable, order);                   // e_shoff (e_entry, e_phoff and e_flags are 0)
        U16(f, 52, HeaderSize, order);                     // e_ehsize
        U16(f, 58, SectionHeaderSize, order);              // e_shentsize (no program headers: e_phentsize, e_phnum 0)
        U16(f, 60, checked((ushort)sectionCount), order);
        U16(f, 62, checked((ushort)namesIndex), order);
    }

    private static void WriteSectionHeader(Span<byte> s, SectionHeader h, ByteOrder order)
    {
        U32(s, 0, h.Name, order);
        U32(s, 4, h.Type, order);
        U64(s, 8, h.Flags, order);
        // sh_addr (16) stays 0: a relocatable object has no addresses.
        U64(s, 24, h.Offset, order);
        U64(s, 32, h.Size, order);
        U32(s, 40, h.Link, order);
        U32(s, 44, h.Info, order);
        U64(s, 48, h.Align, order);
        U64(s, 56, h.EntrySize, order);
    }

    private static void U16(Span<byte> s, int at, ushort v, ByteOrder order)
    {
        if (order == ByteOrder.BigEndian) BinaryPrimitives.WriteUInt16BigEndian(s[at..], v);
        else BinaryPrimitives.WriteUInt16LittleEndian(s[at..], v);
    }

    private static void U32(Span<byte> s, int at, uint v, ByteOrder order)
    {
        if (order == ByteOrder.BigEndian) BinaryPrimitives.WriteUInt32BigEndian(s[at..], v);
        else BinaryPrimitives.WriteUInt32LittleEndian(s[at..], v);
    }

    private static void U64(Span<byte> s, int at, ulong v, ByteOrder order)
    {
        if (order == ByteOrder.BigEndian) BinaryPrimitives.WriteUInt64BigEndian(s[at..], v);
        else BinaryPrimitives.WriteUInt64LittleEndian(s[at..], v);
    }

    /// <summary>An ELF string table: offset 0 is the empty string, each name is stored once.</summary>
    private sealed class StringTable
    {
        private readonly List<byte> _bytes = [0];
        private readonly Dictionary<string, uint> _offsets = new(StringComparer.Ordinal) { [""] = 0 };

        public uint Add(string name)
        {
            if (_offsets.TryGetValue(name, out var offset)) return offset;
            offset = (uint)_bytes.Count;
            _bytes.AddRange(Encoding.ASCII.GetBytes(name));
            _bytes.Add(0);
            _offsets[name] = offset;
            return offset;
        }

        public byte[] ToArray() => [.. _bytes];
    }

    /// <summary>Section contents placed one after another behind the file header, each at its alignment.</summary>
    private sealed class Layout
    {
        private readonly List<(ulong Offset, byte[] Data)> _placed = [];
        private ulong _end = HeaderSize;

        public SectionHeader Section(uint name, uint type, ulong flags, byte[] data, ulong align, uint link = 0, uint info = 0, ulong entrySize = 0)
        {
            ulong offset = Align(align);
            _placed.Add((offset, data));
            _end = offset + (ulong)data.Length;
            return new SectionHeader(name, type, flags, offset, (ulong)data.Length, link, info, align, entrySize);
        }

        /// <summary>The end of what is placed so far, rounded up to <paramref name="align"/>.</summary>
        public ulong Align(ulong align) => (_end + align - 1) / align * align;

        public void CopyTo(byte[] file)
        {
            foreach (var (offset, data) in _placed) data.CopyTo(file, (int)offset);
        }
    }
}
