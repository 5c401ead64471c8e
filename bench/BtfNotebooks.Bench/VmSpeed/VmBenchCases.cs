using BtfNotebooks.Elf;

namespace BtfNotebooks.Bench.VmSpeed;

/// <summary>The three programs of the VM speed table, compiled once per process.</summary>
public static class VmBenchCases
{
    public const string AluLoop = "alu_loop", Fnv1a = "fnv1a", ParseTcp = "parse_tcp";

    /// <summary>Instructions alu_loop should execute per run; the packet's iteration count is derived from it.</summary>
    public const long AluLoopTargetInstructions = 400_000;

    public const int Fnv1aPasses = 32;

    private static readonly Lazy<IReadOnlyList<VmBenchCase>> LazyAll = new(Build);

    public static IReadOnlyList<VmBenchCase> All => LazyAll.Value;

    public static VmBenchCase Get(string name) => All.Single(c => c.Name == name);

    // KernelRepeat makes one bpftool measurement last about 0.1-0.3 s; uBPF ratios are the ones the brief quotes for
    // its interpreter against the kernel JIT on a loop, FNV-1a and a header parser.
    private static IReadOnlyList<VmBenchCase> Build()
    {
        var alu = Case(AluLoop, [], 2_000, 54);
        return
        [
            alu with { Packet = BenchPackets.AluLoop(AluIterations(alu)) },
            Case(Fnv1a, BenchPackets.Fnv1a(Fnv1aPasses), 2_000, 30),
            Case(ParseTcp, BenchPackets.TcpSyn(), 100_000, 14),
        ];
    }

    private static VmBenchCase Case(string name, byte[] packet, int kernelRepeat, double ubpfRatio)
    {
        var objectPath = BenchProgramCompiler.Compile(name);
        var instructions = BpfObjectFile.Load(objectPath).LinkProgram(name);
        return new VmBenchCase(name, objectPath, instructions, packet, kernelRepeat, ubpfRatio);
    }

    // Instructions per iteration depend on what clang makes of the loop, so measure them (two runs of the VM) instead
    // of hard-coding a count that only fits today's compiler.
    private static int AluIterations(VmBenchCase alu)
    {
        long At(int n) => (alu with { Packet = BenchPackets.AluLoop(n) }).RunOnce().InstructionsExecuted;
        long one = At(1000), two = At(2000);
        long perIteration = (two - one) / 1000, fixedPart = one - 1000 * perIteration;
        return (int)Math.Round((double)(AluLoopTargetInstructions - fixedPart) / perIteration);
    }
}
