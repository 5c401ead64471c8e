using System.Diagnostics;
using BtfNotebooks.Btf;

namespace BtfNotebooks.Bench;

/// <summary>
/// Times single parses exactly as bench/libbpf/btf_parse_bench.c times libbpf (best and median of N one-shot
/// runs), so the two lines printed together compare the same statistic. BenchmarkDotNet's table above reports
/// means over batches of operations, GC included.
/// </summary>
public static class SingleShotTimer
{
    public static void RunAndPrint(string rawBtf, int runs = 300)
    {
        var bytes = File.ReadAllBytes(rawBtf);
        for (int i = 0; i < 20; i++) BtfSpec.Parse(bytes); // warm up the thread pool and caches
        var inMemory = Time(runs, () => BtfSpec.Parse(bytes, null, "bench"));
        var fromFile = Time(runs, () => BtfSpec.Parse(File.ReadAllBytes(rawBtf), null, "bench"));
        Console.WriteLine();
        Console.WriteLine($"BtfSpec.Parse, {runs} single runs (ms):   best   median");
        Console.WriteLine($"  {"parse (bytes in memory)",-30} {inMemory.Best,7:F3} {inMemory.Median,8:F3}");
        Console.WriteLine($"  {"read file + parse",-30} {fromFile.Best,7:F3} {fromFile.Median,8:F3}");
    }

    private static (double Best, double Median) Time(int runs, Action action)
    {
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return (times[0], times[runs / 2]);
    }
}
