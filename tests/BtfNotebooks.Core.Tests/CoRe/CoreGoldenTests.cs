using BtfNotebooks.Btf;
using BtfNotebooks.CoRe;
using BtfNotebooks.Elf;
using BtfNotebooks.Tests.Elf;
using NUnit.Framework;

namespace BtfNotebooks.Tests.CoRe;

/// <summary>
/// The CO-RE corpus (Data/core/programs, compiled here with clang-19 for -mcpu v2/v3/v4) relocated against each
/// target of its golden TSVs and compared, record by record, with what libbpf 1.1.2 did (core_oracle rows).
/// </summary>
public class CoreGoldenTests
{
    private static readonly string CoreDir = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "core");

    public static IEnumerable<TestCaseData> Goldens()
    {
        var dir = Path.Combine(CoreDir, "golden");
        if (!Directory.Exists(dir)) yield break;
        foreach (var path in Directory.GetFiles(dir, "*.tsv").Where(p => Path.GetFileName(p) != "INDEX.tsv").Order())
            yield return new TestCaseData(Path.GetFileName(path)).SetName($"Golden({Path.GetFileNameWithoutExtension(path)})");
    }

    private static readonly Dictionary<string, byte[]> Objects = new();

    private static BpfObjectFile Compile(string program, string cpu)
    {
        lock (Objects)
        {
            if (!Objects.TryGetValue($"{program}.{cpu}", out var bytes))
            {
                var source = Path.Combine(CoreDir, "programs", program + ".c");
                using var obj = ClangBpf.Compile(File.ReadAllText(source), "bpf", ["-O2", "-g", $"-mcpu={cpu}", "-I" + Path.Combine(CoreDir, "programs")]);
                Objects[$"{program}.{cpu}"] = bytes = File.ReadAllBytes(obj.Path);
            }
            return BpfObjectFile.Parse(bytes, $"{program}.{cpu}.o");
        }
    }

    private static BtfSpec Target(string label) =>
        File.Exists(Path.Combine(CoreDir, "targets", label + ".btf"))
            ? BtfSpec.Load(Path.Combine(CoreDir, "targets", label + ".btf"))
            : TestKernels.Spec(label);

    [TestCaseSource(nameof(Goldens))]
    public void AgreesWithLibbpf(string golden)
    {
        if (ExternalTool.Find(ClangBpf.Clang) is null) Assert.Ignore("clang-19 is not installed");
        var lines = File.ReadAllLines(Path.Combine(CoreDir, "golden", golden)).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var header = lines[0].Split('\t');
        var rows = lines.Skip(1).Select(l => header.Zip(l.Split('\t')).ToDictionary(p => p.First, p => p.Second)).ToList();
        Assert.That(rows, Is.Not.Empty, $"{golden} has no CO-RE records: every corpus program has some, so regenerate it");

        // obj is "<program>.<cpu>.o"
        var objName = rows[0]["obj"];
        var parts = objName.Split('.');
        var obj = Compile(parts[0], parts[1]);
        var records = obj.BtfExt!.CoreRelocations;
        var programs = obj.Programs.Select(CoreProgram.FromObject).ToList();
        var report = CoreRelocator.Relocate(obj.Btf!, records, programs, Target(rows[0]["target"]), rows[0]["target"]);

        Assert.That(report.Records, Has.Count.EqualTo(rows.Count), "records");
        var mismatches = new List<string>();
        foreach (var row in rows)
        {
            var r = report.Records.Single(x => x.Record.Section == row["sec"] && x.Record.Index == int.Parse(row["relo"]));
            void Expect(string column, string actual)
            {
                if (row[column] != actual) mismatches.Add($"{row["sec"]} relo #{row["relo"]} ({row["access"]} {row["kind"]}) {column}: libbpf '{row[column]}', ours '{actual}' [{r}]");
            }
            Expect("insn_before", CoreRelocationReport.Hex(r.Before));
            Expect("local_type", r.LocalType);
            Expect("status", r.StatusName);
            if (r.Status is CoreRelocationStatus.Ok or CoreRelocationStatus.Poison)
            {
                Expect("insn", r.InstructionIndex?.ToString() ?? "-");
                Expect("local_spec", r.LocalSpec ?? "-");
                Expect("ncands", r.Candidates.Count.ToString());
                Expect("matched", r.Matching.Any() ? string.Join("; ", r.Matching.Select(c => $"#{c.Index} {c.Spec}")) : "-");
                Expect("old", r.Old?.ToString() ?? "-");
                Expect("new", r.New?.ToString() ?? "-");
                Expect("insn_after", CoreRelocationReport.Hex(r.After));
            }
        }
        Assert.That(mismatches, Is.Empty, string.Join("\n", mismatches));
    }
}
