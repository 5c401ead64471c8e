using BtfNotebooks.Btf;

namespace BtfNotebooks.Elf.Maps;

/// <summary>
/// The variables of a DATASEC where they really are. Clang leaves DATASEC sizes and variable offsets zero in objects
/// it compiles (the linker fills them), so libbpf's btf_fixup_datasec takes each global variable's offset from its
/// ELF symbol, treats hidden globals as static, and sorts by offset. The same is done here; a static variable, which
/// libbpf leaves alone, takes the offset of the local symbol of that name in the section when there is one.
/// </summary>
internal static class DatasecLayout
{
    public const byte VisibilityHidden = 2, VisibilityInternal = 1;

    public sealed record Entry(BtfType Var, uint Offset, uint Size, BtfLinkage Linkage, ElfSymbol? Symbol);

    /// <summary>Variables of <paramref name="datasec"/> sorted by offset; <paramref name="error"/> builds the exception for a global without a symbol.</summary>
    public static List<Entry> Read(BpfObjectFile obj, BtfType datasec, Func<string, ElfFormatException> error)
    {
        var btf = datasec.Spec;
        bool fixup = datasec.Size == 0;
        var entries = new List<Entry>(datasec.Vlen);
        foreach (var info in datasec.Variables)
        {
            if (!btf.Contains(info.TypeId) || btf[info.TypeId] is not { Kind: BtfKind.Var } variable)
            {
                entries.Add(new Entry(btf.Contains(info.TypeId) ? btf[info.TypeId] : default, info.Offset, info.Size, BtfLinkage.Static, null));
                continue;
            }
            var linkage = variable.Linkage;
            ElfSymbol? symbol;
            if (linkage is BtfLinkage.Global)
            {
                // libbpf's find_elf_var_sym: the first global or weak object symbol of that name.
                symbol = obj.Symbols.FirstOrDefault(s => s.Type == ElfSymbol.TypeObject && s.Binding is ElfSymbol.BindGlobal or ElfSymbol.BindWeak && s.Name == variable.Name)
                    ?? throw error($"no ELF symbol for global variable '{variable.Name}'");
                if ((symbol.Other & 0x3) is VisibilityHidden or VisibilityInternal) linkage = BtfLinkage.Static;
            }
            else
            {
                symbol = obj.Symbols.FirstOrDefault(s => s.Type == ElfSymbol.TypeObject && s.Binding == ElfSymbol.BindLocal && s.Name == variable.Name
                    && s.IsInSection && obj.Sections[s.SectionIndex].Name == variable.Spec.GetString(datasec.NameOffset));
            }
            uint offset = fixup && symbol is not null ? (uint)symbol.Value : info.Offset;
            entries.Add(new Entry(variable, offset, info.Size, linkage, symbol));
        }
        return [.. entries.OrderBy(e => e.Offset)];
    }
}
