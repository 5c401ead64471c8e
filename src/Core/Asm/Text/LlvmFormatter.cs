using System.Globalization;

namespace BtfNotebooks.Asm.Text;

/// <summary>
/// Prints instructions in LLVM's pseudo-C exactly as llvm-objdump-19 (with <c>--mcpu=v4</c>) prints them: signed hex
/// immediates and offsets (<c>r2 += -0x4</c>, <c>*(u32 *)(r10 - 0x4) = 0x0</c>), relative targets
/// (<c>if r1 == 0x0 goto +0x2</c>), <c>r0 = 0x123 ll</c>, <c>w1 = xchg32_32(r10 - 0x8, w1)</c>.
/// Where objdump's text loses information this formatter keeps it, so every valid encoding re-assembles:
/// <list type="bullet">
/// <item>a helper call is <c>call 0x5</c>; a helper with a negative id, which objdump would print like a local call,
/// is <c>call helper#-0x1</c>;</item>
/// <item>a bpf-to-bpf call is <c>call -0x1</c> (as objdump prints an unrelocated one) or <c>call pc+0x3</c>;
/// a kfunc call is <c>call kfunc#ID</c>;</item>
/// <item>lddw kinds: <c>map[fd:N]</c>, <c>map[fd:N][0]+M</c>, <c>btf[id:N]</c> (<c>+M</c> for a second word),
/// <c>func[pc+N]</c>, <c>map[idx:N]</c>, <c>map[idx:N][0]+M</c>, N and M unsigned decimal as bpftool prints them;</item>
/// <item>an instruction <see cref="InstructionValidator"/> rejects is <c>&lt;invalid: reason&gt;</c>, which the assembler refuses.</item>
/// </list>
/// </summary>
internal static class LlvmFormatter
{
    public static string Format(in Instruction insn) => Format(insn, null);

    /// <summary>
    /// With <paramref name="labels"/>, every branch and local-call target inside the program gets a line
    /// <c>L&lt;slot&gt;:</c> and the instructions name it; without, targets are relative.
    /// </summary>
    public static string Disassemble(IReadOnlyList<Instruction> program, bool labels) =>
        ProgramListing.Write(program, labels, labelEnd: false, (slot, _) => "L" + slot.ToString(CultureInfo.InvariantCulture), (insn, target) => Format(insn, target), indent: "\t");

    private static string Format(in Instruction insn, string? label)
    {
        if (InstructionValidator.Validate(insn) is string reason)
            return $"<invalid: {reason}; opcode 0x{insn.Opcode:x2} dst {(byte)insn.Dst} src {(byte)insn.Src} off {insn.Offset} imm {insn.Imm}>";
        return insn.Class switch
        {
            InstructionClass.Alu or InstructionClass.Alu64 => FormatArithmetic(insn),
            InstructionClass.Jmp or InstructionClass.Jmp32 => FormatJump(insn, label),
            InstructionClass.Ld => FormatLoadImm64(insn, label),
            InstructionClass.Ldx => $"{Reg(insn.Dst, false)} = {Memory(insn, insn.Src, insn.Mode == AccessMode.MemorySignExtend)}",
            InstructionClass.St => $"{Memory(insn, insn.Dst, false)} = {Hex(insn.Imm)}",
            _ => insn.Mode == AccessMode.Atomic ? FormatAtomic(insn) : $"{Memory(insn, insn.Dst, false)} = {Reg(insn.Src, false)}",
        };
    }

    /// <summary>Signed hex as objdump prints immediates: <c>0x5</c>, <c>-0x4</c>.</summary>
    internal static string Hex(long value) =>
        value < 0 ? "-0x" + ((ulong)(-(value + 1)) + 1).ToString("x", CultureInfo.InvariantCulture) : "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    private static string Relative(long value) => value < 0 ? Hex(value) : "+" + Hex(value);

    private static string Reg(Register r, bool is32) => (is32 ? "w" : "r") + ((byte)r).ToString(CultureInfo.InvariantCulture);

    private static string Size(in Instruction insn) => insn.Size switch
    {
        AccessSize.Byte => "8", AccessSize.Half => "16", AccessSize.Word => "32", _ => "64",
    };

    /// <summary><c>*(u32 *)(r1 + 0x4)</c>; objdump puts the offset's sign between spaces.</summary>
    private static string Memory(in Instruction insn, Register baseReg, bool signed) =>
        $"*({(signed ? 's' : 'u')}{Size(insn)} *){BaseOffset(baseReg, insn.Offset, parenthesized: true)}";

    private static string BaseOffset(Register baseReg, short offset, bool parenthesized)
    {
        string inner = $"{Reg(baseReg, false)} {(offset < 0 ? '-' : '+')} 0x{Math.Abs((int)offset):x}";
        return parenthesized ? $"({inner})" : inner;
    }

