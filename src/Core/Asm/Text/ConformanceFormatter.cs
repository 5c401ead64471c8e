using System.Buffers.Binary;

namespace BtfNotebooks.Asm.Text;

/// <summary>
/// Prints instructions in the bpf_conformance / uBPF syntax, the way bpf_conformance's disassembler does
/// (<c>add32 %r1, 0x10</c>, <c>ldxw %r0, [%r1+4]</c>, <c>lock fetch add [%r10-8], %r1</c>), plus the notations
/// <see cref="ConformanceAssembler"/> adds for may_goto and lddw source kinds. Whatever is printed re-assembles to
/// the same instruction. An encoding <see cref="InstructionValidator"/> rejects is printed as
/// <c>.invalid 0x&lt;slot as little-endian u64&gt; # reason</c>, which the assembler refuses, so it is never
/// mistaken for a valid instruction.
/// </summary>
internal static class ConformanceFormatter
{
    public static string Format(in Instruction insn) => Format(insn, null);

    /// <summary>
    /// Labelled: <c>fn&lt;slot&gt;</c> for function entries (local calls, lddw func), <c>L&lt;slot&gt;</c> for branch targets,
    /// the end of the program included (a jump there is valid text here).
    /// </summary>
    public static string Disassemble(IReadOnlyList<Instruction> program, bool labels) =>
        ProgramListing.Write(program, labels, labelEnd: true, (slot, function) => $"{(function ? "fn" : "L")}{slot}", (insn, target) => Format(insn, target), indent: "");

    private static string Format(in Instruction insn, string? targetLabel)
    {
        if (InstructionValidator.Validate(insn) is string reason) return FormatInvalid(insn, reason);
        string Target(int displacement) => targetLabel ?? ConformanceNumbers.FormatRelative(displacement);
        string dst = Reg(insn.Dst), src = Reg(insn.Src);
        return insn.Class switch
        {
            InstructionClass.Alu or InstructionClass.Alu64 => FormatArithmetic(insn, dst, src),
            InstructionClass.Jmp or InstructionClass.Jmp32 => insn switch
            {
                { IsExit: true } => "exit",
                { IsCallRegister: true } => $"call {dst}",
                { IsCall: true } => (CallKind)insn.Src switch
                {
                    CallKind.Local => $"call local {Target(insn.Imm)}",
                    CallKind.Kfunc => $"call runtime {ConformanceNumbers.FormatDecimal(insn.Imm)}",
                    _ => $"call {ConformanceNumbers.FormatDecimal(insn.Imm)}",
                },
                { IsLongJump: true } => $"ja32 {Target(insn.Imm)}",
                { JumpOperation: JumpOperation.Ja } => $"ja {Target(insn.Offset)}",
                { JumpOperation: JumpOperation.Jcond } => $"may_goto {Target(insn.Offset)}",
                _ => $"{ConformanceMnemonics.JumpName(insn.JumpOperation)}{(insn.Class == InstructionClass.Jmp32 ? "32" : "")} {dst}, "
                     + $"{(insn.Source == OperandSource.Register ? src : ConformanceNumbers.FormatImm32(insn.Imm))}, {Target(insn.Offset)}",
            },
            InstructionClass.Ld => FormatLoadImm64(insn, dst, Target),
            InstructionClass.Ldx => $"ldx{(insn.Mode == AccessMode.MemorySignExtend ? "s" : "")}{ConformanceMnemonics.SizeSuffix(insn.Size)} {dst}, {Memory(insn.Src, insn.Offset)}",
            InstructionClass.St => $"st{ConformanceMnemonics.SizeSuffix(insn.Size)} {Memory(insn.Dst, insn.Offset)}, {ConformanceNumbers.FormatImm32(insn.Imm)}",
            _ when insn.Mode == AccessMode.Atomic => FormatAtomic(insn),
            _ => $"stx{ConformanceMnemonics.SizeSuffix(insn.Size)} {Memory(insn.Dst, insn.Offset)}, {src}",
        };
    }

    private static string FormatArithmetic(in Instruction insn, string dst, string src)
    {
        bool is64 = insn.Class == InstructionClass.Alu64;
        string suffix = is64 ? "" : "32";
        switch (insn.AluOperation)
        {
            case AluOperation.End:
                string swap = is64 ? "bswap" : insn.Source == OperandSource.Register ? "be" : "le";
                return $"{swap}{ConformanceNumbers.FormatDecimal(insn.Imm)} {dst}";
            case AluOperation.Neg:
                return $"neg{suffix} {dst}";
            case AluOperation.Mov when insn.Offset != 0:
                return $"movsx{ConformanceNumbers.FormatDecimal(insn.Offset)}{(is64 ? "64" : "32")} {dst}, {src}";
        }
        string name = ConformanceMnemonics.AluName(insn.AluOperation, signed: insn.Offset == 1);
        string operand = insn.Source == OperandSource.Register ? src : ConformanceNumbers.FormatImm32(insn.Imm);
        return $"{name}{suffix} {dst}, {operand}";
    }

    private static string FormatLoadImm64(in Instruction insn, string dst, Func<int, string> target)
    {
        var kind = insn.LoadImm64Kind;
        if (kind == LoadImm64Kind.Value) return $"lddw {dst}, {ConformanceNumbers.FormatImm64(insn.Imm64)}";
        string first = kind == LoadImm64Kind.Function ? target(insn.Imm) : ConformanceNumbers.FormatDecimal(insn.Imm);
        // The second immediate is printed when it says something: always for the map value kinds (the offset), else when non-zero.
        bool second = insn.NextImm != 0 || kind is LoadImm64Kind.MapValue or LoadImm64Kind.MapIndexValue;
        return $"lddw {dst}, {ConformanceMnemonics.LoadImm64KindName(kind)} {first}{(second ? ", " + ConformanceNumbers.FormatDecimal(insn.NextImm) : "")}";
    }

    private static string FormatAtomic(in Instruction insn)
    {
        var op = (AtomicOperation)insn.Imm;
        bool fetch = op is not (AtomicOperation.Xchg or AtomicOperation.Cmpxchg) && ((int)op & 1) != 0;
        string width = insn.Size == AccessSize.Word ? "32" : "";
        return $"lock {(fetch ? "fetch " : "")}{ConformanceMnemonics.AtomicName(op)}{width} {Memory(insn.Dst, insn.Offset)}, {Reg(insn.Src)}";
    }

    private static string FormatInvalid(in Instruction insn, string reason)
    {
        Span<byte> slot = stackalloc byte[InstructionCodec.SlotSize];
        InstructionCodec.WriteSlot(slot, insn.Opcode, insn.Dst, insn.Src, insn.Offset, insn.Imm, ByteOrder.LittleEndian);
        string words = $"0x{BinaryPrimitives.ReadUInt64LittleEndian(slot):x16}";
        if (insn.IsWide)
        {
            InstructionCodec.WriteSlot(slot, 0, 0, 0, 0, insn.NextImm, ByteOrder.LittleEndian);
            words += $", 0x{BinaryPrimitives.ReadUInt64LittleEndian(slot):x16}";
        }
        return $"{ConformanceMnemonics.Invalid} {words} # {reason}";
    }

    private static string Reg(Register r) => $"%r{(byte)r}";

    private static string Memory(Register reg, short offset) =>
        offset == 0 ? $"[{Reg(reg)}]" : $"[{Reg(reg)}{(offset > 0 ? "+" : "")}{ConformanceNumbers.FormatDecimal(offset)}]";
}
