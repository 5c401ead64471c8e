using BenchmarkDotNet.Attributes;
using BtfNotebooks.Asm;
using BtfNotebooks.Vm;

namespace BtfNotebooks.Bench.VmSpeed;

/// <summary>
/// What a VM costs before its first run: decoding, and with the JIT emitting the IL and the .NET JIT compiling it,
/// for the parser (80 instructions) and for a straight-line program of 4,096 instructions with a branch every 8,
/// about the size of a large tracing program. "first time" gives every operation a program no VM compiled before
/// (the first instruction's immediate changes), so it measures compiling; "again" loads the same program each
/// time, which the JIT finds compiled (VMs running the same code share the method).
/// </summary>
[MinColumn, MedianColumn, MemoryDiagnoser]
public class JitCompileBenchmarks
{
    private Instruction[] _parse = null!, _long = null!;
    private int _variant;

    [Params(VmEngine.Interpreter, VmEngine.Jit)]
    public VmEngine Engine { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _parse = VmBenchCases.Get(VmBenchCases.ParseTcp).Instructions;
        var list = new List<Instruction> { Instruction.Mov64(Register.R0, 0) };
        for (int i = 0; list.Count < 4095; i++)
            list.Add(i % 8 == 7 ? Instruction.Branch(JumpOperation.Jgt, Register.R0, 1 << 30, 1) : Instruction.Alu64(AluOperation.Add, Register.R0, i));
        list.Add(Instruction.Exit());
        _long = [.. list];
    }

    // The same program with a new constant in its first instruction (both programs start with a move of an immediate).
    private Instruction[] Variant(Instruction[] program)
    {
        var copy = (Instruction[])program.Clone();
        copy[0] = copy[0] with { Imm = ++_variant };
        return copy;
    }

    [Benchmark(Description = "parse_tcp (80 insns), first time")]
    public VmEngine TcpSynFirstTime() => new BpfVm(Variant(_parse), new VmOptions { Engine = Engine }).Compile();

    [Benchmark(Description = "parse_tcp (80 insns), again")]
    public VmEngine TcpSynAgain() => new BpfVm(_parse, new VmOptions { Engine = Engine }).Compile();

    [Benchmark(Description = "straight line (4,096 insns), first time")]
    public VmEngine LongFirstTime() => new BpfVm(Variant(_long), new VmOptions { Engine = Engine }).Compile();
}
