using System.Text;
using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Asm;

/// <summary>One line per instruction form: the assembler's bytes against inline expectations and against llvm-mc-19.</summary>
public class LlvmFormTests
{
    // Forms llvm-mc-19 assembles too; bytes little-endian as llvm-mc -show-encoding prints them.
    private static readonly (string Text, string Bytes)[] LlvmForms =
    [
        ("r0 = *(u32 *)(r1 + 4)", "61 10 04 00 00 00 00 00"),
        ("*(u64 *)(r10 - 8) = r1", "7b 1a f8 ff 00 00 00 00"),
        ("*(u32 *)(r10 - 8) = 5", "62 0a f8 ff 05 00 00 00"),
        ("*(u8 *)(r1 - 32768) = -1", "72 01 00 80 ff ff ff ff"),
        ("*(u16 *)(r1 + 32767) = r2", "6b 21 ff 7f 00 00 00 00"),
        ("r0 = *(s8 *)(r1 + 0)", "91 10 00 00 00 00 00 00"),
        ("r0 = *(s32 *)(r1 + 0x10)", "81 10 10 00 00 00 00 00"),
        ("if r1 == 0 goto +2", "15 01 02 00 00 00 00 00"),
        ("if w1 s> -3 goto +1", "66 01 01 00 fd ff ff ff"),
        ("if r1 & r2 goto -1", "4d 21 ff ff 00 00 00 00"),
        ("if w1 s<= w2 goto +0", "de 21 00 00 00 00 00 00"),
        ("if r1 != 0xffffffff goto +1", "55 01 01 00 ff ff ff ff"),
        ("r1 += -5", "07 01 00 00 fb ff ff ff"),
        ("w1 &= 0x80000000", "54 01 00 00 00 00 00 80"),
        ("r1 s/= r2", "3f 21 01 00 00 00 00 00"),
        ("w1 s%= 3", "94 01 01 00 03 00 00 00"),
        ("r1 /= 3", "37 01 00 00 03 00 00 00"),
        ("r1 <<= 3", "67 01 00 00 03 00 00 00"),
        ("w1 >>= w2", "7c 21 00 00 00 00 00 00"),
        ("r1 s>>= r2", "cf 21 00 00 00 00 00 00"),
        ("w2 ^= w3", "ac 32 00 00 00 00 00 00"),
        ("r1 = -r1", "87 01 00 00 00 00 00 00"),
        ("w0 = -w0", "84 00 00 00 00 00 00 00"),
        ("r0 = be16 r0", "dc 00 00 00 10 00 00 00"),
        ("r0 = le64 r0", "d4 00 00 00 40 00 00 00"),
        ("r0 = bswap16 r0", "d7 00 00 00 10 00 00 00"),
        ("r0 = (s8)r1", "bf 10 08 00 00 00 00 00"),
        ("r0 = (s32)r1", "bf 10 20 00 00 00 00 00"),
        ("w0 = (s16)w1", "bc 10 10 00 00 00 00 00"),
        ("r0 = 0x123 ll", "18 00 00 00 23 01 00 00 00 00 00 00 00 00 00 00"),
        ("r0 = 291 ll", "18 00 00 00 23 01 00 00 00 00 00 00 00 00 00 00"),
        ("r0 = -1 ll", "18 00 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff"),
        ("r0 = 0x8000000000000000 ll", "18 00 00 00 00 00 00 00 00 00 00 00 00 00 00 80"),
        ("r0 = 1", "b7 00 00 00 01 00 00 00"),
        ("w0 = w1", "bc 10 00 00 00 00 00 00"),
        ("r6 = r10", "bf a6 00 00 00 00 00 00"),
        ("lock *(u64 *)(r10 - 8) += r1", "db 1a f8 ff 00 00 00 00"),
        ("lock *(u32 *)(r10 - 8) &= w1", "c3 1a f8 ff 50 00 00 00"),
        ("lock *(u64 *)(r10 - 8) |= r1", "db 1a f8 ff 40 00 00 00"),
        ("lock *(u32 *)(r10 - 8) ^= w1", "c3 1a f8 ff a0 00 00 00"),
        ("r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)", "db 1a f8 ff 01 00 00 00"),
        ("w1 = atomic_fetch_and((u32 *)(r10 - 8), w1)", "c3 1a f8 ff 51 00 00 00"),
        ("r1 = atomic_fetch_or((u64 *)(r10 - 8), r1)", "db 1a f8 ff 41 00 00 00"),
        ("r1 = atomic_fetch_xor((u64 *)(r10 - 8), r1)", "db 1a f8 ff a1 00 00 00"),
        ("r1 = xchg_64(r10 - 8, r1)", "db 1a f8 ff e1 00 00 00"),
        ("w1 = xchg32_32(r10 - 8, w1)", "c3 1a f8 ff e1 00 00 00"),
        ("r0 = cmpxchg_64(r10 - 8, r0, r1)", "db 1a f8 ff f1 00 00 00"),
        ("w0 = cmpxchg32_32(r10 - 8, w0, w1)", "c3 1a f8 ff f1 00 00 00"),
        ("goto +3", "05 00 03 00 00 00 00 00"),
        ("gotol +3", "06 00 00 00 03 00 00 00"),
        ("may_goto +3", "e5 00 03 00 00 00 00 00"),
        ("call 5", "85 00 00 00 05 00 00 00"),
        ("callx r2", "8d 02 00 00 00 00 00 00"),
        ("exit", "95 00 00 00 00 00 00 00"),
    ];

