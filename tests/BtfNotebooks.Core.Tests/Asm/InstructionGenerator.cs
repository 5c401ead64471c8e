using BtfNotebooks.Asm;
using CsCheck;

namespace BtfNotebooks.Tests.Asm;

/// <summary>
/// CsCheck generators for BPF instructions that <see cref="InstructionValidator"/> accepts: one generator per
/// encoding shape (so every shape is drawn often, not only the common ones), with random registers, offsets and
/// immediates inside what that shape allows.
/// </summary>
internal static class InstructionGenerator
{
    /// <summary>Any register, r10 included (sources, memory bases, callx targets).</summary>
    public static readonly Gen<Register> AnyRegister = Gen.Int[0, 10].Select(r => (Register)r);

    /// <summary>A register an instruction may write: r10 is the read-only frame pointer.</summary>
    public static readonly Gen<Register> WritableRegister = Gen.Int[0, 9].Select(r => (Register)r);

    /// <summary>Immediates biased towards the edges (0, ±1, int limits, 16-bit limits) as well as uniform ones.</summary>
    public static readonly Gen<int> Imm = Gen.Frequency(
        (3, (IGen<int>)Gen.Int),
        (1, Gen.OneOf(0, 1, -1, int.MaxValue, int.MinValue, short.MaxValue, short.MinValue, 0xffff, 16, 32, 64)));

    public static readonly Gen<short> Offset = Gen.Frequency(
        (3, (IGen<short>)Gen.Short),
        (1, Gen.OneOf<short>(0, 1, -1, short.MaxValue, short.MinValue)));

    /// <summary>ALU operations with a plain immediate or register second operand (not neg, not byte swap).</summary>
    private static readonly AluOperation[] BinaryAluOperations =
    [
        AluOperation.Add, AluOperation.Sub, AluOperation.Mul, AluOperation.Div, AluOperation.Or, AluOperation.And,
        AluOperation.Lsh, AluOperation.Rsh, AluOperation.Mod, AluOperation.Xor, AluOperation.Mov, AluOperation.Arsh,
    ];

    private static readonly JumpOperation[] ConditionalJumps =
    [
        JumpOperation.Jeq, JumpOperation.Jgt, JumpOperation.Jge, JumpOperation.Jset, JumpOperation.Jne, JumpOperation.Jsgt,
        JumpOperation.Jsge, JumpOperation.Jlt, JumpOperation.Jle, JumpOperation.Jslt, JumpOperation.Jsle,
    ];

    private static readonly AccessSize[] Sizes = [AccessSize.Byte, AccessSize.Half, AccessSize.Word, AccessSize.DoubleWord];

    private static Gen<T> OneOf<T>(T[] values) => Gen.OneOf(values);

    private static readonly Gen<bool> Is64 = Gen.Bool;

    // add/sub/.../arsh with an immediate; div and mod may carry offset 1 (sdiv/smod).
    private static readonly Gen<Instruction> AluImmediate =
        Gen.Select(OneOf(BinaryAluOperations), Is64, WritableRegister, Imm, Gen.Bool, (op, is64, dst, imm, signed) =>
        {
            short offset = signed && op is AluOperation.Div or AluOperation.Mod ? (short)1 : (short)0;
            return is64 ? Instruction.Alu64(op, dst, imm, offset) : Instruction.Alu32(op, dst, imm, offset);
        });

    // The register forms; mov may carry a sign-extension width (movsx), div/mod offset 1 (sdiv/smod).
    private static readonly Gen<Instruction> AluRegister =
        Gen.Select(OneOf(BinaryAluOperations), Is64, WritableRegister, AnyRegister, Gen.Int[0, 3], (op, is64, dst, src, variant) =>
        {
            short offset = op switch
            {
                AluOperation.Div or AluOperation.Mod => (short)(variant & 1),
                AluOperation.Mov => variant switch { 1 => 8, 2 => 16, 3 when is64 => 32, _ => 0 },
                _ => 0,
            };
            return is64 ? Instruction.Alu64(op, dst, src, offset) : Instruction.Alu32(op, dst, src, offset);
        });

    private static readonly Gen<Instruction> Negate =
        Gen.Select(Is64, WritableRegister, (is64, dst) => is64 ? Instruction.Alu64(AluOperation.Neg, dst, 0) : Instruction.Alu32(AluOperation.Neg, dst, 0));

