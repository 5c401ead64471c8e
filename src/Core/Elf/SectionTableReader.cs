namespace BtfNotebooks.Elf;

/// <summary>
/// Reads the section header table and resolves section names. Checks that every section's bytes lie inside the file
/// (except SHT_NOBITS), so later readers can slice sections without further checks.
/// </summary>
internal static class SectionTableReader
{
    public static ElfSectionHeader[] Read(ElfBytes elf, ElfHeader header)
    {
        var raw = new RawHeader[header.SectionCount];
        for (int i = 0; i < raw.Length; i++)
            raw[i] = ReadRaw(elf, (long)header.SectionHeaderOffset + (long)i * header.SectionHeaderEntrySize, i);

        var names = raw[header.SectionNamesIndex];
        if (names.Type == ElfSectionHeader.TypeNoBits)
            throw elf.Error($"section name table (section {header.SectionNamesIndex}) is SHT_NOBITS", names.At);
        var nameTable = elf.Range(names.Offset, names.Size, $"section name table (section {header.SectionNamesIndex})", names.At).Span;

        var sections = new ElfSectionHeader[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            var r = raw[i];
            var name = i == 0 && r.Name == 0 ? ""
                : ElfBytes.TryString(nameTable, r.Name)
                  ?? throw elf.Error($"section {i} name offset 0x{r.Name:x} is outside the section name table or not NUL-terminated (table is 0x{nameTable.Length:x} bytes)", r.At);
            if (i != 0 && r.Type != ElfSectionHeader.TypeNoBits && !elf.Contains(r.Offset, r.Size))
                throw elf.Error($"section {i} '{name}' (0x{r.Size:x} bytes at 0x{r.Offset:x}) runs past end of file (0x{elf.Length:x} bytes)", r.At);
            sections[i] = new ElfSectionHeader(i, name, r.Type, r.Flags, r.Offset, r.Size, r.Link, r.Info, r.EntrySize, r.At);
        }
        return sections;
    }

    private readonly record struct RawHeader(uint Name, uint Type, ulong Flags, ulong Offset, ulong Size, uint Link, uint Info, ulong EntrySize, long At);

    private static RawHeader ReadRaw(ElfBytes elf, long at, int index)
    {
        string f(string field) => $"section {index} {field}";
        return new RawHeader(
            elf.U32(at, f("sh_name")), elf.U32(at + 4, f("sh_type")), elf.U64(at + 8, f("sh_flags")),
            elf.U64(at + 24, f("sh_offset")), elf.U64(at + 32, f("sh_size")), elf.U32(at + 40, f("sh_link")),
            elf.U32(at + 44, f("sh_info")), elf.U64(at + 56, f("sh_entsize")), at);
    }
}
