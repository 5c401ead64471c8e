using System.Text;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.BtfExt;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Elf;

/// <summary>
/// The CO-RE records as libbpf itself reads them from .BTF.ext: ../shared/tools/core-oracle prints one row per
/// record (section, index, insn_off, kind, local type ID, access string), in the order libbpf processes them.
/// Ignored where the oracle cannot be built (no libbpf-dev, no ../shared) or cannot run.
/// </summary>
public class BtfExtOracleTests
{
    private static string? _oracle;

    [OneTimeSetUp]
    public void BuildOracle()
    {
        var dir = Path.GetFullPath(Path.Combine(TestKernels.RepoRoot, "..", "shared", "tools", "core-oracle"));
        if (!File.Exists(Path.Combine(dir, "Makefile")) || ExternalTool.Find("make") is not { } make) return;
        var output = Path.Combine(Path.GetTempPath(), $"btfnb-core-oracle-{Environment.ProcessId}");
        var (exit, _, _) = ExternalTool.Run(make, "-s", "-f", Path.Combine(dir, "Makefile"), $"O={output}");
        var binary = Path.Combine(output, "core_oracle");
        if (exit == 0 && File.Exists(binary)) _oracle = binary;
    }

    /// <summary>
    /// libbpf 1.1 (the oracle's) rejects a .BTF.ext of the other byte order than the host, so only little-endian
    /// objects are compared.
    /// </summary>
    [TestCase("v2"), TestCase("v3"), TestCase("v4")]
    public void CoreRecordsAreTheOnesLibbpfReads(string cpu)
    {
        if (_oracle is null) Assert.Ignore("../shared/tools/core-oracle could not be built (needs make, cc, libbpf-dev, libelf-dev)");
        using var o = BtfExtObjects.Compile("core-kinds.c", "bpf", cpu);
        // The object is its own target: only the records matter here, not what they relocate to.
        var (_, stdout, stderr) = ExternalTool.Run(_oracle, "-H", "-t", o.Path, o.Path);
        var rows = Encoding.UTF8.GetString(stdout).Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('\t')).ToList();
        if (rows.Count == 0) Assert.Ignore($"core_oracle printed no records (it needs root to let libbpf prepare the object): {stderr}");

        // Columns: obj target sec relo insn_off prog insn kind kind_num local_type_id local_type access ...
        var libbpf = rows.Select(c => $"{c[2]} #{c[3]} @{c[4]} {c[7]}({c[8]}) [{c[9]}] {c[11]}");
        var ours = BpfObjectFile.Load(o.Path).BtfExt!.CoreRelocations
            .Select(r => $"{r.Section} #{r.Index} @{r.InstructionOffset} {r.Kind.LibbpfName()}({(uint)r.Kind}) [{r.TypeId}] {r.Access}");
        Assert.That(ours, Is.EqualTo(libbpf));
    }
}
