using NUnit.Framework;
using static BtfNotebooks.Tests.Vm.VmTestPrograms;

namespace BtfNotebooks.Tests.Vm;

/// <summary>
/// RFC 9669's arithmetic corner cases, one program each, expected values worked out by hand from the RFC text
/// (not from the interpreter).
/// </summary>
public class AluSemanticsTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData C(string name, string program, ulong expected) => new TestCaseData(program, expected).SetName(name);
        // Division and modulo by zero.
        yield return C("div64 by zero register is 0", "r0 = 7\nr1 = 0\nr0 /= r1\nexit", 0);
        yield return C("div32 by zero is 0", "r0 = -1 ll\nw1 = 0\nw0 /= w1\nexit", 0);
        yield return C("mod64 by zero keeps the dividend", "r0 = -5\nr1 = 0\nr0 %= r1\nexit", unchecked((ulong)-5L));
        yield return C("mod32 by zero keeps the low word, zero-extended", "r0 = -5\nw1 = 0\nw0 %= w1\nexit", 0xfffffffb);
        yield return C("sdiv64 INT64_MIN by -1 is INT64_MIN", "r0 = -9223372036854775808 ll\nr1 = -1\nr0 s/= r1\nexit", 0x8000000000000000);
        yield return C("smod64 INT64_MIN by -1 is 0", "r0 = -9223372036854775808 ll\nr1 = -1\nr0 s%= r1\nexit", 0);
        yield return C("sdiv32 INT32_MIN by -1 is INT32_MIN", "w0 = -2147483648\nw0 s/= -1\nexit", 0x80000000);
        yield return C("smod32 INT32_MIN by -1 is 0", "w0 = -2147483648\nw1 = -1\nw0 s%= w1\nexit", 0);
        yield return C("sdiv64 truncates toward zero", "r0 = -7\nr0 s/= 2\nexit", unchecked((ulong)-3L));
        yield return C("smod64 takes the dividend's sign", "r0 = -7\nr0 s%= 2\nexit", unchecked((ulong)-1L));
        yield return C("sdiv by zero is 0", "r0 = -7\nr1 = 0\nr0 s/= r1\nexit", 0);
        yield return C("smod by zero keeps the dividend", "r0 = -7\nr1 = 0\nr0 s%= r1\nexit", unchecked((ulong)-7L));
        yield return C("div64 imm is sign-extended then unsigned", "r0 = -1\nr0 /= -1\nexit", 1);
        yield return C("div32 imm is unsigned", "w0 = -1\nw0 /= -1\nexit", 1);
        // Shifts: amounts masked to the operand width.
        yield return C("lsh64 by 65 shifts by 1", "r0 = 1\nr1 = 65\nr0 <<= r1\nexit", 2);
        yield return C("lsh32 by 33 shifts by 1", "w0 = 1\nw1 = 33\nw0 <<= w1\nexit", 2);
        yield return C("arsh32 sign-fills 32 bits then zero-extends", "w0 = -8\nw0 s>>= 1\nexit", 0xfffffffc);
        yield return C("arsh64 sign-fills 64 bits", "r0 = -8\nr0 s>>= 1\nexit", unchecked((ulong)-4L));
        yield return C("rsh32 ignores the high word", "r0 = 0x1ffffffff ll\nw0 >>= 4\nexit", 0x0fffffff);
        // 32-bit ops zero-extend; 64-bit immediates sign-extend.
        yield return C("add32 wraps and clears the high word", "r0 = -1 ll\nw0 += 1\nexit", 0);
        yield return C("mov32 of a negative imm zero-extends", "w0 = -1\nexit", 0xffffffff);
        yield return C("mov64 of a negative imm sign-extends", "r0 = -1\nexit", ulong.MaxValue);
        yield return C("mov32 register zero-extends", "r1 = -1\nw0 = w1\nexit", 0xffffffff);
        yield return C("neg32 zero-extends", "w0 = 1\nw0 = -w0\nexit", 0xffffffff);
        yield return C("neg64", "r0 = 5\nr0 = -r0\nexit", unchecked((ulong)-5L));
        yield return C("and64 imm sign-extends", "r0 = -1 ll\nr0 &= -2\nexit", 0xfffffffffffffffe);
        yield return C("or32 imm", "w0 = 0x10\nw0 |= 0x1\nexit", 0x11);
        yield return C("xor64 register", "r0 = 0xff\nr1 = 0x0f\nr0 ^= r1\nexit", 0xf0);
        yield return C("mul32 wraps", "w0 = 0x10000\nw0 *= 0x10000\nexit", 0);
        // Sign extension moves and loads.
        yield return C("movsx64 from s8", "r1 = 0x80\nr0 = (s8)r1\nexit", 0xffffffffffffff80);
        yield return C("movsx64 from s16", "r1 = 0x8000\nr0 = (s16)r1\nexit", 0xffffffffffff8000);
        yield return C("movsx64 from s32", "r1 = 0x80000000 ll\nr0 = (s32)r1\nexit", 0xffffffff80000000);
        yield return C("movsx32 from s8 zero-extends the result", "w1 = 0x80\nw0 = (s8)w1\nexit", 0xffffff80);
        // Byte swaps (little-endian machine: le truncates, be swaps).
        yield return C("le16 truncates", "r0 = 0x12345678 ll\nr0 = le16 r0\nexit", 0x5678);
        yield return C("le32 truncates", "r0 = 0x1122334455667788 ll\nr0 = le32 r0\nexit", 0x55667788);
        yield return C("le64 is identity", "r0 = 0x1122334455667788 ll\nr0 = le64 r0\nexit", 0x1122334455667788);
        yield return C("be16 swaps and truncates", "r0 = 0x12345678 ll\nr0 = be16 r0\nexit", 0x7856);
        yield return C("be32 swaps", "r0 = 0x1122334455667788 ll\nr0 = be32 r0\nexit", 0x88776655);
        yield return C("be64 swaps", "r0 = 0x1122334455667788 ll\nr0 = be64 r0\nexit", 0x8877665544332211);
        yield return C("bswap16", "r0 = 0x12345678 ll\nr0 = bswap16 r0\nexit", 0x7856);
        yield return C("bswap64", "r0 = 0x0102030405060708 ll\nr0 = bswap64 r0\nexit", 0x0807060504030201);
        // Jumps: JMP32 compares only the low word; signed vs unsigned.
        yield return C("jmp32 ignores the high word", "r0 = 0\nr1 = 0x100000005 ll\nif w1 == 5 goto +1\nexit\nr0 = 1\nexit", 1);
        yield return C("jmp64 sees the high word", "r0 = 0\nr1 = 0x100000005 ll\nif r1 == 5 goto +1\nexit\nr0 = 1\nexit", 0);
        yield return C("jsgt is signed", "r0 = 0\nr1 = -1\nif r1 s> 0 goto +1\nexit\nr0 = 1\nexit", 0);
        yield return C("jgt is unsigned", "r0 = 0\nr1 = -1\nif r1 > 0 goto +1\nexit\nr0 = 1\nexit", 1);
        yield return C("jset tests bits", "r0 = 0\nr1 = 6\nif r1 & 4 goto +1\nexit\nr0 = 1\nexit", 1);
        yield return C("jslt32 signed low word", "r0 = 0\nr1 = 0xffffffff ll\nif w1 s< 0 goto +1\nexit\nr0 = 1\nexit", 1);
        yield return C("gotol", "r0 = 1\ngotol +1\nr0 = 2\nexit", 1);
        yield return C("lddw 64-bit constant", "r0 = 0x123456789abcdef0 ll\nexit", 0x123456789abcdef0);
    }

    [TestCaseSource(nameof(Cases))]
    public void Result(string program, ulong expected) =>
        Assert.That(R0(program), Is.EqualTo(expected), program);

    [Test]
    public void Instruction_count_is_exact()
    {
        // 3 setup + 10 iterations of (add, add, branch) + exit = 34.
        var result = Run("r0 = 0\nr1 = 0\nr2 = 10\nloop:\nr0 += 3\nr1 += 1\nif r1 < r2 goto loop\nexit");
        Assert.That(result.R0, Is.EqualTo(30));
        Assert.That(result.InstructionsExecuted, Is.EqualTo(3 + 10 * 3 + 1));
    }

    [Test]
    public void An_lddw_counts_as_one_instruction()
    {
        // 2 setup + 3 iterations of (lddw, add, branch) + exit = 12, though each lddw is two slots.
        var result = Run("r0 = 0\nr1 = 0\nloop:\nr2 = 0x100000000 ll\nr1 += 1\nif r1 < 3 goto loop\nr0 = r2\nexit");
        Assert.That(result.R0, Is.EqualTo(0x100000000));
        Assert.That(result.InstructionsExecuted, Is.EqualTo(2 + 3 * 3 + 2));
    }
}
