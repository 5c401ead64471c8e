using BenchmarkDotNet.Attributes;
using BtfNotebooks.CoRe.Matrix;
using RelocationMatrix = BtfNotebooks.CoRe.Matrix.CoreMatrix;

namespace BtfNotebooks.Bench.CoreMatrix;

/// <summary>
/// Issue 4 §2's target, "loading 34 kernels and relocating a 30-record program against all of them takes under
/// 1 s", split into the stages that could make or break it: (a) relocation only, kernels already parsed;
/// (b) parse the raw BTF bytes in memory, then relocate; (c) end to end from the .btf.xz files (read, xz
/// decompression, parse, relocate); and xz decompression alone, to show how much of (c) it is.
/// Run with <c>-- --filter '*CoreMatrix*'</c>. (No "Parse" in these names: '*Parse*' selects the BTF parse benchmarks.)
/// </summary>
// (c) takes seconds per operation: a fixed, small number of iterations keeps the whole run to a couple of minutes
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[MinColumn, MedianColumn, MaxColumn]
public class CoreMatrixBenchmarks
{
    private CoreMatrixBenchData _data = null!;

    private BtfNotebooks.Btf.Containers.BtfBlobCache _cache = null!;

    [GlobalCleanup]
    public void Cleanup()
    {
        if (Directory.Exists(_cache.Directory)) Directory.Delete(_cache.Directory, recursive: true);
    }

    [GlobalSetup]
    public void Setup()
    {
        _data = CoreMatrixBenchData.Load();
        // A private blob cache, filled here, so (d) measures what every btfnb run after a kernel's first one does.
        _cache = new BtfNotebooks.Btf.Containers.BtfBlobCache(Path.Combine(Path.GetTempPath(), $"btfnb-bench-cache-{Environment.ProcessId}"));
        CoreMatrixTargetLoader.Load(_data.Files, cache: _cache);
        Console.WriteLine($"// core matrix: {_data.Records.Count} records x {_data.Label}");
    }

    [Benchmark(Description = "(a) relocate, kernels parsed")]
    public RelocationMatrix RelocateOnly() => RelocationMatrix.Build(_data.Local, _data.Records, _data.Programs, _data.Targets);

    [Benchmark(Description = "(b) raw bytes -> BTF + relocate")]
    public RelocationMatrix FromRawBytes() => RelocationMatrix.Build(_data.Local, _data.Records, _data.Programs, _data.ParseRaw());

    [Benchmark(Description = "(c) .btf.xz files -> relocate")]
    public RelocationMatrix FromXzFiles() =>
        RelocationMatrix.Build(_data.Local, _data.Records, _data.Programs, CoreMatrixTargetLoader.Load(_data.Files));

    [Benchmark(Description = "(d) .btf.xz files, blob cache warm -> relocate")]
    public RelocationMatrix FromXzFilesCached() =>
        RelocationMatrix.Build(_data.Local, _data.Records, _data.Programs, CoreMatrixTargetLoader.Load(_data.Files, cache: _cache));

    [Benchmark(Description = "xz decompression only")]
    public long XzDecompression() => _data.Decompress();
}
