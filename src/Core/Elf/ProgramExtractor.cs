using BtfNotebooks.Asm;

namespace BtfNotebooks.Elf;

/// <summary>
/// Finds the functions of a BPF object the way libbpf does: every STT_FUNC symbol (global or static) defined in an
/// SHF_EXECINSTR section, sliced out of the decoded section by its st_value and st_size.
/// </summary>
internal static class ProgramExtractor
{
    public static List<BpfObjectProgram> Extract(ElfBytes elf, IReadOnlyList<ElfSymbol> symbols, IReadOnlyDictionary<int, CodeSection> code)
    {
        var functions = symbols.Where(s => s.IsFunction && s.IsInSection && code.ContainsKey(s.SectionIndex))
            .OrderBy(s => s.SectionIndex).ThenBy(s => s.Value).ToList();
        var programs = new List<BpfObjectProgram>(functions.Count);
        foreach (var symbol in functions)
        {
            var section = code[symbol.SectionIndex];
            var where = $"function '{symbol.Name}' in section '{section.Header.Name}'";
            if (symbol.Value % InstructionCodec.SlotSize != 0 || symbol.Size % InstructionCodec.SlotSize != 0)
                throw elf.Error($"{where}: st_value 0x{symbol.Value:x} or st_size 0x{symbol.Size:x} is not a multiple of {InstructionCodec.SlotSize}", symbol.EntryOffset);
            if (symbol.Value > section.Header.Size || symbol.Size > section.Header.Size - symbol.Value)
                throw elf.Error($"{where}: 0x{symbol.Size:x} bytes at 0x{symbol.Value:x} run past the section's end (0x{section.Header.Size:x} bytes)", symbol.EntryOffset);
            int slot = (int)(symbol.Value / InstructionCodec.SlotSize);
            // A size of 0 (hand-written assembly) means "up to the next function or the section's end".
            int count = symbol.Size != 0 ? (int)(symbol.Size / InstructionCodec.SlotSize) : NextStart(functions, symbol, section) - slot;
            if (count == 0) throw elf.Error($"{where} has no instructions", symbol.EntryOffset);
            var instructions = section.Slice(slot, count)
                ?? throw elf.Error($"{where}: slots {slot}..{slot + count - 1} begin or end inside a 64-bit immediate load", symbol.EntryOffset);
            programs.Add(new BpfObjectProgram(section.Header.Name, symbol.Name, symbol.SectionIndex, slot, count, instructions, symbol));
        }
        return programs;
    }

    private static int NextStart(List<ElfSymbol> functions, ElfSymbol symbol, CodeSection section) =>
        functions.Where(f => f.SectionIndex == symbol.SectionIndex && f.Value > symbol.Value)
            .Select(f => (int)(f.Value / InstructionCodec.SlotSize)).DefaultIfEmpty(section.SlotCount).Min();
}
