using BenchmarkDotNet.Running;
using BtfNotebooks.Bench;

// dotnet run -c Release --project bench/BtfNotebooks.Bench -- [BenchmarkDotNet args]
//   --libbpf-only   skip BenchmarkDotNet: time single parses and the C harness against libbpf, side by side
// After a BenchmarkDotNet run of the parse benchmarks the side-by-side figures are printed too.
bool parse = args.Contains("--libbpf-only");
if (!parse)
{
    BenchmarkSwitcher.FromAssembly(typeof(BenchData).Assembly).Run(args);
    parse = args.Contains("--filter") && args.Any(a => a.Contains("Parse", StringComparison.OrdinalIgnoreCase) || a == "*");
}
if (parse)
{
    SingleShotTimer.RunAndPrint(BenchData.LocalRawPath());
    LibbpfHarness.RunAndPrint(BenchData.LocalRawPath());
}
