using BtfNotebooks.Asm.Text;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Asm;

/// <summary>Every error in a text is reported together, each at the line and column it is about.</summary>
public class LlvmErrorTests
{
    private static AsmDiagnostic Single(string line) =>
        Assert.Throws<AssemblyException>(() => Assembler.Assemble(line, AsmSyntax.Llvm))!.Diagnostics.Single();

    [TestCase("r1 += ", 7, "expected a register (r0-r10) or an immediate after '+='")]
    [TestCase("w1 += r2", 7, "expected a 32-bit register (w0-w10) after '+='")]
    [TestCase("r1 = 0x100000000", 6, "does not fit in 32 bits; write 'r1 = 4294967296 ll'")]
    [TestCase("r0 = *(u32 *)(r1 + 32768)", 18, "offset 32768 does not fit in the 16-bit offset field")]
    [TestCase("if r1 == 0 goto +40000", 17, "jump offset 40000 does not fit in the 16-bit offset field")]
    [TestCase("if r1 = 0 goto +1", 7, "expected a comparison")]
    [TestCase("r11 = 1", 1, "expected an instruction")]
    [TestCase("r1 = xchg_64(r10 - 8, r2)", 23, "returns the old value in its operand register")]
    [TestCase("r0 = be16 r1", 11, "a byte swap works in place")]
    [TestCase("exit 1", 6, "expected end of line after the instruction")]
    [TestCase("r0 = 1 @", 8, "unexpected character '@'")]
    [TestCase("<unknown>", 1, "no bytes column")]
    [TestCase("      3:\tb7 00 00 00 02 00 00 00\tr0 = 0x1", 34, "does not match its bytes column, which decodes as 'r0 = 0x2'")]
    public void ReportsWhatWasExpectedWhere(string line, int column, string message)
    {
        var d = Single(line);
        Assert.That((d.Line, d.Column), Is.EqualTo((1, column)), d.Message);
        Assert.That(d.Message, Does.Contain(message));
    }

    [Test]
    public void CollectsEveryErrorInTheText()
    {
        const string text = "r0 = 1\nr1 +=\nfoo:\nif r1 == 0 goto nowhere\nfoo:\ngoto foo\nr2 = *(u128 *)(r1 + 0)\nexit\n";
        var e = Assert.Throws<AssemblyException>(() => Assembler.Assemble(text, AsmSyntax.Llvm, source: "cell 3"))!;
        Assert.That(e.Diagnostics.Select(d => (d.Line, d.Column)), Is.EqualTo(new[] { (2, 6), (4, 17), (5, 1), (7, 8) }));
        Assert.That(e.Diagnostics[1].Message, Does.Contain("label 'nowhere' is not defined"));
        Assert.That(e.Diagnostics[2].Message, Does.Contain("label 'foo' is already defined"));
        Assert.That(e.Diagnostics[3].Message, Does.Contain("expected an access size"));
        Assert.That(e.Message, Does.StartWith("cell 3: 4 errors:"));
    }
}
