using BtfNotebooks.Asm;

namespace BtfNotebooks.Elf;

/// <summary>
/// Links an entry program with the bpf-to-bpf subprograms it calls, as libbpf does before loading: the <c>.text</c>
/// section is appended after the entry program and every call whose R_BPF_64_32 relocation names a <c>.text</c>
/// symbol gets the immediate that reaches its function at the new position, and so does every lddw that loads the
/// address of a <c>.text</c> function (a bpf_loop callback: BPF_PSEUDO_FUNC). libbpf computes the callee's slot as
/// <c>st_value / 8 + imm + 1</c>: static callees are relocated against the section symbol with the function's slot
/// folded into imm, global ones against the function symbol with imm = -1. Calls without a relocation are already
/// relative within their own section and are left as they are.
/// </summary>
internal sealed class SubprogramLinker(ElfBytes elf, IReadOnlyList<ElfSymbol> symbols, CodeSection? text, IReadOnlyList<ElfRelocation> textRelocations)
{
    public Instruction[] Link(BpfObjectProgram entry, CodeSection entrySection, IReadOnlyList<ElfRelocation> entryRelocations)
    {
        if (entry.IsSubprogram)
            throw new InvalidOperationException($"'{entry.Name}' is a {BpfObjectProgram.SubprogramSection} subprogram, not an entry program; link a program that calls it");
        var linked = entry.Instructions.ToArray();
        if (text is null) return linked;

        var entryCalls = Relocations(entryRelocations);
        bool callsText = false;
        int first = entrySection.IndexOfSlot(entry.SlotOffset)!.Value;
        for (int i = 0; i < linked.Length; i++)
        {
            int slot = entrySection.SlotOf[first + i];
            if (TextTarget(linked[i], slot, entryCalls) is int target)
            {
                // The entry program starts at slot 0 and .text follows its last slot.
                linked[i] = linked[i] with { Imm = entry.SlotCount + target - (slot - entry.SlotOffset) - 1 };
                callsText = true;
            }
            else if (FunctionTarget(linked[i], slot, entryCalls) is int function)
            {
                linked[i] = FunctionAddress(linked[i], entry.SlotCount + function - (slot - entry.SlotOffset) - 1);
                callsText = true;
            }
        }
        if (!callsText) return linked;

        var textCalls = Relocations(textRelocations);
        var subprograms = text.Instructions.ToArray();
        for (int j = 0; j < subprograms.Length; j++)
        {
            if (TextTarget(subprograms[j], text.SlotOf[j], textCalls) is int target)
                subprograms[j] = subprograms[j] with { Imm = target - text.SlotOf[j] - 1 };
            else if (FunctionTarget(subprograms[j], text.SlotOf[j], textCalls) is int function)
                subprograms[j] = FunctionAddress(subprograms[j], function - text.SlotOf[j] - 1);
        }
        return [.. linked, .. subprograms];
    }

    private static Dictionary<ulong, ElfRelocation> Relocations(IReadOnlyList<ElfRelocation> relocations)
    {
        var byOffset = new Dictionary<ulong, ElfRelocation>(relocations.Count);
        foreach (var r in relocations) byOffset[r.Offset] = r;
        return byOffset;
    }

    /// <summary>
    /// The <c>.text</c> slot whose address an lddw at <paramref name="slot"/> loads (a callback for bpf_loop and
    /// friends), or null: libbpf's RELO_SUBPROG_ADDR. A global function is relocated against its own symbol with imm 0,
    /// a static one against the section symbol with its byte offset in imm; either way the sum is the byte offset.
    /// </summary>
    private int? FunctionTarget(Instruction insn, int slot, Dictionary<ulong, ElfRelocation> relocations)
    {
        if (!insn.IsWide || !relocations.TryGetValue((ulong)slot * InstructionCodec.SlotSize, out var relocation)) return null;
        var symbol = symbols[relocation.SymbolIndex];
        if (relocation.Type != ElfRelocation.Bpf64_64 || symbol.SectionIndex != text!.Header.Index) return null;
        long offset = (long)symbol.Value + insn.Imm;
        long target = offset / InstructionCodec.SlotSize;
        if (offset % InstructionCodec.SlotSize != 0 || target < 0 || target >= text.SlotCount || text.IndexOfSlot((int)target) is null)
            throw elf.Error($"function address relocated against '{symbol.Name}' (byte offset {offset}) is not an instruction of {text.Header.Name} (0..{text.SlotCount - 1})", relocation.EntryOffset);
        return (int)target;
    }

    // BPF_PSEUDO_FUNC: the register gets the function's address; imm is its offset from the next instruction.
    private static Instruction FunctionAddress(Instruction lddw, int relative) =>
        lddw with { Src = (Register)LoadImm64Kind.Function, Imm = relative, NextImm = 0 };

    /// <summary>The <c>.text</c> slot a relocated local call at <paramref name="slot"/> of its section lands on, or null.</summary>
    private int? TextTarget(Instruction insn, int slot, Dictionary<ulong, ElfRelocation> relocations)
    {
        if (!insn.IsLocalCall || !relocations.TryGetValue((ulong)slot * InstructionCodec.SlotSize, out var relocation)) return null;
        var symbol = symbols[relocation.SymbolIndex];
        if (relocation.Type != ElfRelocation.Bpf64_32 || symbol.SectionIndex != text!.Header.Index) return null;
        long target = (long)(symbol.Value / InstructionCodec.SlotSize) + insn.Imm + 1;
        if (target < 0 || target >= text.SlotCount || text.IndexOfSlot((int)target) is null)
            throw elf.Error($"call relocated against '{symbol.Name}' with imm {insn.Imm} lands on {text.Header.Name} slot {target}, which is not an instruction (0..{text.SlotCount - 1})", relocation.EntryOffset);
        return (int)target;
    }
}
