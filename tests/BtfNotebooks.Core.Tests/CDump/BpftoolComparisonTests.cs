using System.Text;
using System.Text.RegularExpressions;
using BtfNotebooks.Btf.CDump;
using NUnit.Framework;

namespace BtfNotebooks.Tests.CDump;

/// <summary>
/// Our header against `bpftool btf dump file X format c` (bpftool 7.1 here and in CI). Same algorithm, so the
/// same text line for line, except where we deliberately print more to get the BTF's layout (see
/// <see cref="AssertSameApartFromLayoutFixes"/>).
/// </summary>
[TestFixture]
public partial class BpftoolComparisonTests
{
    [TestCase(TestKernels.Debian61, 0)]
    [TestCase(TestKernels.Local618, 9)]
    [TestCase(TestKernels.Debian612Arm, 4)]
    [TestCase(TestKernels.S390, 3)]
    [TestCase(TestKernels.I386, 60)]
    public void SameTextAsBpftool(string kernel, int expectedFixes)
    {
        string expected = Bpftool(kernel, null);
        string actual = CHeaderWriter.ToText(TestKernels.Spec(kernel));
        int fixes = AssertSameApartFromLayoutFixes(expected, actual);
        // At most: a bpftool built on newer libbpf prints mode(byte) itself.
        Assert.That(fixes, Is.LessThanOrEqualTo(expectedFixes), "lines where we add layout attributes or padding");
    }

    /// <summary>bpftool -B prints base and module together; our base header plus our module header say the same.</summary>
    [Test]
    public void ModuleHeaderContinuesTheBaseHeaderLikeBpftoolDashB()
    {
        var module = TestKernels.Spec(TestKernels.NfConntrack61);
        string expected = Bpftool(TestKernels.NfConntrack61, TestKernels.Debian61);
        string actual = Body(CHeaderWriter.ToText(module.Base!)) + Body(CHeaderWriter.ToText(module));
        Assert.That(AssertSameApartFromLayoutFixes(Body(expected), actual), Is.Zero);
    }

    /// <summary>
    /// Walks both texts line by line. A line of ours may differ from bpftool's only by a layout attribute we add
    /// (<c>__attribute__((packed))</c> on packed unions and on structs whose bitfields cross storage units,
    /// <c>__attribute__((mode(...)))</c> on enums of 1, 2 or 8 bytes that libbpf leaves at 4 — current libbpf
    /// prints mode(byte) too), or be an extra padding line (unions longer than their members). Older libbpf
    /// prints <c>()</c> for an empty parameter list where newer prints <c>(void)</c>; both count as the same.
    /// Returns how many lines differ.
    /// </summary>
    private static int AssertSameApartFromLayoutFixes(string expectedText, string actualText)
    {
        string[] expected = expectedText.Replace("(void)", "()").Split('\n');
        string[] actual = actualText.Replace("(void)", "()").Split('\n');
        int i = 0, j = 0, fixes = 0;
        while (i < expected.Length && j < actual.Length)
        {
            if (expected[i] == actual[j]) { i++; j++; continue; }
            fixes++;
            if (LayoutAttribute().Replace(actual[j], "") == LayoutAttribute().Replace(expected[i], "")) { i++; j++; continue; }
            if (PaddingLine().IsMatch(actual[j])) { j++; continue; }
            var context = new StringBuilder();
            for (int k = -4; k <= 2; k++)
                context.Append($"bpftool {i + k + 1,7}: «{At(expected, i + k)}»   ours {j + k + 1,7}: «{At(actual, j + k)}»\n");
            Assert.Fail($"unexplained difference:\n{context}");
        }
        Assert.That(actual.Length - j, Is.EqualTo(expected.Length - i), "both end together");
        return fixes;
    }

    private static string At(string[] lines, int index) => index >= 0 && index < lines.Length ? lines[index] : "";

    [GeneratedRegex(@" __attribute__\(\((packed|mode\(\w+\))\)\)")]
    private static partial Regex LayoutAttribute();

    [GeneratedRegex(@"^\t+((long long|long|int|short|char): \d+;|struct \{|\};)$")]
    private static partial Regex PaddingLine();

    // The part between the preserve_access_index push and pop.
    private static string Body(string header)
    {
        const string afterProlog = "#endif\n\n";
        const string epilog = "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop";
        int start = header.IndexOf(afterProlog, StringComparison.Ordinal) + afterProlog.Length;
        return header[start..header.LastIndexOf(epilog, StringComparison.Ordinal)];
    }

    private static string Bpftool(string kernel, string? baseKernel)
    {
        string bpftool = ExternalTool.Require("bpftool");
        using var file = ExternalTool.Temp(TestKernels.RawBlob(kernel));
        using var baseFile = baseKernel is null ? null : ExternalTool.Temp(TestKernels.RawBlob(baseKernel));
        string[] args = baseFile is null
            ? ["btf", "dump", "file", file.Path, "format", "c"]
            : ["btf", "dump", "file", file.Path, "-B", baseFile.Path, "format", "c"];
        var (exit, stdout, stderr) = ExternalTool.Run(bpftool, args);
        Assert.That(exit, Is.Zero, stderr);
        return Encoding.UTF8.GetString(stdout);
    }
}
