using BtfNotebooks.Asm;
using BtfNotebooks.Btf;

namespace BtfNotebooks.Elf.Maps;

/// <summary>
/// Finds the map references of a linked program as libbpf's bpf_program__record_reloc classifies R_BPF_64_64
/// relocations: against a symbol in <c>.maps</c>/<c>maps</c> the lddw loads that map (the symbol's offset picks
/// it); against a global-data section or one of its variables it loads the address at symbol offset + the lddw's
/// own immediate inside that section's map; against a kconfig extern, the extern's slot in <c>.kconfig</c>.
/// Subprogram addresses and __ksym externs are not maps and are left alone; calls are the linker's.
/// </summary>
internal sealed class MapRelocator(BpfObjectFile obj, BpfObjectMaps maps)
{
    public List<MapReference> References(string programName, Instruction[] linked)
    {
        var entry = obj.Program(programName);
        var slotOf = ProgramValidator.SlotIndex(linked, out _);
        var indexOfSlot = new Dictionary<int, int>(linked.Length);
        for (int i = 0; i < slotOf.Length; i++) indexOfSlot[slotOf[i]] = i;

        var references = new List<MapReference>();
        var entrySection = obj.Sections[entry.SectionIndex];
        ulong start = (ulong)entry.SlotOffset * InstructionCodec.SlotSize, end = start + (ulong)entry.SlotCount * InstructionCodec.SlotSize;
        foreach (var r in obj.RelocationsFor(entrySection))
            if (r.Offset >= start && r.Offset < end)
                Add(references, r, entrySection, (int)((r.Offset - start) / InstructionCodec.SlotSize), linked, indexOfSlot);
        // LinkProgram appends all of .text when the program calls into it; its relocations then apply after the entry.
        if (linked.Length > entry.Instructions.Count && obj.FindSection(BpfObjectProgram.SubprogramSection) is { } text)
            foreach (var r in obj.RelocationsFor(text))
                Add(references, r, text, entry.SlotCount + (int)(r.Offset / InstructionCodec.SlotSize), linked, indexOfSlot);
        return references;
    }

    /// <summary>
    /// <paramref name="linked"/> with every referring lddw rewritten as libbpf does before creating maps, but with the
    /// map's index where libbpf puts its fd: src 1 (BPF_PSEUDO_MAP_FD) imm = map index, or src 2
    /// (BPF_PSEUDO_MAP_VALUE) imm = map index and the second slot's imm = offset in the value.
    /// </summary>
    public static Instruction[] Rewrite(Instruction[] linked, IEnumerable<MapReference> references)
    {
        var rewritten = linked.ToArray();
        foreach (var r in references)
            rewritten[r.InstructionIndex] = rewritten[r.InstructionIndex] with
            {
                Src = (Register)r.Kind, Imm = r.MapIndex, NextImm = r.Kind == LoadImm64Kind.MapValue ? (int)r.Offset : 0,
            };
        return rewritten;
    }

    private void Add(List<MapReference> references, ElfRelocation r, ElfSectionHeader section, int slot, Instruction[] linked, Dictionary<int, int> indexOfSlot)
    {
        var symbol = obj.Symbols[r.SymbolIndex];
        // Section symbols (statics are relocated against them) have no name of their own.
        string symbolName = symbol.Type == ElfSymbol.TypeSection && symbol.IsInSection ? obj.Sections[symbol.SectionIndex].Name : symbol.Name;
        ElfFormatException Error(string reason) =>
            new($"section '{section.Name}' offset 0x{r.Offset:x}: relocation against '{symbolName}': {reason}", r.EntryOffset, obj.Source);
        if (!indexOfSlot.TryGetValue(slot, out int index)) throw Error("points into the second slot of an lddw");
        var insn = linked[index];
        if (insn.IsCall) return;
        if (!insn.IsWide) throw Error($"is not on an lddw (opcode 0x{insn.Opcode:x2})");
        if (r.Type != ElfRelocation.Bpf64_64) throw Error($"type {r.Type} on an lddw is not R_BPF_64_64");

        if (KconfigMap.IsExtern(symbol))
        {
            if (maps.KconfigOffsets.TryGetValue(symbol.Index, out uint kconfigOffset))
                references.Add(new(index, slot, maps.KconfigIndex, kconfigOffset, LoadImm64Kind.MapValue, symbolName));
            else if (!IsKernelSymbol(symbol.Name))
                throw Error("extern is neither a __kconfig variable nor a __ksym in .BTF");
            return;
        }
        if (!symbol.IsInSection)
            throw Error($"symbol is in special section 0x{symbol.SectionIndex:x} (an uninitialised global?)");
        var target = obj.Sections[symbol.SectionIndex];
        if (target.IsExecutable) return; // the address of a subprogram

        int mapIndex = FindMap(m => m.SectionIndex == target.Index && !m.Kind.IsGlobalData() && m.SectionOffset == symbol.Value);
        if (mapIndex >= 0)
        {
            references.Add(new(index, slot, mapIndex, 0, LoadImm64Kind.MapFd, symbolName));
            return;
        }
        if (target.Name is BtfMapDefinitionParser.SectionName or LegacyMapParser.SectionName)
            throw Error($"no map is defined at offset 0x{symbol.Value:x} of section '{target.Name}'");
        mapIndex = FindMap(m => m.SectionIndex == target.Index && m.Kind.IsGlobalData());
        if (mapIndex < 0)
            throw Error($"section '{target.Name}' holds no maps or global data");
        // Static variables are relocated against the section symbol with their offset in the immediate; global ones
        // against their own symbol with imm 0. Either way the sum is the offset in the section.
        long offset = (long)symbol.Value + insn.Imm;
        var map = maps.Definitions[mapIndex];
        if (offset < 0 || offset >= map.ValueSize)
            throw Error($"offset {offset} (symbol value {symbol.Value} + imm {insn.Imm}) is outside the {map.ValueSize}-byte value of map '{map.Name}'");
        references.Add(new(index, slot, mapIndex, (uint)offset, LoadImm64Kind.MapValue, symbolName));
    }

    private int FindMap(Func<BpfMapDefinition, bool> match)
    {
        for (int i = 0; i < maps.Definitions.Count; i++) if (match(maps.Definitions[i])) return i;
        return -1;
    }

    private bool IsKernelSymbol(string name) =>
        obj.Btf is { } btf && btf.FindByName(name).Any(t => t.Kind is BtfKind.Var or BtfKind.Func && t.Linkage == BtfLinkage.Extern);
}