    // Forms llvm-mc has no spelling for or reads differently: local calls, kernel spellings, this project's lddw kinds.
    private static readonly (string Text, string Bytes)[] ExtendedForms =
    [
        ("call -1", "85 10 00 00 ff ff ff ff"),
        ("call -0x1", "85 10 00 00 ff ff ff ff"),
        ("call pc+3", "85 10 00 00 03 00 00 00"),
        ("call bpf_ktime_get_ns#5", "85 00 00 00 05 00 00 00"),
        ("call helper#-0x1", "85 00 00 00 ff ff ff ff"),
        ("call kfunc#1234", "85 20 00 00 d2 04 00 00"),
        ("0: (b7) r0 = 0", "b7 00 00 00 00 00 00 00"),
        ("5: (05) goto pc+2", "05 00 02 00 00 00 00 00"),
        ("7: (15) if r1 == 0x0 goto pc-3", "15 01 fd ff 00 00 00 00"),
        ("2: (7b) *(u64 *)(r10 -8) = r1", "7b 1a f8 ff 00 00 00 00"),
        ("3: (18) r1 = 0xffff888100000000", "18 01 00 00 00 00 00 00 00 00 00 00 81 88 ff ff"),
        ("4: (18) r1 = map[id:5]", "18 11 00 00 05 00 00 00 00 00 00 00 00 00 00 00"),
        ("r1 = map[id:5][0]+16", "18 21 00 00 05 00 00 00 00 00 00 00 10 00 00 00"),
        ("r1 = map[fd:3] ll", "18 11 00 00 03 00 00 00 00 00 00 00 00 00 00 00"),
        ("r2 = map[fd:3][0]+8 ll", "18 22 00 00 03 00 00 00 00 00 00 00 08 00 00 00"),
        ("r3 = btf[id:77] ll", "18 33 00 00 4d 00 00 00 00 00 00 00 00 00 00 00"),
        ("r3 = btf[id:77]+1 ll", "18 33 00 00 4d 00 00 00 00 00 00 00 01 00 00 00"),
        ("r4 = func[pc+2] ll", "18 44 00 00 02 00 00 00 00 00 00 00 00 00 00 00"),
        ("r5 = map[idx:1] ll", "18 55 00 00 01 00 00 00 00 00 00 00 00 00 00 00"),
        ("r5 = map[idx:1][0]+4 ll", "18 65 00 00 01 00 00 00 00 00 00 00 04 00 00 00"),
        ("r1 = atomic64_fetch_add((u64 *)(r10 -8), r1)", "db 1a f8 ff 01 00 00 00"),
        ("r0 = atomic64_cmpxchg((u64 *)(r10 -8), r0, r1)", "db 1a f8 ff f1 00 00 00"),
        ("w1 = atomic_xchg((u32 *)(r10 -8), r1)", "c3 1a f8 ff e1 00 00 00"),
        ("lock *(u32 *)(r10 -8) += r1", "c3 1a f8 ff 00 00 00 00"),
        ("r0 = 1 // comment", "b7 00 00 00 01 00 00 00"),
        ("r0 = 1 ; R0_w=1", "b7 00 00 00 01 00 00 00"),
        ("r0 = 1 # comment", "b7 00 00 00 01 00 00 00"),
        ("      12:\t85 10 00 00 0f 00 00 00\tcall 0xf", "85 10 00 00 0f 00 00 00"),
        ("      13:\tc3 1a f8 ff 01 00 00 00\tlock *(u32 *)(r10 - 0x8) += r1", "c3 1a f8 ff 01 00 00 00"),
        ("      14:\tc3 1a f8 ff 51 00 00 00\t<unknown>", "c3 1a f8 ff 51 00 00 00"),
        ("       1:\tc6 01 0e 00 01 00 00 00\tif w1 s< 0x1 goto +0xe <f+0x80>", "c6 01 0e 00 01 00 00 00"),
    ];

