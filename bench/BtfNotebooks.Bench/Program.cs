using BenchmarkDotNet.Running;
using BtfNotebooks.Bench;

// dotnet run -c Release --project bench/BtfNotebooks.Bench -- [BenchmarkDotNet args]
//   --libbpf-only   just run the C harness against libbpf and print its figures
if (args.Contains("--libbpf-only"))
{
    LibbpfHarness.RunAndPrint(BenchData.LocalRawPath());
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(BenchData).Assembly).Run(args);
if (args.Contains("--filter") && args.Any(a => a.Contains("Parse", StringComparison.OrdinalIgnoreCase) || a == "*"))
    LibbpfHarness.RunAndPrint(BenchData.LocalRawPath());
