namespace BtfNotebooks.Elf.BtfExt;

/// <summary>
/// The decoded .BTF.ext of a BPF object: function and line info per code section, and the CO-RE relocation records
/// in file order (blocks in order, records in order, as libbpf processes them). Every record has been checked
/// against the object: its section exists and is code, its instruction offset is inside it, its type IDs and
/// strings are inside .BTF, its access string is well-formed and its kind is known.
/// </summary>
public sealed class BtfExtInfo
{
    private readonly ILookup<string, CoreRelocationRecord> _coreBySection;

    internal BtfExtInfo(bool bigEndian, IReadOnlyDictionary<string, IReadOnlyList<BtfFuncInfo>> funcInfos,
        IReadOnlyDictionary<string, IReadOnlyList<BtfLineInfo>> lineInfos, IReadOnlyList<CoreRelocationRecord> coreRelocations)
    {
        IsBigEndian = bigEndian;
        FuncInfos = funcInfos;
        LineInfos = lineInfos;
        CoreRelocations = coreRelocations;
        _coreBySection = coreRelocations.ToLookup(r => r.Section);
    }

    /// <summary>The byte order the .BTF.ext is written in (from its magic).</summary>
    public bool IsBigEndian { get; }

    /// <summary>func_info records by code section name, in file order; sections without any are absent.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<BtfFuncInfo>> FuncInfos { get; }

    /// <summary>line_info records by code section name, in file order; sections without any are absent.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<BtfLineInfo>> LineInfos { get; }

    /// <summary>Every CO-RE relocation record of every section, in file order.</summary>
    public IReadOnlyList<CoreRelocationRecord> CoreRelocations { get; }

    /// <summary>The CO-RE relocation records for code section <paramref name="section"/>, in file order (empty when none).</summary>
    public IReadOnlyList<CoreRelocationRecord> CoreRelocationsFor(string section) => [.. _coreBySection[section]];
}
