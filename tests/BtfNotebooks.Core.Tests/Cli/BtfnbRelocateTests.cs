using BtfNotebooks.Tests.Elf;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Cli;

/// <summary>`btfnb relocate`: the TSV libbpf's decisions are compared in, the text that explains failures, assembly input.</summary>
public class BtfnbRelocateTests
{
    private static string CoreDir => Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "core");

    private static ExternalTool.TempFile CompileCorpus(string program)
    {
        if (ExternalTool.Find(ClangBpf.Clang) is null) Assert.Ignore("clang-19 is not installed");
        return ClangBpf.Compile(File.ReadAllText(Path.Combine(CoreDir, "programs", program + ".c")), "bpf",
            ["-O2", "-g", "-mcpu=v3", "-I" + Path.Combine(CoreDir, "programs")]);
    }

    [Test]
    public void Tsv_rows_are_libbpfs_decisions_for_every_target()
    {
        using var obj = CompileCorpus("kernel");
        string[] kernels = [TestKernels.Local618, TestKernels.Debian61];
        var r = Btfnb.Run(["relocate", obj.Path, .. kernels.SelectMany(k => new[] { "--target", TestKernels.PathOf(k) }), "--format", "tsv"]);
        Assert.That(r.Exit, Is.Zero, r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Is.EqualTo("target\tsection\trelo\tinsn\tkind\tlocal\taccess\tstatus\told\tnew\tinsn_after"));

        var ours = lines.Skip(1).Select(l => l.Split('\t')).ToList();
        int compared = 0;
        foreach (var kernel in kernels)
        {
            var golden = File.ReadAllLines(Path.Combine(CoreDir, "golden", $"kernel.v3.{kernel}.tsv")).Where(l => !l.StartsWith('#')).ToList();
            var header = golden[0].Split('\t');
            var rows = golden.Skip(1).Select(l => header.Zip(l.Split('\t')).ToDictionary(p => p.First, p => p.Second)).ToList();
            var mine = ours.Where(o => o[0] == kernel).ToList(); // targets are named after their file: suffixes stripped
            Assert.That(mine, Has.Count.EqualTo(rows.Count), kernel);
            for (int i = 0; i < rows.Count; i++)
            {
                var g = rows[i];
                string[] expected = [kernel, g["sec"], g["relo"], g["insn"], g["kind"], g["local_type"], g["access"], g["status"], g["old"], g["new"], g["insn_after"]];
                Assert.That(mine[i], Is.EqualTo(expected), $"{kernel} record {i}");
                compared++;
            }
        }
        Assert.That(compared, Is.GreaterThan(20));
        Assert.That(ours.Select(o => o[7]).Distinct(), Is.SupersetOf(new[] { "ok", "poison" }), "the kernels differ in what they have");
    }

    [Test]
    public void Text_explains_each_failure_with_its_candidates()
    {
        using var obj = CompileCorpus("err_ambiguous_offset");
        var r = Btfnb.Run("relocate", obj.Path, "--target", Path.Combine(CoreDir, "targets", "target_ambiguous.btf"));
        Assert.That(r.Exit, Is.Zero, r.Stderr);
        Assert.That(r.Stdout, Does.StartWith("== target_ambiguous:").And.Contain("libbpf would fail the load"));
        Assert.That(r.Stdout, Does.Contain("field offset ambiguity").And.Contain("candidate #0").And.Contain("candidate #1"));
        Assert.That(r.Stdout, Does.Contain("not_reached"));
    }

    [Test]
    public void Assembly_with_core_operands_relocates_against_its_reference_and_others()
    {
        using var src = ExternalTool.Temp("r2 = *(u32 *)(r1 + %core(task_struct.pid))\nr3 = %core_size(task_struct)\nr0 = 0\nexit\n"u8.ToArray(), ".s");
        var r = Btfnb.Run("relocate", src.Path, "--against", TestKernels.PathOf(TestKernels.Local618),
            "--target", $"old={TestKernels.PathOf(TestKernels.Debian61)}", "--target", TestKernels.PathOf(TestKernels.Local618), "--format", "tsv");
        Assert.That(r.Exit, Is.Zero, r.Stderr);
        var rows = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.That(rows.Select(x => (x[0], x[4], x[7])), Is.EqualTo(new[]
        {
            ("old", "byte_off", "ok"), ("old", "type_size", "ok"),
            (TestKernels.Local618, "byte_off", "ok"), (TestKernels.Local618, "type_size", "ok"),
        }));
        var old = TestKernels.Spec(TestKernels.Debian61);
        Assert.That(rows[0][9], Is.EqualTo(old.ResolveField("struct task_struct", "pid").ByteOffset.ToString()));
        Assert.That(rows[2][8], Is.EqualTo(rows[2][9]), "against the reference itself nothing changes");

        var missing = Btfnb.Run("relocate", src.Path, "--target", TestKernels.PathOf(TestKernels.Local618));
        Assert.That(missing.Exit, Is.EqualTo(1));
        Assert.That(missing.Stderr, Does.Contain("--against"));
    }

    [Test]
    public void Matrix_shows_one_column_per_kernel_and_marks_what_differs()
    {
        using var src = ExternalTool.Temp("r2 = *(u32 *)(r1 + %core(task_struct.pid))\nw3 = %core_exists(task_struct.mm_cid)\nr0 = 0\nexit\n"u8.ToArray(), ".s");
        var r = Btfnb.Run("relocate", src.Path, "--against", TestKernels.PathOf(TestKernels.Local618), "--format", "matrix",
            "--target", TestKernels.PathOf(TestKernels.Debian61), "--target", TestKernels.PathOf(TestKernels.Debian612));
        Assert.That(r.Exit, Is.Zero, r.Stderr);
        var pid = r.Stdout.Split('\n').Single(l => l.Contains("task_struct.pid"));
        Assert.That(pid, Does.StartWith("*"));
        Assert.That(pid, Does.Contain(TestKernels.Spec(TestKernels.Debian61).ResolveField("struct task_struct", "pid").ByteOffset.ToString()));
        Assert.That(r.Stdout, Does.Contain($"[1] {TestKernels.Debian61}: loads").And.Contain($"[2] {TestKernels.Debian612}: loads"));
    }

    [Test]
    public void Program_relocates_one_program_with_the_others_not_loaded()
    {
        using var obj = CompileCorpus("pruning");
        string target = Path.Combine(CoreDir, "targets", "target_ambiguous.btf");
        var all = Btfnb.Run("relocate", obj.Path, "--target", target, "--format", "tsv");
        var one = Btfnb.Run("relocate", obj.Path, "--target", target, "--format", "tsv", "--program", "prog_after");
        Assert.That(one.Exit, Is.Zero, one.Stderr);
        var rows = one.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.That(rows, Is.Not.Empty);
        Assert.That(rows.Select(r => r[1]).Distinct(), Is.EqualTo(new[] { "raw_tp/after" }));
        // Without raw_tp/prune loaded first, its candidate pruning does not happen: the same records decide differently.
        var together = all.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains("\traw_tp/after\t")).Select(l => l.Split('\t')[7]);
        Assert.That(rows.Select(r => r[7]), Is.Not.EqualTo(together));

        var unknown = Btfnb.Run("relocate", obj.Path, "--target", target, "--program", "nope");
        Assert.That(unknown.Exit, Is.EqualTo(1));
        Assert.That(unknown.Stderr, Does.Contain("no program 'nope'").And.Contain("prog_after"));
    }

    [Test]
    public void Objects_without_core_records_say_so()
    {
        using var obj = ClangCompileWithoutCore();
        var r = Btfnb.Run("relocate", obj.Path, "--target", TestKernels.PathOf(TestKernels.Local618));
        Assert.That(r.Exit, Is.EqualTo(1));
        Assert.That(r.Stderr, Does.Contain("no .BTF").Or.Contain("no CO-RE"));
    }

    private static ExternalTool.TempFile ClangCompileWithoutCore()
    {
        if (ExternalTool.Find(ClangBpf.Clang) is null) Assert.Ignore("clang-19 is not installed");
        return ClangBpf.Compile("__attribute__((section(\"xdp\"), used)) int f(void *ctx) { return 2; }\nchar LICENSE[] __attribute__((section(\"license\"), used)) = \"GPL\";\n", "bpf", ["-O2"]);
    }
}
