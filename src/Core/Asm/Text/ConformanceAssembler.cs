namespace BtfNotebooks.Asm.Text;

/// <summary>
/// Assembles the bpf_conformance / uBPF syntax (<c>mov32 %r0, 1</c>, <c>ldxw %r0, [%r1+4]</c>, <c>jeq %r1, 0, +2</c>,
/// <c>lock fetch add [%r10-8], %r1</c>). Reads what bpf_conformance's assembler reads, with the same range rules and
/// error phrases, and more: <c>%</c> is optional on registers, <c>#</c>/<c>;</c> comments, a label may share its
/// line with an instruction, and the notations the formatter needs for every valid encoding (may_goto, lddw with a
/// source kind, see <see cref="ConformanceMnemonics.LoadImm64Kinds"/>). Every instruction must pass
/// <see cref="InstructionValidator"/>. All errors of the text are collected, one per line, before throwing.
/// </summary>
internal static class ConformanceAssembler
{
    /// <summary>bpf_conformance's implicit label: <c>exit</c> names the first exit instruction unless a label <c>exit:</c> is written.</summary>
    private const string ImplicitExitLabel = "exit";

    private readonly record struct PendingLabel(int Index, int Slot, int Line, ConformanceTarget Target);

    public static AssembledProgram Assemble(string text, string? source)
    {
        var instructions = new List<Instruction>();
        var lines = new List<int>();
        var labels = new Dictionary<string, int>(StringComparer.Ordinal);
        var labelLines = new Dictionary<string, int>(StringComparer.Ordinal);
        var pending = new List<PendingLabel>();
        var diagnostics = new List<AsmDiagnostic>();
        int slot = 0;
        int? firstExitSlot = null;

        int lineNumber = 0;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            var tokens = ConformanceLexer.Tokenize(rawLine.ToString());
            try
            {
                int first = 0;
                if (tokens.Count > 0 && tokens[0].Text.EndsWith(':'))
                {
                    DefineLabel(tokens[0], lineNumber, slot, labels, labelLines);
                    first = 1;
                }
                if (tokens.Count == first) continue;
                var statement = ConformanceEncoder.Encode(tokens[first], tokens.GetRange(first + 1, tokens.Count - first - 1));
                if (InstructionValidator.Validate(statement.Instruction) is string reason)
                    throw new ConformanceLineException(tokens[first].Column, $"Invalid instruction: {reason}");
                if (statement.PendingLabel is ConformanceTarget target)
                    pending.Add(new PendingLabel(instructions.Count, slot, lineNumber, target));
                if (statement.Instruction.IsExit) firstExitSlot ??= slot;
                instructions.Add(statement.Instruction);
                lines.Add(lineNumber);
                slot += statement.Instruction.SlotCount;
            }
            catch (ConformanceLineException e)
            {
                diagnostics.Add(new AsmDiagnostic(lineNumber, e.Column, e.Message));
            }
        }

        foreach (var p in pending)
        {
            string name = p.Target.Label!;
            int? targetSlot = labels.TryGetValue(name, out int s) ? s : name == ImplicitExitLabel ? firstExitSlot : null;
            if (targetSlot is not int t)
            {
                string hint = name == ImplicitExitLabel ? " (the implicit label exit needs an exit instruction)" : "";
                diagnostics.Add(new AsmDiagnostic(p.Line, p.Target.Column, $"Invalid label: {name} is not defined{hint}"));
                continue;
            }
            int displacement = t - p.Slot - 1;
            var insn = instructions[p.Index];
            bool inOffset = insn.IsBranch && !insn.IsLongJump;
            if (inOffset && displacement is < short.MinValue or > short.MaxValue)
            {
                diagnostics.Add(new AsmDiagnostic(p.Line, p.Target.Column,
                    $"Offset out of 16-bit range: label {name} is {displacement} slots away (a jump reaches -32768..32767; ja32 reaches further)"));
                continue;
            }
            instructions[p.Index] = insn.IsBranch ? insn.WithBranchDisplacement(displacement) : insn with { Imm = displacement };
        }

        if (diagnostics.Count > 0)
            throw new AssemblyException(diagnostics.OrderBy(d => d.Line).ThenBy(d => d.Column).ToList(), source);
        return new AssembledProgram(instructions, lines, labels, AsmSyntax.Conformance);
    }

    private static void DefineLabel(ConformanceToken token, int line, int slot, Dictionary<string, int> labels, Dictionary<string, int> labelLines)
    {
        string name = token.Text[..^1];
        if (!ConformanceOperands.IsLabelName(name))
            throw new ConformanceLineException(token.Column, $"Invalid label: '{name}' (a label is letters, digits, _, . or $, followed by ':')");
        if (labelLines.TryGetValue(name, out int previous))
            throw new ConformanceLineException(token.Column, $"Duplicate label: {name} (first defined on line {previous})");
        labels[name] = slot;
        labelLines[name] = line;
    }
}
