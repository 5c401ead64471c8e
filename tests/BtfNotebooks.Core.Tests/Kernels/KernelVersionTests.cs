using BtfNotebooks.Kernels;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Kernels;

/// <summary>Kernel release strings split into their ordering parts, and sorted as they were released.</summary>
public class KernelVersionTests
{
    private static IEnumerable<TestCaseData> Releases()
    {
        TestCaseData C(string text, int[] numbers, int? rc, long? abi, string? local, string? suffix) =>
            new TestCaseData(text, numbers, rc, abi, local, suffix).SetName($"parses {text}");
        yield return C("6.1.0-56-amd64", [6, 1, 0], null, 56, null, "amd64");
        yield return C("6.1.0-56-cloud-amd64", [6, 1, 0], null, 56, null, "cloud-amd64");
        yield return C("6.12.117+deb12-amd64", [6, 12, 117], null, null, "deb12", "amd64");
        yield return C("6.12.117+deb12-arm64-16k", [6, 12, 117], null, null, "deb12", "arm64-16k");
        yield return C("6.18", [6, 18], null, null, null, null);
        yield return C("6.18.44-fc-v669", [6, 18, 44], null, null, null, "fc-v669");
        yield return C("5.4.0-1025-aws", [5, 4, 0], null, 1025, null, "aws");
        yield return C("5.6.6-300.fc32.x86_64", [5, 6, 6], null, 300, null, "fc32.x86_64");
        yield return C("3.10.0-1062.el7.x86_64", [3, 10, 0], null, 1062, null, "el7.x86_64");
        yield return C("6.18-rc3", [6, 18], 3, null, null, null);
        yield return C("6.1.0-50", [6, 1, 0], null, 50, null, null);
        yield return C(" 6.1.0-50-686-pae ", [6, 1, 0], null, 50, null, "686-pae");
    }

    [TestCaseSource(nameof(Releases))]
    public void Parse(string text, int[] numbers, int? rc, long? abi, string? local, string? suffix)
    {
        var v = KernelVersion.Parse(text);
        Assert.That(v.Numbers, Is.EqualTo(numbers));
        Assert.That(v.ReleaseCandidate, Is.EqualTo(rc));
        Assert.That(v.Abi, Is.EqualTo(abi));
        Assert.That(v.LocalVersion, Is.EqualTo(local));
        Assert.That(v.Suffix, Is.EqualTo(suffix));
        Assert.That(v.Major, Is.EqualTo(numbers[0]));
        Assert.That(v.Minor, Is.EqualTo(numbers[1]));
        Assert.That(v.Patch, Is.EqualTo(numbers.Length > 2 ? numbers[2] : 0));
        Assert.That(v.ToString(), Is.EqualTo(text.Trim()));
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("linux")]
    [TestCase("6")]
    [TestCase("6.")]
    [TestCase("v6.1")]
    [TestCase("6.1x")]
    [TestCase("6.1+")]
    [TestCase("99999999999.1")]
    public void RejectsWhatIsNotARelease(string text)
    {
        Assert.That(KernelVersion.TryParse(text, out var v), Is.False);
        Assert.That(v, Is.Null);
        var e = Assert.Throws<FormatException>(() => KernelVersion.Parse(text))!;
        Assert.That(e.Message, Does.Contain($"'{text}' is not a kernel release"));
    }

    [Test]
    public void NullIsNotARelease() => Assert.That(KernelVersion.TryParse(null, out _), Is.False);

    [Test]
    public void SortsInReleaseOrder()
    {
        string[] expected =
        [
            "5.4.0-1025-aws", "6.1.0-44-amd64", "6.1.0-56-amd64", "6.1.0-100-amd64", "6.2.16", "6.12.95+deb12-amd64",
            "6.12.117+deb12-amd64", "6.18-rc3", "6.18", "6.18.0", "6.18.44-fc-v669",
        ];
        // every rotation of the reversed list sorts back to the same order
        for (int shift = 0; shift < expected.Length; shift++)
        {
            var input = expected.Reverse().Skip(shift).Concat(expected.Reverse().Take(shift)).Select(KernelVersion.Parse).ToList();
            input.Sort();
            Assert.That(input.Select(v => v.Text), Is.EqualTo(expected), $"rotation {shift}");
        }
    }

    [TestCase("6.1.0-44", "6.1.0-56")]
    [TestCase("6.1.0-56", "6.12.95")]
    [TestCase("6.12.95", "6.12.117")]
    [TestCase("6.12.117", "6.18")]
    [TestCase("6.9", "6.10")]
    [TestCase("6.18-rc7", "6.18")]
    [TestCase("6.18-rc2", "6.18-rc10")]
    [TestCase("6.1.0-56-amd64", "6.1.0-56-cloud-amd64")]
    public void Before(string earlier, string later)
    {
        var a = KernelVersion.Parse(earlier);
        var b = KernelVersion.Parse(later);
        Assert.That(a.CompareTo(b), Is.LessThan(0));
        Assert.That(b.CompareTo(a), Is.GreaterThan(0));
        Assert.That(a < b && b > a && a <= b && b >= a, Is.True);
        Assert.That(a == b, Is.False);
    }

    [Test]
    public void EqualityFollowsTheParts()
    {
        var a = KernelVersion.Parse("6.1.0-56-amd64");
        var b = KernelVersion.Parse(" 6.1.0-56-amd64");
        Assert.That(a == b, Is.True);
        Assert.That(a.Equals((object)b), Is.True);
        Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()));
        Assert.That(a.CompareTo(null), Is.GreaterThan(0));
        Assert.That(KernelVersion.Parse("6.18") == KernelVersion.Parse("6.18.0"), Is.False, "6.18 and 6.18.0 are different strings of one release; they order, not equal");
    }
}
