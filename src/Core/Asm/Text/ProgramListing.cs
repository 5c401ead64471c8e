using System.Text;

namespace BtfNotebooks.Asm.Text;

/// <summary>
/// The listing both syntaxes share: one instruction per line and, with labels, a label line before every slot a
/// valid branch, local call or function-address lddw targets (when that slot starts an instruction, or is the end of
/// the program where the syntax can express it); the targeting instructions name the label. Other targets stay
/// relative, so the listing always re-assembles to the same program.
/// </summary>
internal static class ProgramListing
{
    /// <param name="program">The instructions.</param>
    /// <param name="labels">Label targets, or keep every target relative.</param>
    /// <param name="labelEnd">Whether the slot just past the last instruction may carry a label.</param>
    /// <param name="labelName">Name for a target slot; the flag says whether a call or function address targets it.</param>
    /// <param name="format">Formats an instruction, given the label of its target (null: relative).</param>
    /// <param name="indent">Put before each instruction line.</param>
    public static string Write(IReadOnlyList<Instruction> program, bool labels, bool labelEnd, Func<int, bool, string> labelName,
        Func<Instruction, string?, string> format, string indent)
    {
        var slotOf = ProgramValidator.SlotIndex(program, out int slots);
        var names = labels ? Assign(program, slotOf, slots, labelEnd, labelName) : [];
        var text = new StringBuilder();
        for (int i = 0; i < program.Count; i++)
        {
            if (names.TryGetValue(slotOf[i], out string? here)) text.Append(here).Append(":\n");
            string? target = TargetSlot(program[i], slotOf[i]) is long t && names.TryGetValue((int)t, out string? name) ? name : null;
            text.Append(indent).Append(format(program[i], target)).Append('\n');
        }
        if (names.TryGetValue(slots, out string? end)) text.Append(end).Append(":\n");
        return text.ToString();
    }

    private static Dictionary<int, string> Assign(IReadOnlyList<Instruction> program, int[] slotOf, int slots, bool labelEnd, Func<int, bool, string> labelName)
    {
        var starts = new HashSet<int>(slotOf);
        if (labelEnd) starts.Add(slots);
        var names = new Dictionary<int, string>();
        for (int i = 0; i < program.Count; i++)
        {
            if (TargetSlot(program[i], slotOf[i]) is not long t || t < 0 || t > slots || !starts.Contains((int)t)) continue;
            // A function entry's name wins over a branch target's at the same slot.
            if (!program[i].IsBranch) names[(int)t] = labelName((int)t, true);
            else names.TryAdd((int)t, labelName((int)t, false));
        }
        return names;
    }

    /// <summary>The slot a valid instruction refers to (branch, local call, function address), or null.</summary>
    private static long? TargetSlot(in Instruction insn, int slot) =>
        InstructionValidator.Validate(insn) is null ? insn.TargetSlot(slot) : null;
}
