using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Reports;
using BtfNotebooks.Vm;

namespace BtfNotebooks.Bench.VmSpeed;

/// <summary>
/// BpfVm.Run on the three bench/programs, one benchmark each, in each engine (the interpreter and the JIT).
/// Compiling, linking, decoding (or JIT-compiling) and mapping the packet happen in GlobalSetup, so an operation is
/// exactly one run (its stack clear included, as every run pays it). After the run Program.cs prints
/// <see cref="VmSpeedTable"/> from these medians, next to the kernel JIT measured then.
/// </summary>
[MinColumn, MedianColumn]
public class VmBenchmarks
{
    private BpfVm _alu = null!, _fnv = null!, _parse = null!;
    private ulong _aluR1, _fnvR1, _parseR1;

    [Params(VmEngine.Interpreter, VmEngine.Jit)]
    public VmEngine Engine { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_alu, _aluR1) = VmBenchCases.Get(VmBenchCases.AluLoop).NewVm(Engine);
        (_fnv, _fnvR1) = VmBenchCases.Get(VmBenchCases.Fnv1a).NewVm(Engine);
        (_parse, _parseR1) = VmBenchCases.Get(VmBenchCases.ParseTcp).NewVm(Engine);
    }

    [Benchmark(Description = VmBenchCases.AluLoop)]
    public ulong AluLoop() => _alu.Run(_aluR1).R0;

    [Benchmark(Description = VmBenchCases.Fnv1a)]
    public ulong Fnv1a() => _fnv.Run(_fnvR1).R0;

    // Not "ParseTcp": the README's --filter '*Parse*' selects the BTF parse benchmarks by method name.
    [Benchmark(Description = VmBenchCases.ParseTcp)]
    public ulong TcpSynHeaders() => _parse.Run(_parseR1).R0;

    /// <summary>Median ns per operation of each (program, engine) these benchmarks measured in <paramref name="summaries"/>.</summary>
    public static Dictionary<(string Program, VmEngine Engine), double> Medians(IEnumerable<Summary> summaries) =>
        summaries.SelectMany(s => s.Reports)
            .Where(r => r.BenchmarkCase.Descriptor.Type == typeof(VmBenchmarks) && r.ResultStatistics is not null)
            .ToDictionary(r => (r.BenchmarkCase.Descriptor.WorkloadMethod.GetCustomAttributes(typeof(BenchmarkAttribute), false)
                                   .Cast<BenchmarkAttribute>().Single().Description!,
                                (VmEngine)r.BenchmarkCase.Parameters["Engine"]),
                          r => r.ResultStatistics!.Median);
}
