using System.Globalization;
using System.Text;

namespace BtfNotebooks.Vm;

/// <summary>
/// Renders a <see cref="VmTrace"/> for people (an aligned table) and for scripts (TSV). Both list the same columns:
/// step, frame, slot, instruction (LLVM syntax) and effect (<see cref="TraceStep.Effect"/>). Formatting happens
/// here, after the run, so recording stays cheap.
/// </summary>
public static class TraceTable
{
    /// <summary>The TSV header line; one row per recorded step follows it.</summary>
    public const string TsvHeader = "step\tframe\tslot\tinstruction\teffect";

    /// <summary>
    /// <c>entry: r1 = ..., r10 = ...</c>, then the table with right-aligned numbers; a callee's instructions are
    /// indented by frame so calls read like nesting. A truncated trace says how many steps were not recorded.
    /// </summary>
    public static string Text(VmTrace trace)
    {
        var rows = new List<string[]> { new[] { "step", "frame", "slot", "instruction", "effect" } };
        foreach (var s in trace.Steps)
        {
            rows.Add([
                s.Step.ToString(CultureInfo.InvariantCulture),
                s.Depth.ToString(CultureInfo.InvariantCulture),
                s.Slot.ToString(CultureInfo.InvariantCulture),
                new string(' ', 2 * s.Depth) + s.Text,
                s.Effect,
            ]);
        }
        var width = new int[5];
        foreach (var row in rows)
            for (int c = 0; c < row.Length; c++) width[c] = Math.Max(width[c], row[c].Length);

        var text = new StringBuilder();
        text.Append("entry: ").Append(trace.EntryRegisters.ToString()).Append('\n');
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            // A gap before the faulting step when the steps between were not recorded.
            long previous = i > 1 ? trace.Steps[i - 2].Step : 0;
            if (i > 0 && trace.Steps[i - 1].Step > previous + 1)
                text.Append($"{"...",5}  ({trace.Steps[i - 1].Step - previous - 1} steps not recorded)\n");
            var line = new StringBuilder();
            for (int c = 0; c < 3; c++) line.Append(row[c].PadLeft(width[c])).Append("  ");
            line.Append(row[3].PadRight(width[3])).Append("  ").Append(row[4]);
            text.Append(line.ToString().TrimEnd()).Append('\n');
        }
        long lastRecorded = trace.Steps.Count > 0 ? trace.Steps[^1].Step : 0;
        if (trace.StepsExecuted > lastRecorded)
            text.Append($"... {trace.StepsExecuted - lastRecorded} more steps not recorded (limit {trace.MaxSteps})\n");
        return text.ToString();
    }

    /// <summary><see cref="TsvHeader"/> and one row per recorded step; tabs and line breaks inside a field become spaces.</summary>
    public static string Tsv(VmTrace trace)
    {
        var text = new StringBuilder(TsvHeader).Append('\n');
        foreach (var s in trace.Steps)
            text.Append(string.Create(CultureInfo.InvariantCulture, $"{s.Step}\t{s.Depth}\t{s.Slot}\t{Field(s.Text)}\t{Field(s.Effect)}\n"));
        return text.ToString();
    }

    private static string Field(string value) => value.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
}
