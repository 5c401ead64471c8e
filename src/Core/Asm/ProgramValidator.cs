namespace BtfNotebooks.Asm;

/// <summary>
/// Checks a decoded program as a whole, the way the kernel's verifier does before anything else: every
/// instruction valid, every branch and local call landing on an instruction inside the program (never on the
/// second slot of an lddw), and the last instruction an exit or an unconditional jump so execution cannot fall
/// off the end.
/// </summary>
public static class ProgramValidator
{
    /// <summary>Every problem found, in slot order; empty when the program is valid.</summary>
    public static List<EncodingError> Validate(IReadOnlyList<Instruction> program)
    {
        var errors = new List<EncodingError>();
        if (program.Count == 0)
        {
            errors.Add(new EncodingError(0, "program has no instructions"));
            return errors;
        }
        var slotOf = SlotIndex(program, out int slots);
        var startsInstruction = new bool[slots + 1];
        foreach (int s in slotOf) startsInstruction[s] = true;

        for (int i = 0; i < program.Count; i++)
        {
            var insn = program[i];
            int slot = slotOf[i];
            if (InstructionValidator.Validate(insn) is string reason)
            {
                errors.Add(new EncodingError(slot, reason));
                continue;
            }
            if (insn.TargetSlot(slot) is long t)
            {
                string what = insn.IsBranch ? "jump" : insn.IsLocalCall ? "local call" : "function address";
                if (t < 0 || t >= slots)
                    errors.Add(new EncodingError(slot, $"{what} target slot {t} is outside the program (0..{slots - 1})"));
                else if (!startsInstruction[t])
                    errors.Add(new EncodingError(slot, $"{what} target slot {t} is the second half of an lddw"));
            }
        }
        var last = program[^1];
        if (!(last.IsExit || (last.IsBranch && last.JumpOperation == JumpOperation.Ja)))
            errors.Add(new EncodingError(slotOf[^1], "last instruction is neither exit nor an unconditional jump: execution could fall off the end"));
        return errors;
    }

    /// <summary>Slot index of each instruction.</summary>
    public static int[] SlotIndex(IReadOnlyList<Instruction> program, out int slotCount)
    {
        var slotOf = new int[program.Count];
        int slot = 0;
        for (int i = 0; i < program.Count; i++)
        {
            slotOf[i] = slot;
            slot += program[i].SlotCount;
        }
        slotCount = slot;
        return slotOf;
    }
}
