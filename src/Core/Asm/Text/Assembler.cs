using System.Text.RegularExpressions;

namespace BtfNotebooks.Asm.Text;

/// <summary>Assembles BPF text in either syntax, given or detected from the text.</summary>
public static partial class Assembler
{
    /// <summary>
    /// Assembles <paramref name="text"/>. Without <paramref name="syntax"/>, the syntax is detected
    /// (<see cref="DetectSyntax"/>). Throws <see cref="AssemblyException"/> listing every error, each with line and column.
    /// </summary>
    public static AssembledProgram Assemble(string text, AsmSyntax? syntax = null, string? source = null) =>
        (syntax ?? DetectSyntax(text)) switch
        {
            AsmSyntax.Conformance => ConformanceAssembler.Assemble(text, source),
            _ => LlvmAssembler.Assemble(text, source),
        };

    /// <summary>
    /// Which syntax a text is in. Lines of pseudo-C (an assignment, <c>if ... goto</c>, a memory operand
    /// <c>*(u32 *)</c>, <c>goto</c>/<c>gotol</c>, an objdump address column) count for LLVM; lines whose mnemonic is
    /// followed by <c>%r</c> registers, brackets or commas count for the conformance syntax. Ties (e.g. only
    /// <c>exit</c>) go to LLVM, where such lines mean the same.
    /// </summary>
    public static AsmSyntax DetectSyntax(string text)
    {
        int llvm = 0, conformance = 0;
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            var line = raw.ToString();
            int hash = line.IndexOfAny(['#', ';']);
            if (hash >= 0) line = line[..hash];
            line = line.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal)) continue;
            if (LlvmLine().IsMatch(line)) llvm++;
            else if (ConformanceLine().IsMatch(line)) conformance++;
        }
        return conformance > llvm ? AsmSyntax.Conformance : AsmSyntax.Llvm;
    }

    [GeneratedRegex(@"(^\s*[0-9a-f]+:\s)|(^(r|w)\d+\s*([-+*/%&|^]|s/|s%|<<|>>|s>>)?=)|(^if\s)|(\bgotol?\b)|(\*\((u|s)(8|16|32|64) \*\))|(^lock\s+\*)|(^call\s+(-?(0x[0-9a-f]+|\d+)|pc[-+]\S+|kfunc|helper)$)|(^callx\s+r)|(\bll$)|(^may_goto\b)", RegexOptions.CultureInvariant)]
    private static partial Regex LlvmLine();

    [GeneratedRegex(@"^([a-z][a-z0-9]*)\s+(%?r\d+\s*,|%r\d+|\[|fetch\b|local\b|[a-z]+\s+\[|[-+]?\d+$|[-+]?0x[0-9a-f]+$)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex ConformanceLine();
}
