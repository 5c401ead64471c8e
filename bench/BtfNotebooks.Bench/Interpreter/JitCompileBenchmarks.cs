using BenchmarkDotNet.Attributes;
using BtfNotebooks.Asm;
using BtfNotebooks.Vm;

namespace BtfNotebooks.Bench.Interpreter;

/// <summary>
/// What choosing the JIT costs before the first run: decoding, emitting the IL and the .NET JIT compiling it (the
/// interpreter pays only the decoding), for the parser (80 instructions) and for a long straight-line program of
/// 4,096 instructions with a branch every 8, about the size of a large tracing program.
/// </summary>
[MinColumn, MedianColumn, MemoryDiagnoser]
public class JitCompileBenchmarks
{
    private Instruction[] _parse = null!, _long = null!;

    [Params(VmEngine.Interpreter, VmEngine.Jit)]
    public VmEngine Engine { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _parse = InterpreterCases.Get(InterpreterCases.ParseTcp).Instructions;
        var list = new List<Instruction> { Instruction.Mov64(Register.R0, 0) };
        for (int i = 0; list.Count < 4095; i++)
        {
            list.Add(i % 8 == 7 ? Instruction.Branch(JumpOperation.Jgt, Register.R0, 1 << 30, 1) : Instruction.Alu64(AluOperation.Add, Register.R0, i));
        }
        list.Add(Instruction.Exit());
        _long = [.. list];
    }

    [Benchmark(Description = "parse_tcp (80 insns)")]
    public VmEngine TcpSynProgram() => new BpfVm(_parse, new VmOptions { Engine = Engine }).Compile();

    [Benchmark(Description = "straight line (4,096 insns)")]
    public VmEngine Long() => new BpfVm(_long, new VmOptions { Engine = Engine }).Compile();
}
