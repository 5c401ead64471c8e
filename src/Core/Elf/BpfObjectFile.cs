using BtfNotebooks.Asm;
using BtfNotebooks.Btf;
using BtfNotebooks.Elf.BtfExt;
using BtfNotebooks.Elf.Maps;

namespace BtfNotebooks.Elf;

/// <summary>
/// A BPF relocatable object as clang builds it (<c>-target bpf</c> or <c>bpfeb</c>): its sections, symbols,
/// relocations, license and programs. Everything is read and checked in <see cref="Parse"/>; malformed input gives an
/// <see cref="ElfFormatException"/> naming the file offset.
/// </summary>
public sealed class BpfObjectFile
{
    /// <summary>The section whose NUL-terminated contents are the program's license (<c>SEC("license")</c>).</summary>
    public const string LicenseSection = "license";

    private readonly ElfBytes _elf;
    private readonly Dictionary<int, CodeSection> _code;
    private readonly Dictionary<int, IReadOnlyList<ElfRelocation>> _relocations;
    private readonly Lazy<BtfSpec?> _btf;
    private readonly Lazy<BtfExtInfo?> _btfExt;
    private readonly Lazy<BpfObjectMaps> _maps;

    private BpfObjectFile(ElfBytes elf, ElfSectionHeader[] sections, ElfSymbol[] symbols,
        Dictionary<int, IReadOnlyList<ElfRelocation>> relocations, Dictionary<int, CodeSection> code, List<BpfObjectProgram> programs)
    {
        _elf = elf;
        _code = code;
        _relocations = relocations;
        Sections = sections;
        Symbols = symbols;
        Programs = programs;
        // Parsed on first use: disassembling or running a program needs neither. Lazy keeps a parse error and
        // throws it again on every access.
        _btf = new Lazy<BtfSpec?>(() => ObjectBtfLoader.LoadBtf(this));
        _btfExt = new Lazy<BtfExtInfo?>(() => ObjectBtfLoader.LoadBtfExt(this, Btf));
        _maps = new Lazy<BpfObjectMaps>(() => BpfObjectMaps.Collect(this));
        License = FindSection(LicenseSection) is { HasNoFileData: false } license
            ? ElfBytes.TryString(SectionData(license).Span, 0) ?? System.Text.Encoding.Latin1.GetString(SectionData(license).Span)
            : null;
    }

    /// <summary>File name given to <see cref="Load"/> or <see cref="Parse"/>; used in error messages.</summary>
    public string? Source => _elf.Source;

    public ByteOrder ByteOrder => _elf.BigEndian ? ByteOrder.BigEndian : ByteOrder.LittleEndian;

    /// <summary>Every section header, indexed by section number (entry 0 is the null section).</summary>
    public IReadOnlyList<ElfSectionHeader> Sections { get; }

    /// <summary>The symbol table, indexed by symbol number (entry 0 is the null symbol); empty without one.</summary>
    public IReadOnlyList<ElfSymbol> Symbols { get; }

    /// <summary>Contents of the <c>license</c> section up to its NUL, or null when there is none.</summary>
    public string? License { get; }

    /// <summary>Every function in an executable section, ordered by section then offset: entry programs and <c>.text</c> subprograms.</summary>
    public IReadOnlyList<BpfObjectProgram> Programs { get; }

    /// <summary>
    /// The object's <c>.BTF</c>, or null when it has none. Parsed on first access; a malformed section throws an
    /// <see cref="ElfFormatException"/> naming <c>.BTF</c> and the file offset.
    /// </summary>
    public BtfSpec? Btf => _btf.Value;

    /// <summary>
    /// The object's <c>.BTF.ext</c> (func_info, line_info, CO-RE relocations), or null when it has none. Parsed and
    /// checked against the object on first access; a malformed section throws an <see cref="ElfFormatException"/>
    /// naming the file offset and the reason.
    /// </summary>
    public BtfExtInfo? BtfExt => _btfExt.Value;

