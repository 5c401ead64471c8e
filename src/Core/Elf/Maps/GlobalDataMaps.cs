using BtfNotebooks.Btf;

namespace BtfNotebooks.Elf.Maps;

/// <summary>
/// The single-element array maps libbpf makes of global variables (bpf_object__init_global_data_maps): one per
/// non-empty <c>.data</c>, <c>.rodata</c>, <c>.bss</c> section or <c>.data.*</c>/<c>.rodata.*</c>/<c>.bss.*</c>
/// variant, in section order. Key 4 bytes, value the whole section, read-only for the program for .rodata, mmapable
/// when the section's DATASEC has a variable that is not static (what a skeleton would expose).
/// </summary>
internal static class GlobalDataMaps
{
    public static BpfMapKind? KindOf(ElfSectionHeader section)
    {
        static bool Is(string name, string prefix) => name == prefix || name.StartsWith(prefix + ".", StringComparison.Ordinal);
        if (section.HasNoFileData) return Is(section.Name, ".bss") ? BpfMapKind.Bss : null;
        if (section.Type != ElfSectionHeader.TypeProgBits) return null;
        return Is(section.Name, ".data") ? BpfMapKind.Data : Is(section.Name, ".rodata") ? BpfMapKind.ReadOnlyData : null;
    }

    public static List<BpfMapDefinition> Parse(BpfObjectFile obj)
    {
        var maps = new List<BpfMapDefinition>();
        foreach (var section in obj.Sections.Skip(1))
        {
            if (KindOf(section) is not BpfMapKind kind || section.Size == 0) continue;
            // The map is created with the section's size, which must fit a u32 value_size.
            if (section.Size > uint.MaxValue)
                throw new ElfFormatException($"section '{section.Name}' (0x{section.Size:x} bytes) is too large for a global data map", section.HeaderOffset, obj.Source);
            var initial = kind == BpfMapKind.Bss ? new byte[section.Size] : obj.SectionData(section);
            maps.Add(Create(obj, obj.Btf, section.Name, kind, section.Index, (uint)section.Size, initial));
        }
        return maps;
    }

    /// <summary>A global data map named <paramref name="name"/>, with the variables of the DATASEC of that name (when .BTF has one).</summary>
    public static BpfMapDefinition Create(BpfObjectFile obj, BtfSpec? btf, string name, BpfMapKind kind, int sectionIndex, uint size, ReadOnlyMemory<byte> initial,
        IReadOnlyList<BpfMapVariable>? variables = null)
    {
        // Some sections (.rodata.str1.1 for string literals) have no DATASEC; libbpf then leaves the value type unset.
        var datasec = btf?.FindByName(name, BtfKind.Datasec);
        variables ??= datasec is { } d ? Variables(obj, d) : [];
        uint flags = kind is BpfMapKind.ReadOnlyData or BpfMapKind.Kconfig ? BpfMapDefinition.FlagReadOnlyProgram : 0;
        if (variables.Any(v => v.Linkage != BtfLinkage.Static)) flags |= BpfMapDefinition.FlagMmapable;
        return new BpfMapDefinition(name, kind, BpfMapType.Array, 4, size, 1, flags, sectionIndex, 0,
            ValueTypeId: datasec?.Id ?? 0, InitialValue: initial, Variables: variables);
    }

    private static List<BpfMapVariable> Variables(BpfObjectFile obj, BtfType datasec)
    {
        string section = datasec.Name;
        var layout = DatasecLayout.Read(obj, datasec, reason => new ElfFormatException($"DATASEC '{section}': {reason}",
            obj.FindSection(section)?.HeaderOffset ?? 0, obj.Source));
        // Functions (extern kfuncs) and anything else that is not a VAR hold no data.
        return [.. layout.Where(e => !e.Var.IsVoid && e.Var.Kind == BtfKind.Var)
            .Select(e => new BpfMapVariable(e.Var.Name, e.Offset, e.Size, e.Var.Id, e.Linkage))];
    }
}
