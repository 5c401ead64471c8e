using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BtfNotebooks.Bench;
using BtfNotebooks.Bench.Interpreter;

// dotnet run -c Release --project bench/BtfNotebooks.Bench -- [BenchmarkDotNet args]
//   --libbpf-only   skip BenchmarkDotNet: time single parses and the C harness against libbpf, side by side
//   --vm-quick      skip BenchmarkDotNet: time the interpreter on bench/programs with a Stopwatch, next to the kernel JIT
//   --core-matrix-quick  skip BenchmarkDotNet: time the CO-RE matrix (one object x every kernel) stage by stage
// After a BenchmarkDotNet run of the parse benchmarks the side-by-side figures are printed too, and after one of
// InterpreterBenchmarks the interpreter-speed table (with the kernel JIT measured then).
if (args.Contains("--core-matrix-quick"))
{
    BtfNotebooks.Bench.CoreMatrix.CoreMatrixQuick.Print();
    return;
}
if (args.Contains("--vm-quick"))
{
    InterpreterSpeedTable.Print(p => StopwatchTimer.NsPerRun(p), "Stopwatch, median of 9 batches after warm-up");
    return;
}
bool parse = args.Contains("--libbpf-only");
IEnumerable<Summary> summaries = [];
if (!parse)
{
    summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchData).Assembly).Run(args);
    parse = args.Contains("--filter") && args.Any(a => a.Contains("Parse", StringComparison.OrdinalIgnoreCase) || a == "*");
}
if (parse)
{
    SingleShotTimer.RunAndPrint(BenchData.LocalRawPath());
    LibbpfHarness.RunAndPrint(BenchData.LocalRawPath());
}
var interpreter = InterpreterBenchmarks.Medians(summaries);
if (interpreter.Count > 0)
    InterpreterSpeedTable.Print(p => interpreter.TryGetValue(p.Name, out var ns) ? ns : null, "BenchmarkDotNet median");
