namespace BtfNotebooks.Elf.BtfExt;

/// <summary>
/// One <c>bpf_core_relo</c> record of .BTF.ext, its strings resolved: in program section <see cref="Section"/>, the
/// instruction at byte offset <see cref="InstructionOffset"/> (within that section) refers to local BTF type
/// <see cref="TypeId"/> through <see cref="Access"/> (e.g. <c>0:1:2</c>, or an enumerator index), asking for
/// <see cref="Kind"/>. <see cref="Index"/> is the record's position within its section's list.
/// </summary>
public sealed record CoreRelocationRecord(string Section, int Index, int InstructionOffset, uint TypeId, string Access, CoreRelocationKind Kind)
{
    /// <summary>Slot index of the instruction within its section.</summary>
    public int InstructionSlot => InstructionOffset / 8;
}
