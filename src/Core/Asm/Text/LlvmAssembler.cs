namespace BtfNotebooks.Asm.Text;

/// <summary>
/// Assembles LLVM / kernel pseudo-C: hand-written source, llvm-objdump-19 <c>-d [-r]</c> listings (headers, symbol
/// lines, address and bytes columns, <c>&lt;func+0x80&gt;</c> annotations, relocation lines), and verifier/bpftool
/// listings (<c>12: (b7) r0 = 0</c>, <c>goto pc+2</c>, <c>call bpf_ktime_get_ns#5</c>, <c>map[id:5]</c>).
/// Every error in the text is collected (each line is parsed on its own) and thrown together.
/// </summary>
internal static class LlvmAssembler
{
    private readonly record struct LabelUse(int Instruction, int Slot, int Line, LlvmLabelReference Reference);

    public static AssembledProgram Assemble(string text, string? source)
    {
        var instructions = new List<Instruction>();
        var lines = new List<int>();
        var labels = new Dictionary<string, int>(StringComparer.Ordinal);
        var uses = new List<LabelUse>();
        var coreOperands = new List<CoreOperand>();
        var diagnostics = new List<AsmDiagnostic>();
        var order = new ByteOrderHint();
        int slot = 0;
        int lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            string line = rawLine.TrimEnd('\r');
            var read = LlvmLine.Read(line);
            switch (read.Kind)
            {
                case LlvmLineKind.Nothing:
                    continue;
                case LlvmLineKind.Symbol:
                    // objdump names every function; sections restart their addresses, so a repeated name is not an error.
                    labels.TryAdd(read.Name!, slot);
                    continue;
                case LlvmLineKind.Relocation:
                    // A call relocated with R_BPF_64_32 is a bpf-to-bpf call even if its text (without bytes) looks like a helper's.
                    if (read.Name == "R_BPF_64_32" && instructions.Count > 0 && instructions[^1] is { IsCall: true, Src: (Register)CallKind.Helper } call)
                        instructions[^1] = call with { Src = (Register)CallKind.Local };
                    continue;
            }
            if (read.Name is string label && !labels.TryAdd(label, slot))
                diagnostics.Add(new AsmDiagnostic(lineNumber, read.NameColumn, $"label '{label}' is already defined"));
            var tokens = LlvmTokenizer.Tokenize(line, read.CodeStart, out var tokenError);
            if (tokenError is { } te && !IsInvalidMarker(line, read.CodeStart))
            {
                diagnostics.Add(new AsmDiagnostic(lineNumber, te.Column, te.Message));
                continue;
            }
            if (tokens.Count == 0 || tokens[0].Kind == LlvmTokenKind.End) continue;
            try
            {
                var statement = new LlvmStatementParser(tokens, forceWide: read.Opcode == Instruction.LoadImm64Opcode).ParseStatement();
                var insn = Reconcile(statement, read, order);
                if (statement.Target is { } target) uses.Add(new LabelUse(instructions.Count, slot, lineNumber, target));
                if (statement.Core is { } core)
                    coreOperands.Add(new CoreOperand(CoreOperand.KindOf(core.Name)!.Value, core.Name, core.Arguments, instructions.Count, lineNumber, core.Column));
                instructions.Add(insn);
                lines.Add(lineNumber);
                slot += insn.SlotCount;
            }
            catch (LlvmSyntaxError e)
            {
                diagnostics.Add(new AsmDiagnostic(lineNumber, e.Column, e.Message));
            }
        }
        foreach (var use in uses)
            if (Resolve(instructions[use.Instruction], use, labels, out string? error) is { } resolved)
                instructions[use.Instruction] = resolved;
            else diagnostics.Add(new AsmDiagnostic(use.Line, use.Reference.Column, error!));
        if (diagnostics.Count > 0)
            throw new AssemblyException(diagnostics.OrderBy(d => d.Line).ThenBy(d => d.Column).ToList(), source);
        return new AssembledProgram(instructions, lines, labels, AsmSyntax.Llvm, coreOperands);
    }

    // The formatter's "<invalid: ...>" carries a free-text reason the tokenizer need not understand; the parser rejects it.
    private static bool IsInvalidMarker(string line, int start) => line.AsSpan(start).TrimStart().StartsWith("<invalid", StringComparison.Ordinal);

    private static Instruction? Resolve(Instruction insn, LabelUse use, Dictionary<string, int> labels, out string? error)
    {
        error = null;
        if (!labels.TryGetValue(use.Reference.Label, out int target))
        {
            error = $"label '{use.Reference.Label}' is not defined";
            return null;
        }
        long displacement = target - (use.Slot + 1L);
        switch (use.Reference.Kind)
        {
            case LlvmTargetKind.Branch when !insn.IsLongJump:
                if (displacement is < short.MinValue or > short.MaxValue)
                {
                    error = $"label '{use.Reference.Label}' is {displacement} slots away; a jump reaches -32768..32767 (use gotol)";
                    return null;
                }
                return insn.WithBranchDisplacement((int)displacement);
            case LlvmTargetKind.Branch:
                return insn.WithBranchDisplacement((int)displacement);
            case LlvmTargetKind.LocalCall:
                return insn with { Imm = (int)displacement };
            default:
                return Instruction.LoadImm64(insn.Dst, (uint)(int)displacement, LoadImm64Kind.Function);
        }
    }

    /// <summary>
    /// Checks the instruction text against the listing's own columns. A bytes column is decoded in the byte order
    /// that matches the text (objdump shows big-endian objects' bytes as stored); it settles what objdump's text
    /// cannot say (a call's kind, <c>&lt;unknown&gt;</c>, a 32-bit fetch-add that objdump without --mcpu=v4 prints as
    /// <c>lock ... += r1</c>); any other disagreement is an error. The kernel's (xx) opcode column must match.
    /// </summary>
    private static Instruction Reconcile(LlvmStatement statement, LlvmLine line, ByteOrderHint order)
    {
        var text = statement.Instruction;
        if (line.Opcode is byte opcode && text is { } t && t.Opcode != opcode)
            throw new LlvmSyntaxError(statement.Column, $"the opcode column ({opcode:x2}) does not match the instruction, whose opcode is 0x{t.Opcode:x2}");
        if (line.Bytes is not { } bytes)
            return text ?? throw new LlvmSyntaxError(statement.Column, "objdump could not decode this instruction and the line has no bytes column to assemble from");
        if (text is { } withLabel && statement.Target is not null) return withLabel;
        Instruction? fallback = null;
        foreach (var byteOrder in order.Candidates())
        {
            var decoded = Decode(bytes, byteOrder);
            fallback ??= decoded;
            if (text is not { } parsed || parsed == decoded || ObjdumpAmbiguity(parsed, decoded))
            {
                if (text is not null) order.Settle(byteOrder);
                return decoded;
            }
        }
        throw new LlvmSyntaxError(statement.Column, $"the instruction does not match its bytes column, which decodes as '{LlvmFormatter.Format(fallback!.Value)}'");
    }

    /// <summary>Text objdump prints the same for different encodings: call kinds, and 32-bit add vs fetch-add.</summary>
    private static bool ObjdumpAmbiguity(Instruction text, Instruction bytes) =>
        (text.IsCall && bytes.IsCall && text.Imm == bytes.Imm)
        || (text.Class == InstructionClass.Stx && text.Mode == AccessMode.Atomic && text.Size == AccessSize.Word
            && text.Imm == (int)AtomicOperation.Add && bytes == text with { Imm = (int)AtomicOperation.FetchAdd });

    private static Instruction Decode(byte[] bytes, ByteOrder order)
    {
        var first = InstructionCodec.ReadSlot(bytes.AsSpan(0, InstructionCodec.SlotSize), order);
        if (bytes.Length == InstructionCodec.SlotSize) return first;
        var second = InstructionCodec.ReadSlot(bytes.AsSpan(InstructionCodec.SlotSize), order);
        return first with { NextImm = second.Imm };
    }

    /// <summary>The byte order a listing's bytes column has shown so far; little-endian until a line says otherwise.</summary>
    private sealed class ByteOrderHint
    {
        private ByteOrder _order = ByteOrder.LittleEndian;

        public ByteOrder[] Candidates() => _order == ByteOrder.LittleEndian ? [ByteOrder.LittleEndian, ByteOrder.BigEndian] : [ByteOrder.BigEndian, ByteOrder.LittleEndian];

        public void Settle(ByteOrder order) => _order = order;
    }
}
