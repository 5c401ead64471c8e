using System.Text;
using BtfNotebooks.Asm;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Vm;

/// <summary>
/// Runs one program twice on two identically set-up VMs, once with <see cref="BpfVm.Run"/> and once with
/// <see cref="BpfVm.RunTraced"/>, and reports every difference: r0 and count or the fault (kind, slot, message,
/// address, size, region), the helper calls made (id and arguments, in order) and the final bytes of every region.
/// Also checks that the trace itself is coherent with the run (see <see cref="TraceProblems"/>).
/// </summary>
internal static class TraceEquivalence
{
    /// <summary>Builds a VM with its memory and helpers, logging helper calls into the list; returns r1..r5.</summary>
    public delegate ulong[] Setup(BpfVm vm, List<string> helperLog);

    public sealed record Comparison(string Plain, string Traced, VmTrace Trace, BpfVm TracedVm, List<string> Differences);

    public static Comparison Compare(IReadOnlyList<Instruction> program, VmOptions options, Setup setup, int maxSteps = VmTrace.DefaultMaxSteps)
    {
        var plainLog = new List<string>();
        var tracedLog = new List<string>();
        var plainVm = new BpfVm(program, options);
        var tracedVm = new BpfVm(program, options);
        var plainArgs = setup(plainVm, plainLog);
        var tracedArgs = setup(tracedVm, tracedLog);

        string plain;
        try
        {
            var r = plainVm.Run(plainArgs[0], plainArgs[1], plainArgs[2], plainArgs[3], plainArgs[4]);
            plain = Describe(r);
        }
        catch (BpfRuntimeException e)
        {
            plain = Describe(e);
        }
        var trace = tracedVm.RunTraced(tracedArgs[0], tracedArgs[1], tracedArgs[2], tracedArgs[3], tracedArgs[4], maxSteps);
        string traced = trace.Result is { } result ? Describe(result) : Describe(trace.Fault!);

        var differences = new List<string>();
        if (plain != traced) differences.Add($"outcome: Run {plain}; RunTraced {traced}");
        if (!plainLog.SequenceEqual(tracedLog))
            differences.Add($"helper calls: Run [{string.Join("; ", plainLog)}]; RunTraced [{string.Join("; ", tracedLog)}]");
        for (int i = 0; i < plainVm.Memory.Regions.Count; i++)
        {
            if (!plainVm.Memory.Regions[i].Data.AsSpan().SequenceEqual(tracedVm.Memory.Regions[i].Data))
                differences.Add($"memory of {plainVm.Memory.Regions[i].Name} differs after the run");
        }
        differences.AddRange(TraceProblems(trace, tracedVm));
        return new Comparison(plain, traced, trace, tracedVm, differences);
    }

    public static string Describe(RunResult r) => $"r0 = 0x{r.R0:x}, {r.InstructionsExecuted} instructions";

    public static string Describe(BpfRuntimeException e) =>
        $"{e.Kind} at slot {e.Slot}: {e.Message} [address {e.Address}, size {e.AccessSize}, region {e.Region?.Name}]";

