using System.Text.Json;
using BtfNotebooks.Btf;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Cli;

public class BtfnbCommandTests
{
    [Test]
    public void DumpOfACompressedKernelEqualsTheLibraryDump()
    {
        var r = Btfnb.Run("btf", "dump", Btfnb.Kernel(TestKernels.Debian612Arm));
        Assert.That(r.Exit, Is.Zero, r.Stderr);
        Assert.That(r.Stdout, Is.EqualTo(BtfRawDump.ToText(TestKernels.Spec(TestKernels.Debian612Arm))));
    }

    [Test]
    public void DumpOfAModuleOnItsBase()
    {
        var r = Btfnb.Run("btf", "dump", Btfnb.Kernel(TestKernels.NfConntrack61), "--base", Btfnb.Kernel(TestKernels.Debian61));
        Assert.That(r.Exit, Is.Zero, r.Stderr);
        Assert.That(r.Stdout, Does.StartWith("[100751] STRUCT 'file_system_type' size=72 vlen=17\n"));
        Assert.That(r.Stdout, Is.EqualTo(BtfRawDump.ToText(TestKernels.Spec(TestKernels.NfConntrack61))));
    }

    [Test]
    public void DumpAsCHeader()
    {
        var r = Btfnb.Run("btf", "dump", Btfnb.Kernel(TestKernels.Local618), "--format", "c");
        Assert.That(r.Exit, Is.Zero, r.Stderr);
        Assert.That(r.Stdout, Does.StartWith("#ifndef __VMLINUX_H__"));
        Assert.That(r.Stdout, Does.Contain("struct task_struct {"));
    }

