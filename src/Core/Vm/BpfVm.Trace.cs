namespace BtfNotebooks.Vm;

public sealed partial class BpfVm
{
    /// <summary>The program decoded without superinstructions, for traced runs (built on the first one).</summary>
    private DecodedSlot[]? _plainCode;

    /// <summary>Where the traced interpreter reports steps; set only while <see cref="RunTraced"/> runs.</summary>
    private TraceRecorder? _recorder;

    /// <summary>
    /// Runs the program like <see cref="Run"/> (same r0, instruction count, faults, budget, helper calls, memory
    /// effects) and records each executed instruction. Tracing is chosen here, once per run: <see cref="Run"/> uses
    /// a separately compiled copy of the interpreter with no trace code in it, so tracing costs untraced runs nothing.
    /// A traced run executes one instruction per dispatch (no superinstructions) and reports every step, so it is
    /// much slower: it is for looking at a run, not for timing one. BPF code a helper runs (a bpf_loop callback, a
    /// tail-called program) runs untraced: its instructions count in the result, and the helper call is one step.
    /// </summary>
    /// <param name="r1">The context (or first argument), as for <see cref="Run"/>.</param>
    /// <param name="r2">Second argument.</param>
    /// <param name="r3">Third argument.</param>
    /// <param name="r4">Fourth argument.</param>
    /// <param name="r5">Fifth argument.</param>
    /// <param name="maxSteps">How many steps to record; later ones still execute, and <see cref="VmTrace.Truncated"/>
    /// says so. A faulting instruction is recorded even past the limit.</param>
    /// <returns>The trace, with <see cref="VmTrace.Result"/> or <see cref="VmTrace.Fault"/>: a fault is returned,
    /// not thrown, so the steps before it stay available (<see cref="VmTrace.ResultOrThrow"/> throws it).</returns>
    public VmTrace RunTraced(ulong r1 = 0, ulong r2 = 0, ulong r3 = 0, ulong r4 = 0, ulong r5 = 0, int maxSteps = VmTrace.DefaultMaxSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSteps);
        ushort entry = 0;
        foreach (int reg in Options.EntryRegisters)
            if ((uint)reg < RegisterState.Count) entry |= (ushort)(1 << reg);
        var recorder = new TraceRecorder(this, _program, _slotOf, SlotCount, maxSteps, [0, r1, r2, r3, r4, r5, 0, 0, 0, 0, _frameTop[0]], entry);

        DecodedSlot[] code;
        try
        {
            code = _plainCode ??= Prepare(fuse: false);
        }
        catch (BpfRuntimeException e)
        {
            return recorder.Finish(null, e, started: false); // rejected before running, as Run would throw
        }
        if (_stackClearFrom < Options.StackSize) Array.Clear(_stack[0].Data, _stackClearFrom, Options.StackSize - _stackClearFrom);
        _recorder = recorder;
        BeginRun(code, null);
        try
        {
            return recorder.Finish(Execute<TracedRun>(code, 0, 0, Options.InstructionBudget, r1, r2, r3, r4, r5), null);
        }
        catch (BpfRuntimeException e)
        {
            // The same location fix-up as Run, so the fault is the one Run would throw.
            return recorder.Finish(null, e.Slot is null && _lastSlot >= 0 ? e.At(_lastSlot, Describe(_lastSlot)) : e);
        }
        finally
        {
            _recorder = null;
        }
    }
}
