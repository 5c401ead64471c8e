using System.Diagnostics;

namespace BtfNotebooks.Bench.VmSpeed;

/// <summary>
/// The quick mode's timing (--vm-quick): warm up, then batches of runs timed with a Stopwatch, median batch kept.
/// Coarser than BenchmarkDotNet (no pilot stage, no outlier analysis, no separate process) but a few seconds per program.
/// </summary>
public static class StopwatchTimer
{
    private const int Batches = 9;
    private static readonly TimeSpan WarmUp = TimeSpan.FromMilliseconds(500), Batch = TimeSpan.FromMilliseconds(150);

    /// <summary>Median ns per <c>vm.Run</c> of <paramref name="program"/> in <paramref name="engine"/>.</summary>
    public static double NsPerRun(VmBenchCase program, BtfNotebooks.Vm.VmEngine engine)
    {
        var (vm, r1) = program.NewVm(engine);
        // Warm-up lets tiered compilation and the caches settle, and tells how many runs fill one batch.
        long warmRuns = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < WarmUp) { vm.Run(r1); warmRuns++; }
        int perBatch = (int)Math.Clamp(warmRuns * (Batch / sw.Elapsed), 1, int.MaxValue);

        var nsPerRun = new double[Batches];
        for (int b = 0; b < Batches; b++)
        {
            // BpfVm.TimeRuns' loop is compiled fully optimized; a loop here would run as tier-0/OSR code.
            nsPerRun[b] = vm.TimeRuns(perBatch, r1).TotalNanoseconds / perBatch;
        }
        Array.Sort(nsPerRun);
        return nsPerRun[Batches / 2];
    }
}
