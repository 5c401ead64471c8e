using BtfNotebooks.Btf;

namespace BtfNotebooks.Elf.Maps;

/// <summary>
/// The relocations of the <c>.maps</c> section, as libbpf's bpf_object__collect_map_relos reads them: a
/// definition's <c>.values = { [i] = &amp;x }</c> leaves an R_BPF_64_64 (or ABS64) at the i-th pointer of its last
/// member, <c>values</c>, against the symbol of inner map x (map-in-map) or program x (prog-array).
/// </summary>
internal static class MapSlotRelocations
{
    public static void Apply(BpfObjectFile obj, BtfSpec btf, ElfSectionHeader section, List<BpfMapDefinition> maps)
    {
        var relocations = obj.RelocationsFor(section);
        if (relocations.Count == 0) return;
        var datasec = btf.FindByName(BtfMapDefinitionParser.SectionName, BtfKind.Datasec)!.Value;
        var layout = DatasecLayout.Read(obj, datasec, reason => new ElfFormatException(reason, section.HeaderOffset, obj.Source));
        var slots = new Dictionary<int, SortedDictionary<int, BpfMapSlot>>();
        for (int i = 0; i < relocations.Count; i++)
        {
            var r = relocations[i];
            var symbol = obj.Symbols[r.SymbolIndex];
            ElfFormatException Error(string reason) => new($"section '{section.Name}' relocation #{i}: {reason}", r.EntryOffset, obj.Source);
            var entry = layout.FirstOrDefault(e => e.Offset <= r.Offset && r.Offset < (ulong)e.Offset + e.Size)
                ?? throw Error($"no map is defined at offset 0x{r.Offset:x} (relocation against '{symbol.Name}')");
            int outer = maps.FindIndex(m => m.Kind == BpfMapKind.BtfDefined && m.SectionOffset == entry.Offset);
            var map = maps[outer];
            bool progArray = map.Type == BpfMapType.ProgArray;
            if (!map.Type.IsMapInMap() && !progArray) throw Error($"map '{map.Name}': should be map-in-map or prog-array");
            var def = btf.SkipModifiers(entry.Var.TypeId);
            if (def.Vlen == 0 || def.Members[def.Vlen - 1] is not { Name: "values" } values)
                throw Error($"map '{map.Name}': the last member is not 'values'");
            long offset = (long)r.Offset - entry.Offset - values.BitOffset / 8;
            if (offset < 0 || offset % 8 != 0) throw Error($"map '{map.Name}': relocation at byte {offset} of 'values' is not on a pointer");
            int index = (int)(offset / 8);
            BpfMapSlot slot;
            if (progArray)
            {
                if (!symbol.IsFunction) throw Error($"map '{map.Name}': '{symbol.Name}' is not a program");
                slot = new BpfMapSlot(index, symbol.Name, -1);
            }
            else
            {
                int target = maps.FindIndex(m => m.Kind == BpfMapKind.BtfDefined && m.SectionIndex == symbol.SectionIndex && m.SectionOffset == symbol.Value);
                if (symbol.SectionIndex != section.Index || target < 0)
                    throw Error($"map '{map.Name}': can't find target map '{symbol.Name}'");
                slot = new BpfMapSlot(index, symbol.Name, target);
            }
            if (!slots.TryGetValue(outer, out var list)) slots[outer] = list = [];
            list[index] = slot;
        }
        foreach (var (outer, list) in slots) maps[outer] = maps[outer] with { InitialSlots = [.. list.Values] };
    }
}
