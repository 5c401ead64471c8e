using System.Text;

namespace BtfNotebooks.Tests;

/// <summary>
/// libbpf's own CO-RE decisions: ../shared/tools/core-oracle, built once per test run. Tests that need it are
/// ignored, with the reason, where it cannot be built (no ../shared, no libbpf-dev) or run (libbpf needs root to
/// prepare an object).
/// </summary>
public static class CoreOracle
{
    private static readonly Lazy<(string? Path, string Why)> Built = new(Build);

    /// <summary>Path of the oracle binary, or the test is ignored.</summary>
    public static string Require()
    {
        var (path, why) = Built.Value;
        if (path is null) NUnit.Framework.Assert.Ignore(why);
        return path!;
    }

    /// <summary>The oracle's rows for <paramref name="obj"/> relocated against <paramref name="target"/>, as column → value.</summary>
    public static List<Dictionary<string, string>> Run(string target, string obj, params string[] options)
    {
        string oracle = Require();
        var (_, stdout, stderr) = ExternalTool.Run(oracle, [.. options, "-t", target, obj]);
        var lines = Encoding.UTF8.GetString(stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).ToList();
        if (lines.Count == 0) NUnit.Framework.Assert.Ignore($"core_oracle printed nothing (libbpf needs root to prepare the object): {stderr}");
        var header = lines[0].Split('\t');
        return lines.Skip(1).Select(l => header.Zip(l.Split('\t')).ToDictionary(p => p.First, p => p.Second)).ToList();
    }

    private static (string?, string) Build()
    {
        var dir = Path.GetFullPath(Path.Combine(TestKernels.RepoRoot, "..", "shared", "tools", "core-oracle"));
        if (!Directory.Exists(dir)) return (null, "../shared/tools/core-oracle is not on this machine");
        if (ExternalTool.Find("make") is not { } make) return (null, "make is not installed");
        var output = Path.Combine(Path.GetTempPath(), $"btfnb-core-oracle-{Environment.ProcessId}");
        var (exit, _, err) = ExternalTool.Run(make, "-f", Path.Combine(dir, "Makefile"), $"O={output}");
        var binary = Path.Combine(output, "core_oracle");
        return exit == 0 && File.Exists(binary) ? (binary, "") : (null, $"core-oracle did not build (needs cc, libbpf-dev, libelf-dev): {err}");
    }
}
