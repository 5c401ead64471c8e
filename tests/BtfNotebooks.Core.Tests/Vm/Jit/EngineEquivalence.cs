using BtfNotebooks.Asm;
using BtfNotebooks.Vm;

namespace BtfNotebooks.Tests.Vm.Jit;

/// <summary>
/// Runs one program on two identically set-up VMs, one with the interpreter and one with the JIT, and reports every
/// difference: r0 and count or the fault (kind, slot, message, address, size, region), the helper calls made (id
/// and arguments, in order) and the final bytes of every region; and, when the JIT was asked for, whether it really
/// ran (a silent fall-back to the interpreter would make any comparison pointless). Each VM runs the program
/// <c>runs</c> times, so what a run leaves behind (stack, maps, counters) is compared too.
/// </summary>
internal static class EngineEquivalence
{
    public sealed record Comparison(string Interpreted, string Compiled, BpfVm JitVm, List<string> Differences);

    public static Comparison Compare(IReadOnlyList<Instruction> program, VmOptions options, TraceEquivalence.Setup setup, int runs = 2)
    {
        var interpLog = new List<string>();
        var jitLog = new List<string>();
        var interpVm = new BpfVm(program, options with { Engine = VmEngine.Interpreter });
        var jitVm = new BpfVm(program, options with { Engine = VmEngine.Jit });
        var interpArgs = setup(interpVm, interpLog);
        var jitArgs = setup(jitVm, jitLog);

        var differences = new List<string>();
        string interpreted = "", compiled = "";
        for (int run = 0; run < runs; run++)
        {
            interpreted = Outcome(interpVm, interpArgs);
            compiled = Outcome(jitVm, jitArgs);
            if (interpreted != compiled) differences.Add($"run {run + 1}: interpreter {interpreted}; JIT {compiled}");
        }
        if (!interpLog.SequenceEqual(jitLog))
            differences.Add($"helper calls: interpreter [{string.Join("; ", interpLog)}]; JIT [{string.Join("; ", jitLog)}]");
        for (int i = 0; i < interpVm.Memory.Regions.Count; i++)
        {
            if (!interpVm.Memory.Regions[i].Data.AsSpan().SequenceEqual(jitVm.Memory.Regions[i].Data))
                differences.Add($"memory of {interpVm.Memory.Regions[i].Name} differs after the runs");
        }
        // A program rejected before running (Compile throws what Run threw) has no engine to compare; one that ran
        // must have run compiled.
        bool rejected = false;
        try { jitVm.Compile(); }
        catch (BpfRuntimeException) { rejected = true; }
        if (!rejected && jitVm.Engine != VmEngine.Jit) differences.Add($"the JIT did not run: {jitVm.JitFallbackReason}");
        return new Comparison(interpreted, compiled, jitVm, differences);
    }

    private static string Outcome(BpfVm vm, ulong[] args)
    {
        try
        {
            return TraceEquivalence.Describe(vm.Run(args[0], args[1], args[2], args[3], args[4]));
        }
        catch (BpfRuntimeException e)
        {
            return TraceEquivalence.Describe(e);
        }
    }
}
