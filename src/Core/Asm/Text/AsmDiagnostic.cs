namespace BtfNotebooks.Asm.Text;

/// <summary>One assembly error: 1-based line and column in the source text, and what was expected or is wrong.</summary>
public readonly record struct AsmDiagnostic(int Line, int Column, string Message)
{
    public override string ToString() => $"line {Line}, column {Column}: {Message}";
}

/// <summary>Text that does not assemble. Carries every error found in the text, not only the first.</summary>
public sealed class AssemblyException : Exception
{
    public AssemblyException(IReadOnlyList<AsmDiagnostic> diagnostics, string? source = null)
        : base(Compose(diagnostics, source))
    {
        Diagnostics = diagnostics;
        Source = source;
    }

    public IReadOnlyList<AsmDiagnostic> Diagnostics { get; }

    /// <summary>File or cell name, if known.</summary>
    public new string? Source { get; }

    private static string Compose(IReadOnlyList<AsmDiagnostic> diagnostics, string? source)
    {
        string prefix = source is null ? "" : source + ": ";
        return diagnostics.Count == 1
            ? prefix + diagnostics[0]
            : $"{prefix}{diagnostics.Count} errors:{string.Concat(diagnostics.Select(d => "\n  " + d))}";
    }
}
