namespace BtfNotebooks.Elf.Maps;

/// <summary>
/// Reads the legacy <c>maps</c> section as libbpf 0.x's bpf_object__init_legacy_maps did (libbpf 1.0 refuses it, the
/// kernel never saw it): every symbol in the section names one <c>struct bpf_map_def</c> { type, key_size, value_size,
/// max_entries, map_flags } of u32s at the symbol's offset. All records have the same size, section size divided by
/// the number of symbols; a record longer than the struct (newer fields from some other loader) must be zero past it.
/// One exception: Aya (aya-ebpf's <c>#[map]</c>, read by aya-obj) writes a 28-byte <c>bpf_map_def</c> that adds
/// <c>id</c> and <c>pinning</c> (0 none, 1 by name). Such a record is read as Aya reads it: the id is ignored as aya-obj
/// ignores it, the pinning must be one Aya knows, and only bytes past those 28 must be zero.
/// </summary>
internal static class LegacyMapParser
{
    public const string SectionName = "maps";

    /// <summary>sizeof(struct bpf_map_def): five u32s.</summary>
    public const int DefinitionSize = 20;

    /// <summary>sizeof(aya_obj::maps::bpf_map_def): the five u32s, then id and pinning.</summary>
    public const int AyaDefinitionSize = 28;

    public static List<BpfMapDefinition> Parse(BpfObjectFile obj, ElfSectionHeader section)
    {
        ElfFormatException Error(string reason, long offset) => new($"section '{SectionName}': {reason}", offset, obj.Source);
        if (section.HasNoFileData) throw Error("is SHT_NOBITS: map definitions need contents", section.HeaderOffset);
        var symbols = obj.Symbols.Where(s => s.SectionIndex == section.Index && s.Type != ElfSymbol.TypeSection && s.Name.Length > 0)
            .OrderBy(s => s.Value).ToList();
        if (symbols.Count == 0) return [];
        if (section.Size % (ulong)symbols.Count != 0)
            throw Error($"size 0x{section.Size:x} is not a multiple of the {symbols.Count} definitions its symbols name", section.HeaderOffset);
        ulong recordSize = section.Size / (ulong)symbols.Count;
        if (recordSize < DefinitionSize)
            throw Error($"{symbols.Count} definitions of {recordSize} bytes each are smaller than struct bpf_map_def ({DefinitionSize} bytes)", section.HeaderOffset);
        var data = obj.SectionData(section).Span;
        var maps = new List<BpfMapDefinition>(symbols.Count);
        foreach (var symbol in symbols)
        {
            if (symbol.Value + recordSize > section.Size)
                throw Error($"map '{symbol.Name}': definition (0x{recordSize:x} bytes at 0x{symbol.Value:x}) runs past the end of the section", symbol.EntryOffset);
            var record = data.Slice((int)symbol.Value, (int)recordSize);
            bool bigEndian = obj.ByteOrder == Asm.ByteOrder.BigEndian;
            long recordOffset = (long)section.Offset + (long)symbol.Value;
            bool aya = recordSize >= AyaDefinitionSize && record[DefinitionSize..AyaDefinitionSize].IndexOfAnyExcept((byte)0) >= 0;
            int known = aya ? AyaDefinitionSize : DefinitionSize;
            int nonZero = record[known..].IndexOfAnyExcept((byte)0);
            if (nonZero >= 0)
                throw Error($"map '{symbol.Name}': byte {known + nonZero} of its {recordSize}-byte definition is not zero, and "
                    + (aya ? $"Aya's bpf_map_def has only {AyaDefinitionSize}" : $"libbpf knows only the first {DefinitionSize}"), recordOffset + known + nonZero);
            uint pinning = aya ? Field(record, 6, bigEndian) : 0;
            if (pinning > BpfMapDefinition.PinByName)
                throw Error($"map '{symbol.Name}': unsupported pinning type {pinning} in Aya's bpf_map_def (0 none, 1 by name)", recordOffset + 24);
            maps.Add(new BpfMapDefinition(symbol.Name, BpfMapKind.Legacy, (BpfMapType)Field(record, 0, bigEndian), Field(record, 1, bigEndian),
                Field(record, 2, bigEndian), Field(record, 3, bigEndian), Field(record, 4, bigEndian),
                section.Index, symbol.Value, Pinning: pinning));
        }
        return maps;
    }

    private static uint Field(ReadOnlySpan<byte> record, int index, bool bigEndian) => bigEndian
        ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(record[(4 * index)..])
        : System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(record[(4 * index)..]);
}
