using BtfNotebooks.Asm;

namespace BtfNotebooks.Tests.Vm;

/// <summary>
/// Names each instruction by what it does ("alu64 sdiv reg", "jmp32 jsle imm", "atomic dw fetch_add"), and lists
/// every such kind the ISA has (RFC 9669 plus cpu v4), so the differential programs can be shown to cover all of them.
/// </summary>
public static class KernelDifferentialInstructionKinds
{
    public static string Describe(Instruction i)
    {
        string src = i.Source == OperandSource.Register ? "reg" : "imm";
        switch (i.Class)
        {
            case InstructionClass.Alu or InstructionClass.Alu64:
                string cls = i.Class == InstructionClass.Alu64 ? "alu64" : "alu32";
                return i.AluOperation switch
                {
                    AluOperation.Div or AluOperation.Mod => $"{cls} {(i.Offset == 1 ? "s" : "")}{i.AluOperation.ToString().ToLowerInvariant()} {src}",
                    AluOperation.Mov when i.Offset != 0 => $"{cls} movsx{i.Offset}",
                    AluOperation.Neg => $"{cls} neg",
                    AluOperation.End when i.Class == InstructionClass.Alu64 => $"bswap{i.Imm}",
                    AluOperation.End => $"{(i.Source == OperandSource.Register ? "be" : "le")}{i.Imm}",
                    var op => $"{cls} {op.ToString().ToLowerInvariant()} {src}",
                };
            case InstructionClass.Jmp or InstructionClass.Jmp32:
                return i.JumpOperation switch
                {
                    JumpOperation.Ja => i.Class == InstructionClass.Jmp ? "ja" : "gotol",
                    JumpOperation.Call => $"call {(CallKind)i.Src}".ToLowerInvariant(),
                    JumpOperation.Exit => "exit",
                    var op => $"{(i.Class == InstructionClass.Jmp ? "jmp" : "jmp32")} {op.ToString().ToLowerInvariant()} {src}",
                };
            case InstructionClass.Ld:
                return i.IsWide ? "lddw" : $"ld mode 0x{(byte)i.Mode:x2}";
            case InstructionClass.Ldx:
                return $"{(i.Mode == AccessMode.MemorySignExtend ? "ldxsx" : "ldx")} {Size(i.Size)}";
            case InstructionClass.St:
                return $"st {Size(i.Size)}";
            default:
                return i.Mode == AccessMode.Atomic
                    ? $"atomic {Size(i.Size)} {Atomic((AtomicOperation)i.Imm)}"
                    : $"stx {Size(i.Size)}";
        }
    }

    /// <summary>Every kind of instruction a program without helper calls can contain.</summary>
    public static SortedSet<string> All()
    {
        var kinds = new List<Instruction>();
        AluOperation[] binary = [AluOperation.Add, AluOperation.Sub, AluOperation.Mul, AluOperation.Div, AluOperation.Or, AluOperation.And,
            AluOperation.Lsh, AluOperation.Rsh, AluOperation.Mod, AluOperation.Xor, AluOperation.Mov, AluOperation.Arsh];
        foreach (var is64 in new[] { false, true })
        {
            Instruction Reg(AluOperation op, short off = 0) => is64 ? Instruction.Alu64(op, Register.R1, Register.R2, off) : Instruction.Alu32(op, Register.R1, Register.R2, off);
            Instruction Imm(AluOperation op, int imm = 1, short off = 0) => is64 ? Instruction.Alu64(op, Register.R1, imm, off) : Instruction.Alu32(op, Register.R1, imm, off);
            foreach (var op in binary) kinds.AddRange([Reg(op), Imm(op)]);
            foreach (var op in new[] { AluOperation.Div, AluOperation.Mod }) kinds.AddRange([Reg(op, 1), Imm(op, 1, 1)]);
            kinds.AddRange([Reg(AluOperation.Mov, 8), Reg(AluOperation.Mov, 16), Imm(AluOperation.Neg, 0)]);
            if (is64) kinds.Add(Reg(AluOperation.Mov, 32));
            foreach (var width in new[] { 16, 32, 64 })
                kinds.AddRange(is64 ? [Imm(AluOperation.End, width)] : [Imm(AluOperation.End, width), Reg(AluOperation.End) with { Imm = width }]);
        }
        JumpOperation[] conditions = [JumpOperation.Jeq, JumpOperation.Jgt, JumpOperation.Jge, JumpOperation.Jset, JumpOperation.Jne, JumpOperation.Jsgt,
            JumpOperation.Jsge, JumpOperation.Jlt, JumpOperation.Jle, JumpOperation.Jslt, JumpOperation.Jsle];
        foreach (var jmp32 in new[] { false, true })
            foreach (var op in conditions)
                kinds.AddRange([Instruction.Branch(op, Register.R1, Register.R2, 1, jmp32), Instruction.Branch(op, Register.R1, 1, 1, jmp32)]);
        kinds.AddRange([Instruction.Jump(1), Instruction.LongJump(1), Instruction.Call(1, CallKind.Local), Instruction.Exit(), Instruction.LoadImm64(Register.R1, 1)]);
        foreach (var size in new[] { AccessSize.Byte, AccessSize.Half, AccessSize.Word, AccessSize.DoubleWord })
        {
            kinds.AddRange([Instruction.LoadMemory(size, Register.R1, Register.R2, 0), Instruction.StoreImmediate(size, Register.R1, 0, 1),
                Instruction.StoreRegister(size, Register.R1, 0, Register.R2)]);
            if (size != AccessSize.DoubleWord) kinds.Add(Instruction.LoadMemory(size, Register.R1, Register.R2, 0, signExtend: true));
        }
        foreach (var size in new[] { AccessSize.Word, AccessSize.DoubleWord })
            foreach (var op in Enum.GetValues<AtomicOperation>())
                kinds.Add(Instruction.Atomic(size, op, Register.R1, 0, Register.R2));
        return new SortedSet<string>(kinds.Select(Describe));
    }

    private static string Size(AccessSize size) => size switch
    {
        AccessSize.Byte => "b",
        AccessSize.Half => "h",
        AccessSize.Word => "w",
        _ => "dw",
    };

    private static string Atomic(AtomicOperation op) => op switch
    {
        AtomicOperation.FetchAdd => "fetch_add",
        AtomicOperation.FetchOr => "fetch_or",
        AtomicOperation.FetchAnd => "fetch_and",
        AtomicOperation.FetchXor => "fetch_xor",
        _ => op.ToString().ToLowerInvariant(),
    };
}
