using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BtfNotebooks.Bench;
using BtfNotebooks.Bench.VmSpeed;

// dotnet run -c Release --project bench/BtfNotebooks.Bench -- [BenchmarkDotNet args]
//   --libbpf-only   skip BenchmarkDotNet: time single parses and the C harness against libbpf, side by side
//   --vm-quick      skip BenchmarkDotNet: time the interpreter and the JIT on bench/programs with a Stopwatch, next to the kernel JIT
//   --core-matrix-quick  skip BenchmarkDotNet: time the CO-RE matrix (one object x every kernel) stage by stage
//   --kernel-inputs DIR  write what bench/kernel-side runs in the kernel: per program NAME.o, NAME.pkt, NAME.repeat
// After a BenchmarkDotNet run of the parse benchmarks the side-by-side figures are printed too, and after one of
// VmBenchmarks the VM speed table (with the kernel JIT measured then).
if (Array.IndexOf(args, "--kernel-inputs") is int at and >= 0)
{
    var dir = Directory.CreateDirectory(at + 1 < args.Length ? args[at + 1] : throw new ArgumentException("--kernel-inputs DIR")).FullName;
    foreach (var program in VmBenchCases.All)
    {
        File.Copy(program.ObjectPath, Path.Combine(dir, program.Name + ".o"), overwrite: true);
        File.WriteAllBytes(Path.Combine(dir, program.Name + ".pkt"), program.Packet);
        File.WriteAllText(Path.Combine(dir, program.Name + ".repeat"), program.KernelRepeat + "\n");
        // What the VM says the run does, for the script to check the kernel against.
        var run = program.RunOnce();
        File.WriteAllText(Path.Combine(dir, program.Name + ".expected"), $"{(uint)run.R0} {run.InstructionsExecuted}\n");
    }
    Console.WriteLine(dir);
    return;
}
if (args.Contains("--core-matrix-quick"))
{
    BtfNotebooks.Bench.CoreMatrix.CoreMatrixQuick.Print();
    return;
}
if (args.Contains("--vm-quick"))
{
    VmSpeedTable.Print((p, engine) => StopwatchTimer.NsPerRun(p, engine), "Stopwatch, median of 9 batches after warm-up");
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
var vm = VmBenchmarks.Medians(summaries);
if (vm.Count > 0)
    VmSpeedTable.Print((p, engine) => vm.TryGetValue((p.Name, engine), out var ns) ? ns : null, "BenchmarkDotNet median");
