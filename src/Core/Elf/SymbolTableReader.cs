namespace BtfNotebooks.Elf;

/// <summary>Reads the SHT_SYMTAB section (a relocatable object has at most one) and its string table.</summary>
internal static class SymbolTableReader
{
    public static ElfSymbol[] Read(ElfBytes elf, IReadOnlyList<ElfSectionHeader> sections)
    {
        var tables = sections.Where(s => s.Type == ElfSectionHeader.TypeSymbolTable).ToList();
        if (tables.Count == 0) return [];
        if (tables.Count > 1) throw elf.Error($"{tables.Count} symbol tables (sections {string.Join(", ", tables.Select(t => t.Index))}); a relocatable object has one", tables[1].HeaderOffset);
        var table = tables[0];
        if (table.EntrySize != ElfSymbol.EntrySize)
            throw elf.Error($"symbol table '{table.Name}' sh_entsize {table.EntrySize} is not {ElfSymbol.EntrySize}", table.HeaderOffset);
        if (table.Size % ElfSymbol.EntrySize != 0)
            throw elf.Error($"symbol table '{table.Name}' size 0x{table.Size:x} is not a multiple of {ElfSymbol.EntrySize}", table.HeaderOffset);
        if (table.Link == 0 || table.Link >= sections.Count || sections[(int)table.Link].Type != ElfSectionHeader.TypeStringTable)
            throw elf.Error($"symbol table '{table.Name}' sh_link {table.Link} is not a string table section", table.HeaderOffset);
        var strings = sections[(int)table.Link];
        var names = elf.Range(strings.Offset, strings.Size, $"symbol string table '{strings.Name}'", strings.HeaderOffset).Span;

        var symbols = new ElfSymbol[(int)(table.Size / ElfSymbol.EntrySize)];
        for (int i = 0; i < symbols.Length; i++)
        {
            long at = (long)table.Offset + (long)i * ElfSymbol.EntrySize;
            uint nameOffset = elf.U32(at, $"symbol {i} st_name");
            var name = ElfBytes.TryString(names, nameOffset)
                ?? throw elf.Error($"symbol {i} name offset 0x{nameOffset:x} is outside string table '{strings.Name}' or not NUL-terminated", at);
            var symbol = new ElfSymbol(i, name, elf.U8(at + 4, $"symbol {i} st_info"), elf.U8(at + 5, $"symbol {i} st_other"),
                elf.U16(at + 6, $"symbol {i} st_shndx"), elf.U64(at + 8, $"symbol {i} st_value"), elf.U64(at + 16, $"symbol {i} st_size"), at);
            if (symbol.IsInSection && symbol.SectionIndex >= sections.Count)
                throw elf.Error($"symbol {i} '{name}' st_shndx {symbol.SectionIndex} does not name a section ({sections.Count} sections)", at);
            symbols[i] = symbol;
        }
        return symbols;
    }
}
