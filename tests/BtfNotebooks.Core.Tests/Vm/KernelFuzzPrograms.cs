using System.Diagnostics;
using System.Text;
using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Elf;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Vm;

/// <summary>
/// Programs the verifier accepts that stress ALU semantics: r0-r9 start as 64-bit constants (edge values often),
/// then 20-60 random ALU64/ALU32 instructions of every operation in immediate and register form and conditional
/// JMP/JMP32 branches that only go forward (so every instruction stays reachable and every run ends), then r0-r9
/// are folded into r0. r10 is never touched; the context pointer in r1 is overwritten first, so every value is a
/// scalar. The verifier's own refusals are avoided: division or modulo by an immediate 0, immediate shifts of the
/// operand width or more, sign-extending moves from an immediate, byte swaps other than 16/32/64.
/// </summary>
public static class KernelFuzzPrograms
{
    private static readonly long[] Edge64 =
    [
        0, 1, -1, int.MinValue, int.MaxValue, long.MinValue, long.MaxValue, 0x80000000, 0xffffffff, 0x1_0000_0000,
        0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, -0x80, -0x8000, unchecked((long)0xffff_ffff_0000_0000UL), 0x7fff_ffff_8000_0000,
    ];

    private static readonly int[] Edge32 = [0, 1, -1, 2, int.MinValue, int.MaxValue, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, -0x80, -0x8000, 31, 32, 63, 64];

    private static readonly AluOperation[] Binary =
        [AluOperation.Add, AluOperation.Sub, AluOperation.Mul, AluOperation.Div, AluOperation.Mod, AluOperation.Or, AluOperation.And, AluOperation.Xor, AluOperation.Lsh, AluOperation.Rsh, AluOperation.Arsh, AluOperation.Mov];

    private static readonly JumpOperation[] Conditions =
    [
        JumpOperation.Jeq, JumpOperation.Jne, JumpOperation.Jgt, JumpOperation.Jge, JumpOperation.Jlt, JumpOperation.Jle,
        JumpOperation.Jsgt, JumpOperation.Jsge, JumpOperation.Jslt, JumpOperation.Jsle, JumpOperation.Jset,
    ];

    private static readonly int[] SwapWidths = [16, 32, 64];

    public static Instruction[] Generate(Random random)
    {
        var program = new List<Instruction>();
        for (var r = Register.R0; r <= Register.R9; r++) program.Add(Instruction.LoadImm64(r, Value64(random)));

        // Body instructions are one slot each, so a branch at body index i to body index t has offset t - i - 1;
        // t may be the body's end (the fold).
        int length = random.Next(20, 61);
        var body = new List<Instruction>(length);
        for (int i = 0; i < length; i++)
            body.Add(random.Next(5) == 0 ? Branch(random, (short)random.Next(0, length - i)) : Alu(random));
        program.AddRange(body);
        program.AddRange(Fold());
        return [.. program];
    }

    /// <summary>r0 = r0..r9 mixed by rotate-and-xor, then its high half xored into the low half the kernel reports.</summary>
    private static IEnumerable<Instruction> Fold()
    {
        yield return Instruction.Alu64(AluOperation.Xor, Register.R0, Register.R1);
        for (var r = Register.R2; r <= Register.R9; r++)
        {
            yield return Instruction.Mov64(Register.R1, Register.R0); // r1 is folded already: free as a temporary
            yield return Instruction.Alu64(AluOperation.Rsh, Register.R1, 64 - 13);
            yield return Instruction.Alu64(AluOperation.Lsh, Register.R0, 13);
            yield return Instruction.Alu64(AluOperation.Or, Register.R0, Register.R1);
            yield return Instruction.Alu64(AluOperation.Xor, Register.R0, r);
        }
        yield return Instruction.Mov64(Register.R1, Register.R0);
        yield return Instruction.Alu64(AluOperation.Rsh, Register.R1, 32);
        yield return Instruction.Alu64(AluOperation.Xor, Register.R0, Register.R1);
        yield return Instruction.Exit();
    }

    private static Instruction Alu(Random random)
    {
        bool is64 = random.Next(2) == 0;
        int width = is64 ? 64 : 32;
        var dst = AnyRegister(random);
        var src = AnyRegister(random);
        switch (random.Next(16))
        {
            case 0: // neg: immediate form with imm 0 is its only encoding
                return is64 ? Instruction.Alu64(AluOperation.Neg, dst, 0) : Instruction.Alu32(AluOperation.Neg, dst, 0);
            case 1: // movsx: register source only; ALU32 has no 32-bit form
            {
                short from = (short)(8 << random.Next(is64 ? 3 : 2));
                return is64 ? Instruction.Alu64(AluOperation.Mov, dst, src, from) : Instruction.Alu32(AluOperation.Mov, dst, src, from);
            }
            case 2: // le/be (ALU, source bit picks be) or unconditional bswap (ALU64, immediate form)
            {
                int swap = SwapWidths[random.Next(3)];
                return is64 ? Instruction.Alu64(AluOperation.End, dst, swap)
                    : random.Next(2) == 0 ? Instruction.Alu32(AluOperation.End, dst, swap) : Instruction.Alu32(AluOperation.End, dst, Register.R0) with { Imm = swap };
            }
            case 3: // sdiv/smod: offset 1
            {
                var op = random.Next(2) == 0 ? AluOperation.Div : AluOperation.Mod;
                return random.Next(2) == 0 ? Binary64Or32(is64, op, dst, src, offset: 1) : Binary64Or32(is64, op, dst, NonZero(random), offset: 1);
            }
        }
        var operation = Binary[random.Next(Binary.Length)];
        if (random.Next(2) == 0) return Binary64Or32(is64, operation, dst, src);
        int imm = operation switch
        {
            AluOperation.Div or AluOperation.Mod => NonZero(random),
            AluOperation.Lsh or AluOperation.Rsh or AluOperation.Arsh => random.Next(width),
            _ => Imm32(random),
        };
        return Binary64Or32(is64, operation, dst, imm);
    }

    private static Instruction Binary64Or32(bool is64, AluOperation op, Register dst, Register src, short offset = 0) =>
        is64 ? Instruction.Alu64(op, dst, src, offset) : Instruction.Alu32(op, dst, src, offset);

    private static Instruction Binary64Or32(bool is64, AluOperation op, Register dst, int imm, short offset = 0) =>
        is64 ? Instruction.Alu64(op, dst, imm, offset) : Instruction.Alu32(op, dst, imm, offset);

    private static Instruction Branch(Random random, short offset)
    {
        var condition = Conditions[random.Next(Conditions.Length)];
        bool jmp32 = random.Next(2) == 0;
        return random.Next(2) == 0
            ? Instruction.Branch(condition, AnyRegister(random), AnyRegister(random), offset, jmp32)
            : Instruction.Branch(condition, AnyRegister(random), Imm32(random), offset, jmp32);
    }

    private static Register AnyRegister(Random random) => (Register)random.Next(10);

    private static long Value64(Random random) => random.Next(4) switch
    {
        0 or 1 => Edge64[random.Next(Edge64.Length)],
        2 => random.Next(-300, 300),
        _ => random.NextInt64(long.MinValue, long.MaxValue),
    };

    private static int Imm32(Random random) => random.Next(3) switch
    {
        0 => Edge32[random.Next(Edge32.Length)],
        1 => random.Next(-300, 300),
        _ => random.Next(int.MinValue, int.MaxValue),
    };

    private static int NonZero(Random random)
    {
        int imm = Imm32(random);
        return imm == 0 ? -1 : imm;
    }
}
