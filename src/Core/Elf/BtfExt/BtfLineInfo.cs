namespace BtfNotebooks.Elf.BtfExt;

/// <summary>
/// One <c>bpf_line_info</c> record of .BTF.ext: the instruction at byte offset <see cref="InstructionOffset"/> of
/// program section <see cref="Section"/> comes from <see cref="FileName"/> line <see cref="Line"/>, column
/// <see cref="Column"/>, whose text is <see cref="SourceLine"/> (strings from the object's .BTF).
/// </summary>
public sealed record BtfLineInfo(string Section, int InstructionOffset, string FileName, string SourceLine, uint Line, uint Column)
{
    /// <summary>Slot index of the instruction within its section.</summary>
    public int InstructionSlot => InstructionOffset / 8;

    /// <summary>Splits <c>line_col</c>: the line number above bit 10, the column in the low 10 bits.</summary>
    internal static (uint Line, uint Column) SplitLineColumn(uint lineColumn) => (lineColumn >> 10, lineColumn & 0x3ff);
}
