namespace BtfNotebooks.Asm.Text;

/// <summary>Turns instructions into text in either syntax. The text re-assembles to the same instructions.</summary>
public static class Disassembler
{
    /// <summary>One instruction; branch and call targets are shown relative (<c>+3</c>).</summary>
    public static string Format(in Instruction insn, AsmSyntax syntax) => syntax switch
    {
        AsmSyntax.Conformance => ConformanceFormatter.Format(insn),
        _ => LlvmFormatter.Format(insn),
    };

    /// <summary>
    /// A whole program, one instruction per line. With <paramref name="labels"/>, every branch and local-call
    /// target gets a label line and the instructions name it; otherwise targets stay relative.
    /// </summary>
    public static string Disassemble(IReadOnlyList<Instruction> program, AsmSyntax syntax, bool labels = true) => syntax switch
    {
        AsmSyntax.Conformance => ConformanceFormatter.Disassemble(program, labels),
        _ => LlvmFormatter.Disassemble(program, labels),
    };
}
