using BtfNotebooks.Conformance;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Vm;

/// <summary>
/// The bpf_conformance suite from ../shared (313 files, and 60 negative ones that must each be rejected), plus
/// this repo's own files in Data/conformance, which run everywhere.
/// </summary>
public class ConformanceSuiteTests
{
    private static string? SuiteDir => ConformanceSuite.Directory;

    private static string OwnDir => Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "conformance");

    [Test]
    public void Whole_suite_passes()
    {
        if (SuiteDir is null) Assert.Ignore("../shared/conformance is not on this machine");
        var outcomes = ConformanceRunner.RunAll([SuiteDir]).ToList();
        Assert.That(outcomes, Has.Count.EqualTo(313));
        Assert.That(outcomes.Where(o => !o.Passed).Select(o => $"{Path.GetFileName(o.Path)}: {o.Reason}"), Is.Empty);
    }

    [Test]
    public void Every_negative_test_is_rejected_with_its_expected_error()
    {
        if (SuiteDir is null) Assert.Ignore("../shared/conformance is not on this machine");
        var outcomes = ConformanceRunner.RunAll([Path.Combine(SuiteDir, "negative")], expectFailure: true).ToList();
        Assert.That(outcomes, Has.Count.EqualTo(60));
        Assert.That(outcomes.Where(o => !o.Passed).Select(o => $"{Path.GetFileName(o.Path)}: {o.Reason}"), Is.Empty);
        // The rejections are the right ones, not incidental: spot-check the reasons.
        string Reason(string name) => outcomes.Single(o => Path.GetFileName(o.Path) == name).Reason!;
        Assert.That(Reason("unused-exit-imm.data"), Does.Contain("slot 0").And.Contain("exit"));
        Assert.That(Reason("incorrect_return_value_high_bits.data"), Does.Contain("0x8877665544332211"));
        Assert.That(Reason("invalid_register.data"), Does.Contain("Invalid register").And.Contain(":4:"));
        Assert.That(Reason("error.data"), Does.Contain("invalid read of r0"));
    }

    [Test]
    public void Own_files_pass()
    {
        var outcomes = ConformanceRunner.RunAll([OwnDir]).ToList();
        Assert.That(outcomes, Has.Count.EqualTo(3));
        Assert.That(outcomes.Where(o => !o.Passed).Select(o => $"{Path.GetFileName(o.Path)}: {o.Reason}"), Is.Empty);
    }

    [TestCase("out-of-bounds.data", "past the end of packet")]
    [TestCase("runaway.data", "budget")]
    [TestCase("raw-asm-disagree.data", "assembles to")]
    public void Own_negative_files_fail_for_their_reason(string file, string reason)
    {
        var outcome = ConformanceRunner.Run(Path.Combine(OwnDir, "negative", file), expectFailure: true, instructionBudget: 10_000);
        Assert.That(outcome.Passed, Is.True, outcome.Reason);
        Assert.That(outcome.Reason, Does.Contain(reason));
        // and run as a positive test, the same file fails
        Assert.That(ConformanceRunner.Run(Path.Combine(OwnDir, "negative", file), instructionBudget: 10_000).Passed, Is.EqualTo(file != "out-of-bounds.data" && file != "runaway.data" ? false : true));
    }

    [TestCase("-- asm\nmov %r0, 1\nexit\n-- error\nInvalid\n", false, false, "to be rejected with 'Invalid'")]
    [TestCase("-- asm\nmov %r0, 1\nexit\n-- error\nInvalid\n", true, false, "expected an error ('Invalid') but r0 = 0x1")]
    [TestCase("-- asm\nmov %r0, 1\nexit\n-- result\n0x1\n", false, false, "as its result says")]
    [TestCase("-- asm\nmov %r0, 1\nexit\n-- result\n0x2\n", false, true, "r0 = 0x1, expected 0x2")]
    [TestCase("-- asm\nor %r0, %r1\nexit\n-- error\nInvalid\n", false, true, "invalid read of r0")]
    [TestCase("-- asm\nor %r0, %r1\nexit\n-- error\nbudget\n", false, false, "not 'budget'")]
    [TestCase("-- asm\nor %r0, %r1\nexit\n-- error\nInvalid\n", true, true, "invalid read of r0")]
    public void A_file_passes_only_when_it_does_what_it_asks(string text, bool positive, bool passes, string reason)
    {
        string path = Path.Combine(Path.GetTempPath(), $"btfnb-conformance-{Guid.NewGuid():N}.data");
        File.WriteAllText(path, text);
        try
        {
            var outcome = ConformanceRunner.Run(path, expectFailure: !positive);
            Assert.That(outcome.Passed, Is.EqualTo(passes), outcome.Reason);
            Assert.That(outcome.Reason, Does.Contain(reason));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