    /// <summary>
    /// Every map the object defines, in libbpf's order (legacy <c>maps</c>, BTF-defined <c>.maps</c>, global data by
    /// section, <c>.kconfig</c>); the index in this list is what <see cref="MapReferences"/> and
    /// <see cref="LinkProgramWithMaps"/> use. Parsed on first access; a malformed definition throws an
    /// <see cref="ElfFormatException"/> naming the section, the map and the member.
    /// </summary>
    public IReadOnlyList<BpfMapDefinition> Maps => _maps.Value.Definitions;

    /// <summary>True when <paramref name="bytes"/> start with the ELF magic (whatever the machine or class).</summary>
    public static bool IsElf(ReadOnlySpan<byte> bytes) => ElfFileHeader.HasMagic(bytes);

    public static BpfObjectFile Load(string path) => Parse(File.ReadAllBytes(path), path);

    public static BpfObjectFile Parse(byte[] bytes, string? source = null)
    {
        Exception Error(string reason, long offset) => new ElfFormatException(reason, offset, source);
        var header = ElfFileHeader.Read(bytes, Error);
        // Only what clang emits for -target bpf/bpfeb and libbpf loads: ELF64 relocatable objects for EM_BPF.
        if (!header.Is64) throw Error($"ELF EI_CLASS {bytes[4]} is not 2 (ELF64); BPF objects are ELF64", 4);
        if (header.Machine != ElfFileHeader.MachineBpf)
            throw Error($"ELF e_machine {header.Machine} is not EM_BPF ({ElfFileHeader.MachineBpf})", ElfFileHeader.MachineOffset);
        if (header.Type != ElfFileHeader.TypeRelocatable)
            throw Error($"ELF e_type {header.Type} is not ET_REL ({ElfFileHeader.TypeRelocatable}): not a relocatable BPF object", ElfFileHeader.TypeOffset);
        if (header.SectionHeaderOffset == 0) throw Error("ELF e_shoff is 0: the object has no section header table", 40);
        var sections = header.ReadSections(bytes, Error);
        var elf = new ElfBytes(bytes, header.BigEndian, source);
        // Later readers slice sections without further checks, so every section with file data must lie inside.
        foreach (var s in sections.Skip(1))
            if (!s.HasNoFileData && !elf.Contains(s.Offset, s.Size))
                throw Error($"section {s.Index} '{s.Name}' (0x{s.Size:x} bytes at 0x{s.Offset:x}) runs past end of file (0x{bytes.Length:x} bytes)", s.HeaderOffset);
        var symbols = SymbolTableReader.Read(elf, sections);
        var relocations = RelocationTableReader.Read(elf, sections, symbols);
        var code = sections.Where(s => s.IsExecutable && !s.HasNoFileData).ToDictionary(s => s.Index, s => CodeSection.Decode(elf, s));
        return new BpfObjectFile(elf, sections, symbols, relocations, code, ProgramExtractor.Extract(elf, symbols, code));
    }

    /// <summary>
    /// A copy of this object whose code carries <paramref name="programs"/>' slots (CO-RE relocated programs from
    /// <see cref="CoRe.CoreRelocationReport.Programs"/>) at their sections and slot offsets: what libbpf has in memory
    /// after bpf_object__relocate_core, so <see cref="LinkProgram"/> of the copy links the relocated code.
    /// </summary>
    public BpfObjectFile WithPatchedPrograms(IEnumerable<CoRe.CoreProgram> programs)
    {
        var bytes = _elf.Data.ToArray();
        foreach (var program in programs)
        {
            var section = FindSection(program.Section) ?? throw new KeyNotFoundException($"{Source ?? "BPF object"} has no section '{program.Section}'");
            long end = (program.SlotOffset + (long)program.Slots.Count) * InstructionCodec.SlotSize;
            if (section.HasNoFileData || program.SlotOffset < 0 || end > (long)section.Size)
                throw new ArgumentException($"program '{program.Name}' (slots {program.SlotOffset}..{program.SlotOffset + program.Slots.Count - 1}) does not fit section '{section.Name}' (0x{section.Size:x} bytes)");
            for (int i = 0; i < program.Slots.Count; i++)
            {
                var slot = program.Slots[i];
                int at = checked((int)section.Offset + (program.SlotOffset + i) * InstructionCodec.SlotSize);
                InstructionCodec.WriteSlot(bytes.AsSpan(at, InstructionCodec.SlotSize), slot.Opcode, slot.Dst, slot.Src, slot.Offset, slot.Imm, ByteOrder);
            }
        }
        return Parse(bytes, Source);
    }

