using BtfNotebooks.Asm.Text;

namespace BtfNotebooks.Asm;

/// <summary>
/// One BPF instruction as RFC 9669 encodes it: opcode, dst and src registers, 16-bit offset and 32-bit immediate.
/// The 64-bit immediate load (<c>lddw</c>) is one <see cref="Instruction"/> that occupies two 8-byte slots; its
/// second slot's immediate is <see cref="NextImm"/>. Values hold fields exactly as encoded (invalid combinations
/// included); <see cref="InstructionValidator"/> says whether they make a valid instruction.
/// </summary>
public readonly record struct Instruction(byte Opcode, Register Dst, Register Src, short Offset, int Imm, int NextImm = 0)
{
    /// <summary>Opcode of the 64-bit immediate load, the only two-slot instruction.</summary>
    public const byte LoadImm64Opcode = 0x18;

    public InstructionClass Class => (InstructionClass)(Opcode & 0x07);

    /// <summary>True for ALU and ALU64.</summary>
    public bool IsArithmetic => Class is InstructionClass.Alu or InstructionClass.Alu64;

    /// <summary>True for JMP and JMP32.</summary>
    public bool IsJumpClass => Class is InstructionClass.Jmp or InstructionClass.Jmp32;

    /// <summary>True for LD, LDX, ST and STX.</summary>
    public bool IsLoadStore => (Opcode & 0x04) == 0;

    public OperandSource Source => (OperandSource)(Opcode & 0x08);

    public AluOperation AluOperation => (AluOperation)(Opcode & 0xf0);

    public JumpOperation JumpOperation => (JumpOperation)(Opcode & 0xf0);

    public AccessSize Size => (AccessSize)(Opcode & 0x18);

    public AccessMode Mode => (AccessMode)(Opcode & 0xe0);

    /// <summary>True for <c>lddw</c>, which occupies two slots.</summary>
    public bool IsWide => Opcode == LoadImm64Opcode;

    /// <summary>Number of 8-byte slots: 2 for <c>lddw</c>, else 1.</summary>
    public int SlotCount => IsWide ? 2 : 1;

    /// <summary>The 64-bit constant of <c>lddw</c>: low word from <see cref="Imm"/>, high word from <see cref="NextImm"/>.</summary>
    public long Imm64 => (long)(uint)Imm | ((long)NextImm << 32);

    /// <summary>What the <c>lddw</c> constant refers to (its src field).</summary>
    public LoadImm64Kind LoadImm64Kind => (LoadImm64Kind)Src;

    /// <summary>Access width in bytes of a load/store/atomic.</summary>
    public int AccessBytes => Size switch
    {
        AccessSize.Byte => 1,
        AccessSize.Half => 2,
        AccessSize.Word => 4,
        _ => 8,
    };

    public bool IsExit => Opcode == (byte)(InstructionClass.Jmp | (InstructionClass)JumpOperation.Exit);

    /// <summary>A call (helper, local, kfunc) with an immediate target.</summary>
    public bool IsCall => Opcode == (byte)InstructionClass.Jmp + (byte)JumpOperation.Call;

    /// <summary>A call through a register (<c>callx</c>).</summary>
    public bool IsCallRegister => Opcode == (byte)InstructionClass.Jmp + (byte)JumpOperation.Call + (byte)OperandSource.Register;

    /// <summary>A bpf-to-bpf call; its target is <c>pc + 1 + imm</c>.</summary>
    public bool IsLocalCall => IsCall && Src == (Register)CallKind.Local;

    /// <summary><c>ja</c> with a 32-bit target in imm (JMP32 class, "gotol").</summary>
    public bool IsLongJump => Opcode == (byte)InstructionClass.Jmp32;

    /// <summary>
    /// A jump whose target is relative to the next slot: conditional jumps, ja, gotol and may_goto
    /// (not call/exit).
    /// </summary>
    public bool IsBranch => IsJumpClass && JumpOperation is not (JumpOperation.Call or JumpOperation.Exit);

    /// <summary>Relative slot displacement of a branch (<see cref="Imm"/> for gotol, else <see cref="Offset"/>).</summary>
    public int BranchDisplacement => IsLongJump ? Imm : Offset;

    /// <summary>
    /// The slot this instruction at <paramref name="slot"/> refers to: a branch's target, a local call's callee, a
    /// function-address lddw's function. Null for every other instruction. May lie outside the program.
    /// </summary>
    public long? TargetSlot(int slot)
    {
        if (IsBranch) return slot + 1L + BranchDisplacement;
        if (IsLocalCall || (IsWide && LoadImm64Kind == LoadImm64Kind.Function)) return slot + 1L + Imm;
        return null;
    }

    /// <summary>Same instruction with a different branch displacement (gotol keeps it in imm).</summary>
    public Instruction WithBranchDisplacement(int displacement) =>
        IsLongJump ? this with { Imm = displacement } : this with { Offset = checked((short)displacement) };

    // ---- Factories: the shapes assemblers and tests build. ----

    public static Instruction Alu64(AluOperation op, Register dst, Register src, short offset = 0) =>
        new((byte)((byte)InstructionClass.Alu64 | (byte)OperandSource.Register | (byte)op), dst, src, offset, 0);

    public static Instruction Alu64(AluOperation op, Register dst, int imm, short offset = 0) =>
        new((byte)((byte)InstructionClass.Alu64 | (byte)op), dst, Register.R0, offset, imm);

    public static Instruction Alu32(AluOperation op, Register dst, Register src, short offset = 0) =>
        new((byte)((byte)InstructionClass.Alu | (byte)OperandSource.Register | (byte)op), dst, src, offset, 0);

    public static Instruction Alu32(AluOperation op, Register dst, int imm, short offset = 0) =>
        new((byte)((byte)InstructionClass.Alu | (byte)op), dst, Register.R0, offset, imm);

    public static Instruction Mov64(Register dst, int imm) => Alu64(AluOperation.Mov, dst, imm);

    public static Instruction Mov64(Register dst, Register src) => Alu64(AluOperation.Mov, dst, src);

    public static Instruction LoadImm64(Register dst, long value, LoadImm64Kind kind = LoadImm64Kind.Value) =>
        new(LoadImm64Opcode, dst, (Register)kind, 0, (int)value, (int)(value >> 32));

    public static Instruction LoadMemory(AccessSize size, Register dst, Register src, short offset, bool signExtend = false) =>
        new((byte)((byte)InstructionClass.Ldx | (byte)size | (byte)(signExtend ? AccessMode.MemorySignExtend : AccessMode.Memory)), dst, src, offset, 0);

    public static Instruction StoreImmediate(AccessSize size, Register dst, short offset, int imm) =>
        new((byte)((byte)InstructionClass.St | (byte)size | (byte)AccessMode.Memory), dst, Register.R0, offset, imm);

    public static Instruction StoreRegister(AccessSize size, Register dst, short offset, Register src) =>
        new((byte)((byte)InstructionClass.Stx | (byte)size | (byte)AccessMode.Memory), dst, src, offset, 0);

    public static Instruction Atomic(AccessSize size, AtomicOperation op, Register dst, short offset, Register src) =>
        new((byte)((byte)InstructionClass.Stx | (byte)size | (byte)AccessMode.Atomic), dst, src, offset, (int)op);

    public static Instruction Jump(short offset) => new((byte)InstructionClass.Jmp, Register.R0, Register.R0, offset, 0);

    public static Instruction LongJump(int offset) => new((byte)InstructionClass.Jmp32, Register.R0, Register.R0, 0, offset);

    public static Instruction Branch(JumpOperation op, Register dst, Register src, short offset, bool jmp32 = false) =>
        new((byte)((byte)(jmp32 ? InstructionClass.Jmp32 : InstructionClass.Jmp) | (byte)OperandSource.Register | (byte)op), dst, src, offset, 0);

    public static Instruction Branch(JumpOperation op, Register dst, int imm, short offset, bool jmp32 = false) =>
        new((byte)((byte)(jmp32 ? InstructionClass.Jmp32 : InstructionClass.Jmp) | (byte)op), dst, Register.R0, offset, imm);

    public static Instruction Call(int imm, CallKind kind = CallKind.Helper) =>
        new((byte)InstructionClass.Jmp + (byte)JumpOperation.Call, Register.R0, (Register)kind, 0, imm);

    public static Instruction CallRegister(Register target) =>
        new((byte)InstructionClass.Jmp + (byte)JumpOperation.Call + (byte)OperandSource.Register, target, Register.R0, 0, 0);

    /// <summary>The instruction in LLVM pseudo-C, as llvm-objdump prints it (<c>r0 = *(u32 *)(r1 + 0x4)</c>).</summary>
    public override string ToString() => Disassembler.Format(this, AsmSyntax.Llvm);

    public static Instruction Exit() => new((byte)InstructionClass.Jmp + (byte)JumpOperation.Exit, Register.R0, Register.R0, 0, 0);
}