    private static string FormatArithmetic(in Instruction insn)
    {
        bool is32 = insn.Class == InstructionClass.Alu;
        bool reg = insn.Source == OperandSource.Register;
        string dst = Reg(insn.Dst, is32);
        string src = reg ? Reg(insn.Src, is32) : Hex(insn.Imm);
        switch (insn.AluOperation)
        {
            case AluOperation.Neg:
                return $"{dst} = -{dst}";
            case AluOperation.End:
                // objdump prints le/be on r registers even in the 32-bit class.
                string swap = is32 ? (reg ? "be" : "le") : "bswap";
                return $"{Reg(insn.Dst, false)} = {swap}{insn.Imm} {Reg(insn.Dst, false)}";
            case AluOperation.Mov:
                return insn.Offset == 0 ? $"{dst} = {src}" : $"{dst} = (s{insn.Offset}){src}";
        }
        string op = insn.AluOperation switch
        {
            AluOperation.Add => "+=", AluOperation.Sub => "-=", AluOperation.Mul => "*=",
            AluOperation.Div => insn.Offset == 1 ? "s/=" : "/=", AluOperation.Mod => insn.Offset == 1 ? "s%=" : "%=",
            AluOperation.Or => "|=", AluOperation.And => "&=", AluOperation.Lsh => "<<=", AluOperation.Rsh => ">>=",
            AluOperation.Xor => "^=", _ => "s>>=",
        };
        return $"{dst} {op} {src}";
    }

    private static string FormatJump(in Instruction insn, string? label)
    {
        string target = label ?? Relative(insn.BranchDisplacement);
        switch (insn.JumpOperation)
        {
            case JumpOperation.Ja:
                return (insn.IsLongJump ? "gotol " : "goto ") + target;
            case JumpOperation.Jcond:
                return "may_goto " + target;
            case JumpOperation.Exit:
                return "exit";
            case JumpOperation.Call:
                if (insn.IsCallRegister) return "callx " + Reg(insn.Dst, false);
                return (CallKind)insn.Src switch
                {
                    CallKind.Local => "call " + (label ?? (insn.Imm < 0 ? Hex(insn.Imm) : "pc+" + Hex(insn.Imm))),
                    CallKind.Kfunc => "call kfunc#" + insn.Imm.ToString(CultureInfo.InvariantCulture),
                    _ => insn.Imm < 0 ? "call helper#" + Hex(insn.Imm) : "call " + Hex(insn.Imm),
                };
        }
        bool is32 = insn.Class == InstructionClass.Jmp32;
        string op = insn.JumpOperation switch
        {
            JumpOperation.Jeq => "==", JumpOperation.Jne => "!=", JumpOperation.Jgt => ">", JumpOperation.Jge => ">=",
            JumpOperation.Jlt => "<", JumpOperation.Jle => "<=", JumpOperation.Jsgt => "s>", JumpOperation.Jsge => "s>=",
            JumpOperation.Jslt => "s<", JumpOperation.Jsle => "s<=", _ => "&",
        };
        string right = insn.Source == OperandSource.Register ? Reg(insn.Src, is32) : Hex(insn.Imm);
        return $"if {Reg(insn.Dst, is32)} {op} {right} goto {target}";
    }

    private static string FormatLoadImm64(in Instruction insn, string? label)
    {
        string dst = Reg(insn.Dst, false);
        string imm = ((uint)insn.Imm).ToString(CultureInfo.InvariantCulture);
        string next = ((uint)insn.NextImm).ToString(CultureInfo.InvariantCulture);
        return insn.LoadImm64Kind switch
        {
            LoadImm64Kind.Value => $"{dst} = {Hex(insn.Imm64)} ll",
            LoadImm64Kind.MapFd => $"{dst} = map[fd:{imm}] ll",
            LoadImm64Kind.MapValue => $"{dst} = map[fd:{imm}][0]+{next} ll",
            LoadImm64Kind.BtfId => insn.NextImm == 0 ? $"{dst} = btf[id:{imm}] ll" : $"{dst} = btf[id:{imm}]+{next} ll",
            LoadImm64Kind.Function => $"{dst} = func[{label ?? "pc" + Relative(insn.Imm)}] ll",
            LoadImm64Kind.MapIndex => $"{dst} = map[idx:{imm}] ll",
            _ => $"{dst} = map[idx:{imm}][0]+{next} ll",
        };
    }

    private static string FormatAtomic(in Instruction insn)
    {
        bool is32 = insn.Size == AccessSize.Word;
        string src = Reg(insn.Src, is32);
        string width = is32 ? "32" : "64";
        string cast = $"(u{width} *){BaseOffset(insn.Dst, insn.Offset, true)}";
        string plain = BaseOffset(insn.Dst, insn.Offset, false);
        return (AtomicOperation)insn.Imm switch
        {
            AtomicOperation.Add => $"lock *{cast} += {src}",
            AtomicOperation.And => $"lock *{cast} &= {src}",
            AtomicOperation.Or => $"lock *{cast} |= {src}",
            AtomicOperation.Xor => $"lock *{cast} ^= {src}",
            AtomicOperation.FetchAdd => $"{src} = atomic_fetch_add({cast}, {src})",
            AtomicOperation.FetchAnd => $"{src} = atomic_fetch_and({cast}, {src})",
            AtomicOperation.FetchOr => $"{src} = atomic_fetch_or({cast}, {src})",
            AtomicOperation.FetchXor => $"{src} = atomic_fetch_xor({cast}, {src})",
            AtomicOperation.Xchg => is32 ? $"{src} = xchg32_32({plain}, {src})" : $"{src} = xchg_64({plain}, {src})",
            _ => is32 ? $"w0 = cmpxchg32_32({plain}, w0, {src})" : $"r0 = cmpxchg_64({plain}, r0, {src})",
        };
    }
}
