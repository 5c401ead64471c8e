using BtfNotebooks.Conformance;

namespace BtfNotebooks.Tests;

/// <summary>The bpf_conformance suite in ../shared/conformance (run from there, never copied into the repo).</summary>
public static class ConformanceSuite
{
    /// <summary>The suite's directory, or null on a machine without ../shared.</summary>
    public static string? Directory
    {
        get
        {
            var dir = Path.GetFullPath(Path.Combine(TestKernels.RepoRoot, "..", "shared", "conformance"));
            return System.IO.Directory.Exists(dir) ? dir : null;
        }
    }

    /// <summary>Paths of the <c>*.data</c> files in <paramref name="subdirectory"/>, in name order; empty without the suite.</summary>
    public static IEnumerable<string> Files(string subdirectory = "") =>
        Directory is { } d ? System.IO.Directory.GetFiles(Path.Combine(d, subdirectory), "*.data").Order(StringComparer.Ordinal) : [];

    /// <summary>The files <see cref="ConformanceTestFile"/> parses and <paramref name="keep"/> selects.</summary>
    public static IEnumerable<ConformanceTestFile> Parsed(string subdirectory, Func<ConformanceTestFile, bool> keep)
    {
        foreach (var path in Files(subdirectory))
        {
            ConformanceTestFile file;
            try { file = ConformanceTestFile.Load(path); }
            catch (FormatException) { continue; } // e.g. negative/empty.data: nothing to assemble or decode
            if (keep(file)) yield return file;
        }
    }

    /// <summary>
    /// Test-case names for a TestCaseSource: the file names, or one placeholder when the suite is absent (NUnit
    /// reports an empty source as an error); tests turn the placeholder into Assert.Ignore via <see cref="Require"/>.
    /// </summary>
    public static IEnumerable<string> CaseNames(IEnumerable<string> paths)
    {
        bool any = false;
        foreach (var p in paths)
        {
            any = true;
            yield return Path.GetFileName(p);
        }
        if (!any) yield return Absent;
    }

    public const string Absent = "(suite absent)";

    /// <summary>The file <paramref name="name"/> of the suite; ignores the test when the suite is absent.</summary>
    public static ConformanceTestFile Require(string subdirectory, string name)
    {
        if (name == Absent || Directory is not { } d) NUnit.Framework.Assert.Ignore("../shared/conformance is not on this machine");
        return ConformanceTestFile.Load(Path.Combine(Directory!, subdirectory, name));
    }
}
