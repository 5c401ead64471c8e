using System.Diagnostics;
using BtfNotebooks.CoRe.Matrix;
using RelocationMatrix = BtfNotebooks.CoRe.Matrix.CoreMatrix;

namespace BtfNotebooks.Bench.CoreMatrix;

/// <summary>
/// The quick mode of <see cref="CoreMatrixBenchmarks"/>: each stage run a few times with a Stopwatch after one
/// warm-up run, median and best printed with the machine's load average, in well under a minute. Coarser than
/// BenchmarkDotNet (same process, no outlier analysis), but the stages differ by orders of magnitude.
/// </summary>
public static class CoreMatrixQuick
{
    private const double TargetSeconds = 1.0;

    public static void Print(int runs = 5)
    {
        var setup = Stopwatch.StartNew();
        var data = CoreMatrixBenchData.Load();
        Console.WriteLine($"CO-RE relocation matrix: bench/programs/core_matrix.c ({data.Records.Count} records, {data.Programs.Count} programs) x {data.Label}");
        Console.WriteLine($"setup (compile, read, decompress and parse once): {setup.Elapsed.TotalSeconds:F1} s; {Environment.ProcessorCount} cores; load average before: {LoadAverage()}");

        var matrix = RelocationMatrix.Build(data.Local, data.Records, data.Programs, data.Targets);
        Console.WriteLine($"matrix: {matrix.Rows.Count} x {matrix.Targets.Count}, {matrix.Succeeded.Count(ok => ok)} targets load, " +
                          $"{matrix.Rows.Count(r => !r.IsUniform)} records differ between targets, {matrix.Rows.Sum(r => r.Cells.Count(c => c.Status == BtfNotebooks.CoRe.CoreRelocationStatus.Poison))} poisoned cells");
        Console.WriteLine();
        Console.WriteLine($"| stage | median | best | under {TargetSeconds:0} s? |");
        Console.WriteLine("|---|---:|---:|---|");
        Row("(a) relocate only, kernels parsed", runs * 4, () => RelocationMatrix.Build(data.Local, data.Records, data.Programs, data.Targets));
        Row("(b) parse raw bytes in memory + relocate", runs, () => RelocationMatrix.Build(data.Local, data.Records, data.Programs, data.ParseRaw()));
        Row("(c) end to end from .btf.xz files", runs, () => RelocationMatrix.Build(data.Local, data.Records, data.Programs, CoreMatrixTargetLoader.Load(data.Files)));
        // The blob cache keeps each kernel's raw BTF after its first extraction (btfnb uses ~/.cache/btfnb): the
        // warm-up run fills it, the timed runs load from it as every later btfnb run would.
        var cache = new BtfNotebooks.Btf.Containers.BtfBlobCache(Path.Combine(Path.GetTempPath(), $"btfnb-bench-cache-{Environment.ProcessId}"));
        Row("(d) end to end from .btf.xz files, blob cache warm", runs, () => RelocationMatrix.Build(data.Local, data.Records, data.Programs, CoreMatrixTargetLoader.Load(data.Files, cache: cache)));
        Directory.Delete(cache.Directory, recursive: true);
        Row("xz decompression only (in memory)", runs, () => data.Decompress());
        Row("(c) single-threaded (1 core)", Math.Max(3, runs / 2), () =>
            RelocationMatrix.Build(data.Local, data.Records, data.Programs, CoreMatrixTargetLoader.Load(data.Files, maxParallelism: 1), maxParallelism: 1));
        Console.WriteLine($"load average after: {LoadAverage()}");
    }

    private static void Row(string stage, int runs, Func<object> work)
    {
        GC.KeepAlive(work());   // warm-up: JIT, liblzma loaded, caches
        var seconds = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            // a full collection between runs, so one run does not pay for the previous run's garbage
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var sw = Stopwatch.StartNew();
            GC.KeepAlive(work());
            seconds[i] = sw.Elapsed.TotalSeconds;
        }
        Array.Sort(seconds);
        double median = seconds[runs / 2];
        Console.WriteLine($"| {stage} | {Format(median)} | {Format(seconds[0])} | {(median < TargetSeconds ? "yes" : "no")} |");
    }

    private static string Format(double seconds) => seconds < 1 ? $"{seconds * 1000:F1} ms" : $"{seconds:F2} s";

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