    /// <summary>The first section called <paramref name="name"/>, or null.</summary>
    public ElfSectionHeader? FindSection(string name) => Sections.FirstOrDefault(s => s.Name == name && s.Index != 0);

    /// <summary>The bytes of a section as they are in the file (empty for SHT_NOBITS sections such as <c>.bss</c>).</summary>
    public ReadOnlyMemory<byte> SectionData(ElfSectionHeader section) =>
        section.HasNoFileData ? ReadOnlyMemory<byte>.Empty : _elf.Data.AsMemory((int)section.Offset, (int)section.Size);

    /// <summary>Relocations that apply to <paramref name="section"/> (from its SHT_REL section), empty when there are none.</summary>
    public IReadOnlyList<ElfRelocation> RelocationsFor(ElfSectionHeader section) =>
        _relocations.TryGetValue(section.Index, out var list) ? list : [];

    /// <summary>Every instruction of executable section <paramref name="sectionName"/>, unlinked.</summary>
    public IReadOnlyList<Instruction> SectionInstructions(string sectionName) => Code(sectionName).Instructions;

    /// <summary>The function called <paramref name="name"/>; throws when there is none or more than one.</summary>
    public BpfObjectProgram Program(string name)
    {
        var found = Programs.Where(p => p.Name == name).ToList();
        return found.Count switch
        {
            1 => found[0],
            0 => throw new KeyNotFoundException($"{Source ?? "BPF object"} has no program '{name}' (programs: {string.Join(", ", Programs.Select(p => $"{p.SectionName}/{p.Name}"))})"),
            _ => throw new InvalidOperationException($"{Source ?? "BPF object"} has {found.Count} functions called '{name}' (sections {string.Join(", ", found.Select(p => p.SectionName))})"),
        };
    }

    /// <summary>
    /// Entry program <paramref name="name"/> as libbpf would load it: its instructions followed, when it calls any,
    /// by the <c>.text</c> subprograms, with every relocated bpf-to-bpf call pointing at its callee.
    /// </summary>
    public Instruction[] LinkProgram(string name)
    {
        var entry = Program(name);
        var text = FindSection(BpfObjectProgram.SubprogramSection) is { } t && _code.TryGetValue(t.Index, out var c) ? c : null;
        var linker = new SubprogramLinker(_elf, Symbols, text, text is null ? [] : RelocationsFor(text.Header));
        return linker.Link(entry, _code[entry.SectionIndex], RelocationsFor(Sections[entry.SectionIndex]));
    }

    /// <summary>
    /// The lddw instructions of <see cref="LinkProgram"/>(<paramref name="name"/>) that load a map or the address of a
    /// global variable, with the index in <see cref="Maps"/> and the offset in the map's value. A relocation that is
    /// not on an lddw or call, names a symbol that is no map, or lands outside a map's value throws an
    /// <see cref="ElfFormatException"/> at the relocation entry.
    /// </summary>
    public IReadOnlyList<MapReference> MapReferences(string name) => new MapRelocator(this, _maps.Value).References(name, LinkProgram(name));

    /// <summary>
    /// <see cref="LinkProgram"/> with each map reference rewritten as libbpf's bpf_object__relocate_data does, except
    /// that imm holds the map's index in <see cref="Maps"/> where libbpf writes the map's fd (fds exist only once the
    /// maps are created at load time): src 1 (BPF_PSEUDO_MAP_FD) for a map, src 2 (BPF_PSEUDO_MAP_VALUE) with the
    /// offset in the second slot's imm for a global variable.
    /// </summary>
    public Instruction[] LinkProgramWithMaps(string name)
    {
        var linked = LinkProgram(name);
        return MapRelocator.Rewrite(linked, new MapRelocator(this, _maps.Value).References(name, linked));
    }

    private CodeSection Code(string sectionName) =>
        FindSection(sectionName) is { } s && _code.TryGetValue(s.Index, out var code) ? code
            : throw new KeyNotFoundException($"{Source ?? "BPF object"} has no executable section '{sectionName}'");
}
