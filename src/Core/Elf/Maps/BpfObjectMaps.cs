namespace BtfNotebooks.Elf.Maps;

/// <summary>
/// Every map of an object in libbpf's order, which is also the index relocations use: legacy <c>maps</c>, then
/// BTF-defined <c>.maps</c>, then global data in section order, then <c>.kconfig</c>.
/// </summary>
internal sealed class BpfObjectMaps
{
    private BpfObjectMaps(List<BpfMapDefinition> definitions, Dictionary<int, uint> kconfigOffsets)
    {
        Definitions = definitions;
        KconfigOffsets = kconfigOffsets;
        KconfigIndex = definitions.FindIndex(m => m.Kind == BpfMapKind.Kconfig);
    }

    public IReadOnlyList<BpfMapDefinition> Definitions { get; }

    /// <summary>Offset in the .kconfig map of each kconfig extern, by symbol index.</summary>
    public IReadOnlyDictionary<int, uint> KconfigOffsets { get; }

    /// <summary>Index of the .kconfig map, or -1.</summary>
    public int KconfigIndex { get; }

    public static BpfObjectMaps Collect(BpfObjectFile obj)
    {
        var maps = new List<BpfMapDefinition>();
        if (obj.FindSection(LegacyMapParser.SectionName) is { } legacy) maps.AddRange(LegacyMapParser.Parse(obj, legacy));
        if (obj.FindSection(BtfMapDefinitionParser.SectionName) is { } btfMaps)
        {
            var btf = obj.Btf ?? throw new ElfFormatException(
                $"section '{BtfMapDefinitionParser.SectionName}' needs .BTF to describe its maps, and the object has none", btfMaps.HeaderOffset, obj.Source);
            maps.AddRange(new BtfMapDefinitionParser(obj, btf, btfMaps).Parse());
            MapSlotRelocations.Apply(obj, btf, btfMaps, maps);
        }
        maps.AddRange(GlobalDataMaps.Parse(obj));
        if (KconfigMap.Parse(obj, out var offsets) is { } kconfig) maps.Add(kconfig);
        var duplicate = maps.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ElfFormatException($"two maps are called '{duplicate.Key}'", obj.Sections[duplicate.Last().SectionIndex].HeaderOffset, obj.Source);
        return new BpfObjectMaps(maps, offsets);
    }
}
