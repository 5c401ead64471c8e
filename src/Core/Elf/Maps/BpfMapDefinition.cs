namespace BtfNotebooks.Elf.Maps;

/// <summary>
/// One map of a BPF object as libbpf collects it before creating anything: the attributes the kernel gets in
/// BPF_MAP_CREATE, and where the definition lives. Values are those of the object; load-time adjustments libbpf makes
/// (ringbuf size rounded to pages, perf_event_array sized to the CPU count, .kconfig contents) are not applied.
/// </summary>
/// <param name="Name">libbpf's name for the map: the variable or symbol name, or the section name for global data
/// (".data", ".rodata.str1.1", ".kconfig"); see <see cref="KernelName"/> for what the kernel shows.</param>
/// <param name="Kind">Which kind of definition (BTF-defined, legacy, global data).</param>
/// <param name="Type">BPF_MAP_TYPE_* (always array for global data).</param>
/// <param name="KeySize">Key bytes (4 for global data).</param>
/// <param name="ValueSize">Value bytes (the section's size for global data).</param>
/// <param name="MaxEntries">max_entries (1 for global data).</param>
/// <param name="Flags">map_flags (BPF_F_*), including those libbpf adds for global data.</param>
/// <param name="SectionIndex">ELF section of the definition (for .kconfig, the symbol table, as libbpf records it).</param>
/// <param name="SectionOffset">Byte offset of the definition inside that section (0 for global data).</param>
/// <param name="KeyTypeId">BTF type of the key, 0 when unknown.</param>
/// <param name="ValueTypeId">BTF type of the value (the DATASEC for global data), 0 when unknown.</param>
/// <param name="Pinning">0 none, 1 LIBBPF_PIN_BY_NAME.</param>
/// <param name="NumaNode">numa_node.</param>
/// <param name="MapExtra">map_extra (bloom filter hash count, arena address).</param>
/// <param name="Inner">For map-in-map, the definition given by <c>__array(values, ...)</c>, named "outer.inner".</param>
/// <param name="InitialValue">For global data, the value the map starts with (zeroes for .bss and .kconfig); else empty.</param>
/// <param name="Variables">For global data, the variables of its DATASEC (empty without BTF).</param>
public sealed record BpfMapDefinition(
    string Name,
    BpfMapKind Kind,
    BpfMapType Type,
    uint KeySize,
    uint ValueSize,
    uint MaxEntries,
    uint Flags,
    int SectionIndex,
    ulong SectionOffset,
    uint KeyTypeId = 0,
    uint ValueTypeId = 0,
    uint Pinning = 0,
    uint NumaNode = 0,
    ulong MapExtra = 0,
    BpfMapDefinition? Inner = null,
    ReadOnlyMemory<byte> InitialValue = default,
    IReadOnlyList<BpfMapVariable>? Variables = null)
{
    /// <summary>BPF_F_RDONLY_PROG: the program may only read the map (libbpf sets it for .rodata and .kconfig).</summary>
    public const uint FlagReadOnlyProgram = 1u << 7;

    /// <summary>BPF_F_MMAPABLE: user space may mmap the array (libbpf sets it for global data with a non-static variable).</summary>
    public const uint FlagMmapable = 1u << 10;

    /// <summary>LIBBPF_PIN_BY_NAME.</summary>
    public const uint PinByName = 1;

    /// <summary>The kernel's limit on map names (BPF_OBJ_NAME_LEN, NUL included).</summary>
    public const int KernelNameLength = 16;

    public IReadOnlyList<BpfMapVariable> DataVariables => Variables ?? [];

    /// <summary>
    /// For map-in-map and prog-array maps, the entries the source fills (<c>.values = { [1] = &amp;inner }</c>):
    /// libbpf stores the inner map's or program's fd at those indexes once both exist.
    /// </summary>
    public IReadOnlyList<BpfMapSlot> InitialSlots { get; init; } = [];

    /// <summary>
    /// The name libbpf gives the kernel for this map when the object is called <paramref name="objectName"/> (the
    /// file name without ".o"): user maps keep theirs, cut to 15 characters; global data maps get up to 8 characters of
    /// the object name before ".data"/".rodata"/".bss"/".kconfig", and a section with a second dot (".data.foo") keeps
    /// its own name. Characters the kernel refuses become '_'.
    /// </summary>
    public string KernelName(string objectName)
    {
        if (!Kind.IsGlobalData()) return Name.Length < KernelNameLength ? Name : Name[..(KernelNameLength - 1)];
        // libbpf's internal_map_name: the suffix counts as at least 7 characters so every object gets the same prefix.
        int suffixLength = Math.Min(Math.Max(7, Name.Length), KernelNameLength - 1);
        int prefixLength = Name.IndexOf('.', 1) >= 0 ? 0 : Math.Min(KernelNameLength - suffixLength - 1, objectName.Length);
        var name = (objectName[..prefixLength] + Name[..Math.Min(Name.Length, suffixLength)]).ToCharArray();
        for (int i = 0; i < name.Length; i++)
            if (!char.IsAsciiLetterOrDigit(name[i]) && name[i] != '_' && name[i] != '.') name[i] = '_';
        return new string(name);
    }

    public override string ToString() =>
        $"{Name} ({Kind}): {Type.ToLibbpfName()} key {KeySize} value {ValueSize} max_entries {MaxEntries} flags 0x{Flags:x}";
}
