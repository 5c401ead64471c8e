using BtfNotebooks.Btf;

namespace BtfNotebooks.Elf.Maps;

/// <summary>
/// The <c>.kconfig</c> map of <c>extern ... __kconfig</c> variables. There is no such ELF section: the externs are
/// undefined symbols whose BTF VARs sit in DATASEC ".kconfig", and libbpf (bpf_object__collect_externs) lays them
/// out itself: sorted by alignment (largest first), then size (smallest first), then name, each at the next offset
/// its alignment allows. The map's value ends with the last one; libbpf fills it from the kernel config at load time.
/// </summary>
internal static class KconfigMap
{
    public const string Name = ".kconfig";

    /// <summary>The map, or null when the object has no kconfig externs; <paramref name="offsets"/> gets each extern symbol's offset.</summary>
    public static BpfMapDefinition? Parse(BpfObjectFile obj, out Dictionary<int, uint> offsets)
    {
        offsets = [];
        if (obj.Btf is not { } btf || btf.FindByName(Name, BtfKind.Datasec) is not { } datasec) return null;
        var inSection = new HashSet<uint>(datasec.Variables.Select(v => v.TypeId));
        var externs = new List<(ElfSymbol Symbol, BtfType Var, uint Size, int Align)>();
        foreach (var symbol in obj.Symbols)
        {
            if (!IsExtern(symbol)) continue;
            var variable = btf.FindByName(symbol.Name).FirstOrDefault(t => t.Kind == BtfKind.Var && t.Linkage == BtfLinkage.Extern);
            if (variable.IsVoid || !inSection.Contains(variable.Id)) continue;
            ElfFormatException Error(string reason) => new($"extern (kcfg) '{symbol.Name}': {reason}", symbol.EntryOffset, obj.Source);
            if (!IsSupported(btf, variable.TypeId)) throw Error($"type {btf[variable.TypeId]} is unsupported (bool, char, 1/2/4/8-byte integers, char arrays, enum libbpf_tristate)");
            long size;
            try { size = btf.SizeOf(variable.TypeId); }
            catch (Exception e) when (e is BtfLookupException or BtfFormatException) { throw Error($"failed to resolve size: {e.Message}"); }
            externs.Add((symbol, variable, (uint)size, btf.AlignOf(btf[variable.TypeId])));
        }
        if (externs.Count == 0) return null;
        externs.Sort((a, b) => a.Align != b.Align ? b.Align.CompareTo(a.Align)
            : a.Size != b.Size ? a.Size.CompareTo(b.Size) : string.CompareOrdinal(a.Symbol.Name, b.Symbol.Name));
        var variables = new List<BpfMapVariable>(externs.Count);
        uint end = 0;
        foreach (var e in externs)
        {
            uint offset = (end + (uint)e.Align - 1) / (uint)e.Align * (uint)e.Align;
            offsets[e.Symbol.Index] = offset;
            // libbpf turns the externs into allocated globals so the kernel accepts the DATASEC.
            variables.Add(new BpfMapVariable(e.Symbol.Name, offset, e.Size, e.Var.Id, BtfLinkage.Global));
            end = offset + e.Size;
        }
        int symbolTable = obj.Sections.FirstOrDefault(s => s.Type == ElfSectionHeader.TypeSymbolTable)?.Index ?? 0;
        return GlobalDataMaps.Create(obj, btf, Name, BpfMapKind.Kconfig, symbolTable, end, new byte[end], variables);
    }

    /// <summary>An undefined, named, non-section symbol: what libbpf's sym_is_extern accepts.</summary>
    public static bool IsExtern(ElfSymbol symbol) =>
        symbol.SectionIndex == ElfSymbol.SectionUndefined && symbol.Index != 0 && symbol.Name.Length > 0
        && symbol.Binding is ElfSymbol.BindGlobal or ElfSymbol.BindWeak && symbol.Type == ElfSymbol.TypeNoType;

    /// <summary>libbpf's find_kcfg_type: what a kernel config value can be read into.</summary>
    private static bool IsSupported(BtfSpec btf, uint typeId)
    {
        var t = btf.SkipModifiers(typeId);
        return t.Kind switch
        {
            BtfKind.Int => t.IntEncoding.HasFlag(BtfIntEncoding.Bool) ? t.Size == 1 : t.Size is 1 or 2 or 4 or 8,
            BtfKind.Enum => t.Size == 4 && t.Name == "libbpf_tristate",
            BtfKind.Enum64 => t.Name == "libbpf_tristate",
            BtfKind.Array => t.ArrayLength != 0 && btf.SkipModifiers(t.ArrayElementTypeId) is { Kind: BtfKind.Int } c && c.Size == 1 && !c.IntEncoding.HasFlag(BtfIntEncoding.Bool),
            _ => false,
        };
    }
}
