namespace BtfNotebooks.Asm.Text;

// Placeholder: being written (issue 3).
internal static class ConformanceFormatter
{
    public static string Format(in Instruction insn) => throw new NotImplementedException();

    public static string Disassemble(IReadOnlyList<Instruction> program, bool labels) => throw new NotImplementedException();
}
