using System.Text;
using BtfNotebooks.Kernels.Contexts;
using BtfNotebooks.Vm;
using BtfNotebooks.Vm.Maps;

namespace BtfNotebooks.Kernels.Sandbox;

/// <summary>
/// One run of a <see cref="BpfSandbox"/>: r0 or the fault, the engine that ran it, the trace (interpreted runs), and
/// an explanation for failure messages.
/// </summary>
public sealed class SandboxRun
{
    internal SandboxRun(BpfSandbox sandbox, KernelContext context, VmTrace trace)
    {
        Sandbox = sandbox;
        Context = context;
        Trace = trace;
        Result = trace.Result;
        Fault = trace.Fault;
        Engine = VmEngine.Interpreter;
    }

    internal SandboxRun(BpfSandbox sandbox, KernelContext context, RunResult? result, BpfRuntimeException? fault, VmEngine engine)
    {
        Sandbox = sandbox;
        Context = context;
        Result = result;
        Fault = fault;
        Engine = engine;
    }

    public BpfSandbox Sandbox { get; }
    public KernelContext Context { get; }

    /// <summary>Every step of an interpreted run (up to the sandbox's limit); null for a run of compiled code, which records none.</summary>
    public VmTrace? Trace { get; }

    /// <summary>The engine that ran the program.</summary>
    public VmEngine Engine { get; }

    public RunResult? Result { get; }
    public BpfRuntimeException? Fault { get; }

    /// <summary>r0; throws the fault when the program faulted.</summary>
    public ulong R0 => Fault is { } fault ? throw fault : Result!.Value.R0;

    /// <summary>The records the program submitted to ring buffer <paramref name="map"/>, in order (discarded ones left out).</summary>
    public IReadOnlyList<byte[]> RingBufferRecords(string map) => Sandbox.Maps.Get<RingBufMap>(map).Consume();

    /// <summary>
    /// What a failure message needs: kernel, context, outcome, this kernel's relocation table and the last
    /// <paramref name="lastSteps"/> instructions executed with the registers they changed.
    /// </summary>
    public string Explain(int lastSteps = 16)
    {
        var text = new StringBuilder();
        text.Append($"{Sandbox.Code.Name} ({Sandbox.Entry.Name}, {Sandbox.Entry.Section}) on {Sandbox.Kernel.Name}");
        if (Sandbox.Kernel.Release is { } release) text.Append($" [{release}{(Sandbox.Kernel.Arch is { } arch ? ", " + arch : "")}]");
        text.Append('\n').Append("context: ").Append(Context.Description).Append('\n');
        text.Append(Fault is { } fault ? $"faulted: {fault.Message}\n" : $"r0 = {Result!.Value.R0} (0x{Result.Value.R0:x}) after {Result.Value.InstructionsExecuted} instructions\n");
        text.Append(Sandbox.RelocationTable()).Append('\n');
        if (Trace is null)
        {
            text.Append($"run by the {(Engine == VmEngine.Jit ? "JIT" : Engine.ToString().ToLowerInvariant())}, which records no steps; run it with VmEngine.Interpreter to see the instructions executed");
            return text.ToString();
        }
        var steps = Trace.Steps;
        int from = Math.Max(0, steps.Count - lastSteps);
        text.Append($"last {steps.Count - from} of {Trace.StepsExecuted} instructions executed{(Trace.Truncated ? " (trace truncated: the last ones were not recorded)" : "")}:\n");
        for (int i = from; i < steps.Count; i++)
            text.Append($"  {steps[i].Step,6}  [{steps[i].Slot,4}]  {steps[i].Text,-40} {steps[i].Effect}\n");
        return text.ToString().TrimEnd('\n');
    }

    public override string ToString() => Explain();
}
