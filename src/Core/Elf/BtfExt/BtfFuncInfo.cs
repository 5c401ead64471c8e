namespace BtfNotebooks.Elf.BtfExt;

/// <summary>
/// One <c>bpf_func_info</c> record of .BTF.ext: the function starting at byte offset <see cref="InstructionOffset"/>
/// of program section <see cref="Section"/> has BTF type <see cref="TypeId"/> (a FUNC in the object's .BTF).
/// </summary>
public sealed record BtfFuncInfo(string Section, int InstructionOffset, uint TypeId)
{
    /// <summary>Slot index of the function's first instruction within its section.</summary>
    public int InstructionSlot => InstructionOffset / 8;
}