    [Test]
    public void LayoutAsTextAndJson()
    {
        var text = Btfnb.Run("btf", "layout", Btfnb.Kernel(TestKernels.Local618), "task_struct");
        Assert.That(text.Exit, Is.Zero, text.Stderr);
        Assert.That(text.Stdout, Does.StartWith("struct task_struct {").And.Contain("/* size: 3264, cachelines: 51"));

        var json = Btfnb.Run("btf", "layout", Btfnb.Kernel(TestKernels.Local618), "struct mm_struct", "--json");
        Assert.That(json.Exit, Is.Zero, json.Stderr);
        using var doc = JsonDocument.Parse(json.Stdout);
        var root = doc.RootElement;
        Assert.That(root.GetProperty("size").GetInt64(), Is.EqualTo(1472));
        var arg = root.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("path").GetString() == "arg_start");
        Assert.That(arg.GetProperty("offset_bits").GetInt64(), Is.EqualTo(480 * 8));
        Assert.That(arg.GetProperty("size_bits").GetInt64(), Is.EqualTo(64));
        Assert.That(arg.GetProperty("bitfield").GetBoolean(), Is.False);
        Assert.That(root.TryGetProperty("holes", out _) && root.TryGetProperty("padding", out _), Is.True);
    }

    [Test]
    public void StatsCountsKindsAndTimesTheParse()
    {
        var r = Btfnb.Run("btf", "stats", Btfnb.Kernel(TestKernels.S390));
        Assert.That(r.Exit, Is.Zero, r.Stderr);
        Assert.That(r.Stdout, Does.Contain("types:          77392 (IDs 1..77392)").And.Contain("big-endian").And.Contain("parse+index:"));
        Assert.That(r.Stdout, Does.Match(@"STRUCT\s+\d+"));
    }

    [Test]
    public void DriftReproducesTheShippedDriftTsv()
    {
        var expected = File.ReadAllText(Path.Combine(TestKernels.DataDir, "DRIFT.tsv"));
        var lines = expected.TrimEnd('\n').Split('\n');
        var fields = lines[0].Split('\t')[1..];
        var kernels = lines[1..].SelectMany(l => new[] { "--kernel", Path.Combine(TestKernels.DataDir, l.Split('\t')[0]) });
        var r = Btfnb.Run(["drift", .. fields, .. kernels, "--tsv"]);
        Assert.That(r.Exit, Is.Zero, r.Stderr);
        Assert.That(r.Stdout, Is.EqualTo(expected));
        Assert.That(r.Stderr, Does.Contain("drift: [1/"), "progress on stderr for a multi-kernel run");
    }

    [Test]
    public void DriftReproducesEveryRowOfTheSharedDriftTsv()
    {
        var dir = TestKernels.SharedDir ?? throw new IgnoreException("../shared/kernels is not present");
        var expected = File.ReadAllText(Path.Combine(dir, "DRIFT.tsv"));
        var lines = expected.TrimEnd('\n').Split('\n');
        Assert.That(lines, Has.Length.GreaterThan(20));
        var kernels = lines[1..].SelectMany(l => new[] { "--kernel", Path.Combine(dir, l.Split('\t')[0]) });
        var r = Btfnb.Run(["drift", .. lines[0].Split('\t')[1..], .. kernels, "--tsv"]);
        Assert.That(r.Exit, Is.Zero, r.Stderr);
        Assert.That(r.Stdout, Is.EqualTo(expected));
    }

    [Test]
    public void DriftNamesRowsAndShowsBitfieldsAndAbsentFields()
    {
        var r = Btfnb.Run("drift", "sk_buff.cloned", "task_struct.pid", "file.f_path.dentry", "sizeof:mm_struct", "mm_struct.max_nr_cid",
            "--kernel", "6.18=" + Btfnb.Kernel(TestKernels.Local618), "--kernel", "6.1=" + Btfnb.Kernel(TestKernels.Debian61), "--tsv");
        Assert.That(r.Exit, Is.Zero, r.Stderr);
        var rows = r.Stdout.TrimEnd('\n').Split('\n');
        Assert.That(rows[0], Is.EqualTo("file\tsk_buff.cloned\ttask_struct.pid\tfile.f_path.dentry\tsizeof:mm_struct\tmm_struct.max_nr_cid"));
        Assert.That(rows[1], Does.StartWith("6.18\t1008:1\t1264\t72\t1472\t"));
        Assert.That(rows[2], Does.StartWith("6.1\t"));
        Assert.That(rows[2], Does.EndWith("\t-"), "6.1 has no max_nr_cid");
    }

    [Test]
    public void DriftPrintsAnAlignedTableByDefault()
    {
        var r = Btfnb.Run("drift", "task_struct.pid", "sizeof:task_struct",
            "--kernel", "6.18=" + Btfnb.Kernel(TestKernels.Local618), "--kernel", "6.1=" + Btfnb.Kernel(TestKernels.Debian61));
        Assert.That(r.Exit, Is.Zero, r.Stderr);
        Assert.That(r.Stdout, Is.EqualTo(
            "kernel  task_struct.pid  sizeof:task_struct\n" +
            "6.18               1264                3264\n" +
            "6.1                2416                9792\n"));
    }

    [Test]
    public void DriftWritesHtml()
    {
        var path = Path.Combine(Path.GetTempPath(), $"btfnb-drift-{Guid.NewGuid():N}.html");
        try
        {
            var r = Btfnb.Run("drift", "task_struct.pid", "--kernel", Btfnb.Kernel(TestKernels.Local618), "--kernel", Btfnb.Kernel(TestKernels.Debian61), "--html", path);
            Assert.That(r.Exit, Is.Zero, r.Stderr);
            var html = File.ReadAllText(path);
            Assert.That(html, Does.Contain("<table>").And.Contain(">1264</td>").And.Contain("class=\"moved\""));
        }
        finally { File.Delete(path); }
    }

    [TestCase(new[] { "btf", "dump", "/no/such/file.btf" }, "does not exist")]
    [TestCase(new[] { "btf", "layout", "@local", "no_such_struct" }, "no type 'no_such_struct'")]
    [TestCase(new[] { "btf", "layout", "@local", "u32" }, "not a struct or union")]
    [TestCase(new[] { "btf", "dump", "@module", "--base", "@local" }, "base BTF does not fit")]
    [TestCase(new[] { "drift", "task_struct.no_such_member", "--kernel", "@local" }, "exists in none of the 1 kernels: struct task_struct has no member 'no_such_member'")]
    [TestCase(new[] { "drift", "task_struct", "--kernel", "@local" }, "bad field 'task_struct'")]
    [TestCase(new[] { "drift", "task_struct.pid", "--kernel", "=x" }, "bad --kernel '=x'")]
    [TestCase(new[] { "btf", "stats", "@readme" }, "not BTF")]
    public void UserErrorsAreOneLineOnStderrAndExitOne(string[] args, string message)
    {
        var resolved = args.Select(a => a switch
        {
            "@local" => Btfnb.Kernel(TestKernels.Local618),
            "@module" => Btfnb.Kernel(TestKernels.NfConntrack61),
            "@readme" => Path.Combine(TestKernels.RepoRoot, "README.md"),
            _ => a,
        }).ToArray();
        var r = Btfnb.Run(resolved);
        Assert.That(r.Exit, Is.EqualTo(1));
        Assert.That(r.Stderr, Does.StartWith("btfnb: error: ").And.Contain(message));
        Assert.That(r.Stderr.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1), r.Stderr);
        Assert.That(r.Stdout, Is.Empty);
    }
}
