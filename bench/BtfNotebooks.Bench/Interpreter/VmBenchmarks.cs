using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Reports;
using BtfNotebooks.Vm;

namespace BtfNotebooks.Bench.Interpreter;

/// <summary>
/// BpfVm.Run on the three bench/programs, one benchmark each. Compiling, linking, decoding and mapping the packet
/// happen in GlobalSetup, so an operation is exactly one run (its 512-byte stack clear included, as every run
/// pays it). After the run Program.cs prints <see cref="InterpreterSpeedTable"/> from these medians.
/// </summary>
[MinColumn, MedianColumn]
public class InterpreterBenchmarks
{
    private BpfVm _alu = null!, _fnv = null!, _parse = null!;
    private ulong _aluR1, _fnvR1, _parseR1;

    [GlobalSetup]
    public void Setup()
    {
        (_alu, _aluR1) = InterpreterCases.Get(InterpreterCases.AluLoop).NewVm();
        (_fnv, _fnvR1) = InterpreterCases.Get(InterpreterCases.Fnv1a).NewVm();
        (_parse, _parseR1) = InterpreterCases.Get(InterpreterCases.ParseTcp).NewVm();
    }

    [Benchmark(Description = InterpreterCases.AluLoop)]
    public ulong AluLoop() => _alu.Run(_aluR1).R0;

    [Benchmark(Description = InterpreterCases.Fnv1a)]
    public ulong Fnv1a() => _fnv.Run(_fnvR1).R0;

    // Not "ParseTcp": the README's --filter '*Parse*' selects the BTF parse benchmarks by method name.
    [Benchmark(Description = InterpreterCases.ParseTcp)]
    public ulong TcpSynHeaders() => _parse.Run(_parseR1).R0;

    /// <summary>Median ns per operation of each program these benchmarks measured in <paramref name="summaries"/>.</summary>
    public static Dictionary<string, double> Medians(IEnumerable<Summary> summaries) =>
        summaries.SelectMany(s => s.Reports)
            .Where(r => r.BenchmarkCase.Descriptor.Type == typeof(InterpreterBenchmarks) && r.ResultStatistics is not null)
            .ToDictionary(r => r.BenchmarkCase.Descriptor.WorkloadMethod.GetCustomAttributes(typeof(BenchmarkAttribute), false)
                                  .Cast<BenchmarkAttribute>().Single().Description!,
                          r => r.ResultStatistics!.Median);
}