    // le (ALU, source bit 0), be (ALU, source bit 1) and bswap (ALU64, source bit 0).
    private static readonly Gen<Instruction> ByteSwap =
        Gen.Select(Gen.Int[0, 2], WritableRegister, Gen.OneOf(16, 32, 64), (kind, dst, width) => kind switch
        {
            0 => Instruction.Alu32(AluOperation.End, dst, width),
            1 => new Instruction((byte)((byte)InstructionClass.Alu | (byte)OperandSource.Register | (byte)AluOperation.End), dst, Register.R0, 0, width),
            _ => Instruction.Alu64(AluOperation.End, dst, width),
        });

    private static readonly Gen<Instruction> Load =
        Gen.Select(OneOf(Sizes), WritableRegister, AnyRegister, Offset, (size, dst, src, offset) => Instruction.LoadMemory(size, dst, src, offset));

    private static readonly Gen<Instruction> LoadSignExtend =
        Gen.Select(OneOf([AccessSize.Byte, AccessSize.Half, AccessSize.Word]), WritableRegister, AnyRegister, Offset,
            (size, dst, src, offset) => Instruction.LoadMemory(size, dst, src, offset, signExtend: true));

    private static readonly Gen<Instruction> StoreImmediate =
        Gen.Select(OneOf(Sizes), AnyRegister, Offset, Imm, (size, dst, offset, imm) => Instruction.StoreImmediate(size, dst, offset, imm));

    private static readonly Gen<Instruction> StoreRegister =
        Gen.Select(OneOf(Sizes), AnyRegister, Offset, AnyRegister, (size, dst, offset, src) => Instruction.StoreRegister(size, dst, offset, src));

    private static readonly Gen<Instruction> Atomic =
        Gen.Select(OneOf([AccessSize.Word, AccessSize.DoubleWord]), Gen.Enum<AtomicOperation>(), AnyRegister, Offset, AnyRegister,
            (size, op, dst, offset, src) => Instruction.Atomic(size, op, dst, offset, src));

    private static readonly Gen<Instruction> ConditionalJump =
        Gen.Select(OneOf(ConditionalJumps), Gen.Bool, Gen.Bool, AnyRegister, AnyRegister, Imm, Offset, (op, jmp32, reg, dst, src, imm, offset) =>
            reg ? Instruction.Branch(op, dst, src, offset, jmp32) : Instruction.Branch(op, dst, imm, offset, jmp32));

    private static readonly Gen<Instruction> UnconditionalJump =
        Gen.Select(Gen.Int[0, 2], Offset, Imm, (kind, offset, imm) => kind switch
        {
            0 => Instruction.Jump(offset),
            1 => Instruction.LongJump(imm),
            _ => new Instruction((byte)((byte)InstructionClass.Jmp | (byte)JumpOperation.Jcond), Register.R0, Register.R0, offset, 0),
        });

    private static readonly Gen<Instruction> Call =
        Gen.Select(Gen.Enum<CallKind>(), Imm, (kind, imm) => Instruction.Call(imm, kind));

    private static readonly Gen<Instruction> CallRegister = AnyRegister.Select(Instruction.CallRegister);

    private static readonly Gen<Instruction> Exit = Gen.Const(Instruction.Exit());

    // Every src kind; map fd, function and map index have no second-slot immediate.
    private static readonly Gen<Instruction> LoadImm64 =
        Gen.Select(Gen.Enum<LoadImm64Kind>(), WritableRegister, Imm, Imm, (kind, dst, low, high) =>
            new Instruction(Instruction.LoadImm64Opcode, dst, (Register)kind, 0, low,
                kind is LoadImm64Kind.MapFd or LoadImm64Kind.Function or LoadImm64Kind.MapIndex ? 0 : high));

    /// <summary>Any valid instruction, every encoding shape drawn.</summary>
    public static readonly Gen<Instruction> Valid = Gen.OneOf(
        AluImmediate, AluRegister, Negate, ByteSwap, Load, LoadSignExtend, StoreImmediate, StoreRegister, Atomic,
        ConditionalJump, UnconditionalJump, Call, CallRegister, Exit, LoadImm64);

    /// <summary>
    /// A list of valid instructions. Branches and local calls keep their random displacements, so they may point
    /// anywhere (outside the program too): this is instruction-level validity, not <see cref="ProgramValidator"/>'s.
    /// </summary>
    public static readonly Gen<Instruction[]> Program = Valid.Array[1, 40];
}
