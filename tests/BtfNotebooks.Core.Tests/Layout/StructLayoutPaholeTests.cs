using NUnit.Framework;

namespace BtfNotebooks.Tests.Layout;

/// <summary>
/// Every named struct and union of a kernel, laid out from BTF, against pahole's printout of the same BTF: each
/// member's (and each expanded anonymous member's) offset, bit position, size and bitfield width, every hole,
/// "last struct has padding" note and cacheline boundary, and the closing statistics.
/// </summary>
[TestFixture]
[Category("Pahole")]
public class StructLayoutPaholeTests
{
    [TestCase(TestKernels.Local618)]
    [TestCase(TestKernels.Debian61)]
    [TestCase(TestKernels.Debian612Arm)]
    [TestCase(TestKernels.S390)]
    [TestCase(TestKernels.I386)]
    [TestCase(TestKernels.NfConntrack61)]
    public void EveryNamedStructAndUnionAgreesWithPahole(string kernel)
    {
        string pahole = PaholeTool.Require();
        var printed = PaholeText.Parse(PaholeTool.PrintAll(pahole, kernel));
        var result = PaholeComparison.Run(TestKernels.Spec(kernel), printed);

        TestContext.Out.WriteLine($"{kernel} with pahole {PaholeTool.Version(pahole)}: {result}");
        foreach (var mismatch in result.Mismatches.Take(20)) TestContext.Out.WriteLine(mismatch);
        Assert.That(result.Mismatches, Is.Empty, $"{result.Mismatches.Count} types differ from pahole; first: {result.Mismatches.FirstOrDefault()}");
        // Thousands of types per kernel: a parser that silently found nothing must not pass.
        Assert.That(result.Compared, Is.GreaterThan(5000));
        Assert.That(result.Rows, Is.GreaterThan(40000));
    }
}
