namespace BtfNotebooks.Elf;

/// <summary>
/// Reads every SHT_REL section into lists keyed by the section they apply to (sh_info). Each entry is checked to
/// name an existing symbol and to lie inside its target section.
/// </summary>
internal static class RelocationTableReader
{
    public static Dictionary<int, IReadOnlyList<ElfRelocation>> Read(ElfBytes elf, IReadOnlyList<ElfSectionHeader> sections, IReadOnlyList<ElfSymbol> symbols)
    {
        var byTarget = new Dictionary<int, IReadOnlyList<ElfRelocation>>();
        foreach (var table in sections.Where(s => s.Type == ElfSectionHeader.TypeRel))
        {
            if (table.EntrySize != ElfRelocation.EntrySize)
                throw elf.Error($"relocation section '{table.Name}' sh_entsize {table.EntrySize} is not {ElfRelocation.EntrySize}", table.HeaderOffset);
            if (table.Size % ElfRelocation.EntrySize != 0)
                throw elf.Error($"relocation section '{table.Name}' size 0x{table.Size:x} is not a multiple of {ElfRelocation.EntrySize}", table.HeaderOffset);
            if (table.Info == 0 || table.Info >= sections.Count)
                throw elf.Error($"relocation section '{table.Name}' sh_info {table.Info} does not name a section ({sections.Count} sections)", table.HeaderOffset);
            if (byTarget.ContainsKey((int)table.Info))
                throw elf.Error($"relocation section '{table.Name}' is the second one for section {table.Info}", table.HeaderOffset);
            var target = sections[(int)table.Info];

            var entries = new ElfRelocation[(int)(table.Size / ElfRelocation.EntrySize)];
            for (int i = 0; i < entries.Length; i++)
            {
                long at = (long)table.Offset + (long)i * ElfRelocation.EntrySize;
                ulong offset = elf.U64(at, $"{table.Name} entry {i} r_offset");
                ulong info = elf.U64(at + 8, $"{table.Name} entry {i} r_info");
                ulong symbol = info >> 32;
                if (symbol >= (ulong)symbols.Count)
                    throw elf.Error($"{table.Name} entry {i} names symbol {symbol}, but the symbol table has {symbols.Count}", at);
                if (offset >= target.Size)
                    throw elf.Error($"{table.Name} entry {i} r_offset 0x{offset:x} is outside section '{target.Name}' (0x{target.Size:x} bytes)", at);
                entries[i] = new ElfRelocation(offset, (int)symbol, (uint)info, at);
            }
            byTarget[(int)table.Info] = entries;
        }
        return byTarget;
    }
}
