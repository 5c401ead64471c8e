namespace BtfNotebooks.Asm.Text;

// Placeholder: being written (issue 3).
internal static class ConformanceAssembler
{
    public static AssembledProgram Assemble(string text, string? source) => throw new NotImplementedException();
}