    /// <summary>
    /// What is wrong with a trace, given the VM that made it: steps numbered 1, 2, ... (a gap only before the faulting
    /// step, and only when truncated), each step's instruction the one at its slot, each next step at the slot the
    /// previous one said control went to, a fall-through going to the next instruction, the registers after a step
    /// holding what it wrote and otherwise what they held before, and the ending matching the result or the fault.
    /// </summary>
    public static IEnumerable<string> TraceProblems(VmTrace trace, BpfVm vm)
    {
        var slotOf = ProgramValidator.SlotIndex(vm.Instructions, out _);
        var steps = trace.Steps;
        int recorded = trace.Fault is null || steps.Count == 0 || steps[^1].Fault is null ? steps.Count : steps.Count - 1;
        if (recorded > trace.MaxSteps) yield return $"{recorded} steps recorded, limit {trace.MaxSteps}";
        if (recorded < Math.Min(trace.MaxSteps, trace.StepsExecuted - (steps.Count - recorded)))
            yield return $"only {recorded} steps recorded of {trace.StepsExecuted} (limit {trace.MaxSteps})";
        var before = trace.EntryRegisters;
        for (int i = 0; i < steps.Count; i++)
        {
            var s = steps[i];
            bool faultStep = s.Fault is not null;
            if (faultStep && i != steps.Count - 1) yield return $"step {s.Step} faulted but is not the last";
            long expectedNumber = i + 1;
            if (s.Step != expectedNumber && !(faultStep && trace.Truncated && s.Step > expectedNumber))
                yield return $"step {i} is numbered {s.Step}";
            if (vm.Instructions[s.Index] != s.Instruction || slotOf[s.Index] != s.Slot)
                yield return $"step {s.Step}: instruction {s.Index} / slot {s.Slot} does not match the program";
            if (i > 0 && steps[i - 1].Step + 1 == s.Step && steps[i - 1].NextSlot != s.Slot)
                yield return $"step {s.Step} runs slot {s.Slot}, but step {steps[i - 1].Step} went to {steps[i - 1].NextSlot}";
            var insn = s.Instruction;
            bool jumps = s.Taken == true || insn.IsLocalCall || insn.IsExit;
            if (!faultStep && !jumps && s.NextSlot != s.Slot + insn.SlotCount)
                yield return $"step {s.Step} ({s.Text}) fell through to {s.NextSlot}";
            if (!faultStep && s.Taken == true && insn.IsBranch && s.NextSlot != s.Slot + 1 + insn.BranchDisplacement)
                yield return $"step {s.Step} ({s.Text}) jumped to {s.NextSlot}";
            if (insn.IsBranch != (s.Taken is not null) && !faultStep)
                yield return $"step {s.Step} ({s.Text}): Taken is {s.Taken?.ToString() ?? "null"}";
            foreach (var w in s.Writes)
                if (s.Registers[w.Register] != w.Value) yield return $"step {s.Step}: wrote {w} but the registers say {s.Registers[w.Register]}";
            // Registers not written keep their value; calls and returns may also make some unreadable.
            bool changesFrames = insn.IsCall || insn.IsCallRegister || insn.IsExit;
            for (int r = 0; r < RegisterState.Count; r++)
            {
                if (s.Writes.Any(w => (int)w.Register == r)) continue;
                if (s.Registers[r] != before[r] && !(changesFrames && s.Registers[r] is null))
                    yield return $"step {s.Step} ({s.Text}): r{r} went from {before[r]} to {s.Registers[r]} without a write";
            }
            if (trace.Truncated && i + 1 < steps.Count && steps[i + 1].Step != s.Step + 1)
                before = steps[i + 1].Registers; // the gap: nothing to compare the faulting step with
            else
                before = s.Registers;
        }
        if (trace.Result is { } result)
        {
            if (trace.StepsExecuted != result.InstructionsExecuted)
                yield return $"{trace.StepsExecuted} steps traced, {result.InstructionsExecuted} instructions executed";
            if (!trace.Truncated && steps.Count > 0 && (!steps[^1].Instruction.IsExit || steps[^1].NextSlot is not null || steps[^1].Depth != 0))
                yield return $"the last step ({steps[^1].Text}) is not the final exit";
            if (!trace.Truncated && steps.Count > 0 && steps[^1].Registers[0] != result.R0)
                yield return $"r0 after the last step is {steps[^1].Registers[0]}, the result {result.R0}";
        }
        else if (trace.Fault is { } fault && trace.StepsExecuted > 0)
        {
            if (steps.Count == 0 || steps[^1].Fault != fault || steps[^1].Slot != fault.Slot || steps[^1].Step != trace.StepsExecuted)
                yield return $"the fault at slot {fault.Slot} is not the last step";
        }
    }

    /// <summary>The differences of many comparisons, one block each, for an assertion message.</summary>
    public static string Report(IEnumerable<(string Name, Comparison C)> comparisons)
    {
        var text = new StringBuilder();
        foreach (var (name, c) in comparisons)
        {
            if (c.Differences.Count == 0) continue;
            text.AppendLine($"{name}: {string.Join(" | ", c.Differences.Take(5))}");
        }
        return text.ToString();
    }
}
