using BtfNotebooks.Asm;
using BtfNotebooks.Vm;

namespace BtfNotebooks.Bench.VmSpeed;

/// <summary>
/// One program of the VM speed table: the compiled object (for the kernel), its linked instructions (for
/// the VM), the packet both run on, how many runs one bpftool measurement averages, and uBPF's interpreter/JIT ratio
/// on the same kind of program, quoted for reference.
/// </summary>
public sealed record VmBenchCase(string Name, string ObjectPath, Instruction[] Instructions, byte[] Packet, int KernelRepeat, double UbpfRatio)
{
    // The loops are far beyond the 1M default; may_goto's own budget (8M, as in the kernel) still bounds them.
    private static readonly VmOptions Options = new() { InstructionBudget = 1L << 40 };

    /// <summary>
    /// A VM with the program prepared (decoded, or JIT-compiled) and the packet mapped as an XDP test run maps it;
    /// r1 is the xdp_md. Throws if the JIT was asked for and the program fell back to the interpreter.
    /// </summary>
    public (BpfVm Vm, ulong R1) NewVm(VmEngine engine = VmEngine.Interpreter)
    {
        var vm = new BpfVm(Instructions, Options with { Engine = engine });
        ulong r1 = ProgramContext.Setup(vm, ProgramContextKind.Xdp, Packet);
        if (vm.Compile() != engine) throw new InvalidOperationException($"{Name}: asked for {engine}, runs use {vm.Engine}: {vm.JitFallbackReason}");
        vm.Run(r1); // benchmarks measure runs only
        return (vm, r1);
    }

    /// <summary>r0 and the instruction count of one run (the same for every run: the programs are deterministic).</summary>
    public RunResult RunOnce(VmEngine engine = VmEngine.Interpreter)
    {
        var (vm, r1) = NewVm(engine);
        return vm.Run(r1);
    }
}
