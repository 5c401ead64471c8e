using BtfNotebooks.Tests.Cli;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Vm;

/// <summary><c>btfnb run --trace</c>, as a script or a person uses it: the table after the result, the limit, the TSV
/// form, and the trace of a faulting run before its error.</summary>
public class TraceCliTests
{
    private static ExternalTool.TempFile Source(string text) => ExternalTool.Temp(System.Text.Encoding.UTF8.GetBytes(text), ".s");

    [Test]
    public void Trace_prints_a_table_after_the_result()
    {
        using var src = Source("r0 = r2\nif r0 > 5 goto +1\nr0 = 1\nr0 += 37\nexit\n");
        using var data = ExternalTool.Temp(new byte[10], ".bin");
        var r = Btfnb.Run("run", src.Path, "--data", data.Path, "--trace");
        Assert.That(r.Exit, Is.Zero, r.Stderr);
        var lines = r.Stdout.Split('\n');
        int result = Array.FindIndex(lines, l => l.StartsWith("r0 = 47 (0x2f)", StringComparison.Ordinal));
        int header = Array.FindIndex(lines, l => l.StartsWith("step  frame  slot  instruction", StringComparison.Ordinal));
        Assert.That(result, Is.GreaterThanOrEqualTo(0), r.Stdout);
        Assert.That(header, Is.GreaterThan(result), "the table follows the result");
        Assert.That(lines[header - 1], Does.StartWith("entry: r1 = 0x").And.Contain("r2 = 0xa"));
        Assert.That(lines[header + 1], Does.Match(@"^\s+1\s+0\s+0  r0 = r2\s+r0 = 0xa$"));
        Assert.That(lines[header + 2], Does.Match(@"^\s+2\s+0\s+1  if r0 > 0x5 goto \+0x1\s+taken -> 3$"));
        Assert.That(lines[header + 3], Does.Match(@"^\s+3\s+0\s+3  r0 \+= 0x25\s+r0 = 0x2f$"));
        Assert.That(lines[header + 4], Does.Match(@"^\s+4\s+0\s+4  exit$"));
        Assert.That(r.Stdout, Does.Contain("instructions executed: 4"));
    }

    [Test]
    public void Trace_limit_cuts_the_table_and_says_so()
    {
        using var src = Source("r0 = 0\nr1 = 50\nr0 += r1\nr1 += -1\nif r1 != 0 goto -3\nexit\n");
        var r = Btfnb.Run("run", src.Path, "--trace", "--trace-limit", "5");
        Assert.That(r.Exit, Is.Zero, r.Stderr);
        Assert.That(r.Stdout, Does.Contain("r0 = 1275 (0x4fb)"));
        var rows = r.Stdout.Split('\n').SkipWhile(l => !l.StartsWith("step ", StringComparison.Ordinal)).Skip(1).Where(l => l.Length > 0).ToList();
        Assert.That(rows, Has.Count.EqualTo(6), r.Stdout);
        Assert.That(rows[^1], Is.EqualTo("... 148 more steps not recorded (limit 5)"));
        var bad = Btfnb.Run("run", src.Path, "--trace", "--trace-limit", "-1");
        Assert.That(bad.Exit, Is.EqualTo(1));
        Assert.That(bad.Stderr, Does.Contain("--trace-limit"));
    }

    [Test]
    public void Tsv_with_trace_keeps_the_result_rows_and_adds_a_trace_table()
    {
        using var src = Source("r0 = 2\nr0 *= 21\nexit\n");
        var r = Btfnb.Run("run", src.Path, "--format", "tsv", "--trace");
        Assert.That(r.Exit, Is.Zero, r.Stderr);
        var blocks = r.Stdout.Split("\n\n");
        Assert.That(blocks, Has.Length.EqualTo(2), r.Stdout);
        var result = blocks[0].Split('\n');
        Assert.That(result[0], Is.EqualTo("engine\tr0\truns\tns_per_run\tinsns_per_run"));
        Assert.That(result[1], Does.StartWith("interpreter\t42\t1\t"));
        Assert.That(blocks[1].TrimEnd('\n').Split('\n'), Is.EqualTo(new[]
        {
            TraceTable.TsvHeader,
            "1\t0\t0\tr0 = 0x2\tr0 = 0x2",
            "2\t0\t1\tr0 *= 0x15\tr0 = 0x2a",
            "3\t0\t2\texit\t",
        }));
        // Without --trace the TSV output is the one row it always was.
        Assert.That(Btfnb.Run("run", src.Path, "--format", "tsv").Stdout.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(2));
    }

    [Test]
    public void A_faulting_run_prints_its_trace_then_the_error()
    {
        using var src = Source("r3 = 7\n*(u64 *)(r10 - 8) = r3\nr0 = *(u64 *)(r1 + 60)\nexit\n");
        var r = Btfnb.Run("run", src.Path, "--trace");
        Assert.That(r.Exit, Is.EqualTo(1));
        Assert.That(r.Stderr, Does.Contain("instruction 2").And.Contain("packet").And.Contain("8 byte"));
        var lines = r.Stdout.TrimEnd('\n').Split('\n');
        Assert.That(lines[^3], Does.Match(@"^\s+1\s+0\s+0  r3 = 0x7\s+r3 = 0x7$"));
        Assert.That(lines[^2], Does.Match(@"^\s+2\s+0\s+1  \*\(u64 \*\)\(r10 - 0x8\) = r3\s+\*\(u64 \*\)0x1000001f8 = 0x7 \(stack\+504\)$"));
        Assert.That(lines[^1], Does.Match(@"^\s+3\s+0\s+2  r0 = \*\(u64 \*\)\(r1 \+ 0x3c\)\s+fault: read of 8 byte\(s\)"));
    }
}