    private static IEnumerable<TestCaseData> AllForms() =>
        LlvmForms.Concat(ExtendedForms).Select(f => new TestCaseData(f.Text, f.Bytes).SetArgDisplayNames(f.Text));

    [TestCaseSource(nameof(AllForms))]
    public void AssemblesToTheExpectedBytes(string text, string bytes) =>
        Assert.That(Hex(Assembler.Assemble(text, AsmSyntax.Llvm).Encode()), Is.EqualTo(bytes));

    [TestCaseSource(nameof(AllForms))]
    public void FormattedFormReassemblesToTheSameInstruction(string text, string bytes)
    {
        var insn = Assembler.Assemble(text, AsmSyntax.Llvm).Instructions.Single();
        string formatted = Disassembler.Format(insn, AsmSyntax.Llvm);
        Assert.That(Assembler.Assemble(formatted, AsmSyntax.Llvm).Instructions.Single(), Is.EqualTo(insn), formatted);
        Assert.That(Assembler.DetectSyntax(formatted), Is.EqualTo(AsmSyntax.Llvm), formatted);
    }

    [Test]
    public void LlvmMcAgreesWithEveryForm()
    {
        string mc = ExternalTool.Require("llvm-mc-19");
        using var file = ExternalTool.Temp(Encoding.ASCII.GetBytes(string.Join("\n", LlvmForms.Select(f => f.Text)) + "\n"), ".s");
        var (exit, stdout, stderr) = ExternalTool.Run(mc, "-triple", "bpfel", "-mcpu=v4", "-show-encoding", file.Path);
        Assert.That(exit, Is.Zero, stderr);
        var encodings = Encoding.ASCII.GetString(stdout).Split('\n').Where(l => l.Contains("# encoding: [", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf('[', StringComparison.Ordinal) + 1)..l.IndexOf(']', StringComparison.Ordinal)].Replace("0x", "", StringComparison.Ordinal).Replace(",", " ", StringComparison.Ordinal))
            .ToList();
        Assert.That(encodings, Has.Count.EqualTo(LlvmForms.Length));
        for (int i = 0; i < LlvmForms.Length; i++)
        {
            Assert.That(encodings[i], Is.EqualTo(LlvmForms[i].Bytes), $"llvm-mc: {LlvmForms[i].Text}");
            Assert.That(Hex(Assembler.Assemble(LlvmForms[i].Text, AsmSyntax.Llvm).Encode()), Is.EqualTo(encodings[i]), LlvmForms[i].Text);
        }
    }

    [Test]
    public void FormatPrintsObjdumpSpelling()
    {
        string F(string text) => Disassembler.Format(Assembler.Assemble(text, AsmSyntax.Llvm).Instructions.Single(), AsmSyntax.Llvm);
        Assert.Multiple(() =>
        {
            Assert.That(F("r2 += -4"), Is.EqualTo("r2 += -0x4"));
            Assert.That(F("*(u32 *)(r10 - 4) = 0"), Is.EqualTo("*(u32 *)(r10 - 0x4) = 0x0"));
            Assert.That(F("if r0 == 0 goto +2"), Is.EqualTo("if r0 == 0x0 goto +0x2"));
            Assert.That(F("if w2 s< w1 goto -12"), Is.EqualTo("if w2 s< w1 goto -0xc"));
            Assert.That(F("r0 = 291 ll"), Is.EqualTo("r0 = 0x123 ll"));
            Assert.That(F("r0 = 0x8000000000000000 ll"), Is.EqualTo("r0 = -0x8000000000000000 ll"));
            Assert.That(F("w1 &= 0x80000000"), Is.EqualTo("w1 &= -0x80000000"));
            Assert.That(F("call 5"), Is.EqualTo("call 0x5"));
            Assert.That(F("call -1"), Is.EqualTo("call -0x1"));
            Assert.That(F("w1 = xchg32_32(r10 - 8, w1)"), Is.EqualTo("w1 = xchg32_32(r10 - 0x8, w1)"));
            Assert.That(F("r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)"), Is.EqualTo("r1 = atomic_fetch_add((u64 *)(r10 - 0x8), r1)"));
        });
    }

    [Test]
    public void InvalidInstructionPrintsALineTheAssemblerRejects()
    {
        var invalid = Instruction.Alu64(AluOperation.Add, Register.R1, 5, offset: 3);
        string text = Disassembler.Format(invalid, AsmSyntax.Llvm);
        Assert.That(text, Does.StartWith("<invalid: "));
        var e = Assert.Throws<AssemblyException>(() => Assembler.Assemble(text, AsmSyntax.Llvm))!;
        Assert.That(e.Diagnostics.Single().Message, Does.Contain("invalid instruction"));
    }

    internal static string Hex(byte[] bytes) => string.Join(" ", bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
}
