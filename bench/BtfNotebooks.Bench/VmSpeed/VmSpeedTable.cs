using System.Globalization;
using BtfNotebooks.Vm;

namespace BtfNotebooks.Bench.VmSpeed;

/// <summary>
/// The VM speed table: per program, instructions per run (counted by the VM), the interpreter's and the JIT's time
/// per run and per instruction, the kernel JIT's time on the same object and packet (measured in the same process
/// run), each engine's ratio to the kernel against the issue's goal, and uBPF's interpreter/JIT ratio for reference.
/// The interpreter, the JIT and the kernel must agree on r0, and both engines on the instruction count; any
/// difference is printed under the table.
/// </summary>
public static class VmSpeedTable
{
    /// <summary>Goals relative to the kernel JIT: the JIT within 2x, the interpreter within 40x on the loop and 25x on FNV-1a.</summary>
    private static (double Interpreter, double Jit) Goal(string program) => program switch
    {
        VmBenchCases.AluLoop => (40, 2),
        VmBenchCases.Fnv1a => (25, 2),
        _ => (double.NaN, 2),
    };

    /// <param name="nsPerRun">ns per run of a program in an engine by the timing in use (null: not measured).</param>
    /// <param name="timing">How those ns were measured, for the heading.</param>
    public static void Print(Func<VmBenchCase, VmEngine, double?> nsPerRun, string timing)
    {
        var unavailable = KernelJit.Unavailable();
        var rows = new List<string[]>();
        var notes = new List<string>();
        var agreed = new List<string>();
        foreach (var program in VmBenchCases.All)
        {
            var interp = program.RunOnce(VmEngine.Interpreter);
            var jitRun = program.RunOnce(VmEngine.Jit);
            if (jitRun != interp)
                notes.Add($"{program.Name}: ENGINES DIFFER: interpreter r0 {interp.R0} in {interp.InstructionsExecuted} insns, JIT r0 {jitRun.R0} in {jitRun.InstructionsExecuted}");
            double? interpNs = nsPerRun(program, VmEngine.Interpreter), jitNs = nsPerRun(program, VmEngine.Jit);
            var kernel = unavailable is null ? KernelJit.Measure(program) : null;
            if (kernel?.Error is { } error) notes.Add($"{program.Name}: kernel: {error}");
            else if (kernel is not null && kernel.R0 != (uint)interp.R0)
                notes.Add($"{program.Name}: r0 DIFFERS: VM {(uint)interp.R0}, kernel {kernel.R0} " +
                          $"(packet {program.Packet.Length} bytes: {Convert.ToHexString(program.Packet)})");
            else if (kernel is not null) agreed.Add($"{program.Name} {kernel.R0:x}");
            double k = kernel?.Error is null && kernel is not null ? kernel.NsPerRun : double.NaN;
            long insns = interp.InstructionsExecuted;
            var (interpGoal, jitGoal) = Goal(program.Name);
            rows.Add(
            [
                program.Name,
                insns.ToString("N0", CultureInfo.InvariantCulture),
                Format(interpNs, "N0"),
                Format(interpNs / insns, "F2"),
                Format(jitNs, "N0"),
                Format(jitNs / insns, "F3"),
                Format(k, "N0"),
                Format(k / insns, "F3"),
                Ratio(interpNs / k, interpGoal),
                Ratio(jitNs / k, jitGoal),
                program.UbpfRatio.ToString("0.#", CultureInfo.InvariantCulture) + "x",
            ]);
        }

        Console.WriteLine();
        Console.WriteLine($"VM speed ({timing}; kernel: {(unavailable is null ? $"bpftool prog run, median of 3 averages, {KernelJit.JitState()}" : "skipped, " + unavailable)})");
        WriteTable(["program", "insns/run", "interp ns/run", "interp ns/insn", "JIT ns/run", "JIT ns/insn", "kernel JIT ns/run", "kernel ns/insn",
                    "interp/kernel (goal)", "JIT/kernel (goal)", "uBPF interp/JIT"], rows);
        if (agreed.Count > 0) Console.WriteLine($"  r0 of the interpreter and the JIT = the kernel's Return value: {string.Join(", ", agreed)}");
        foreach (var note in notes) Console.WriteLine("  " + note);
    }

    // "5.6x (40x)": the measured ratio and the goal it is held to; "-" where one side was not measured.
    private static string Ratio(double? value, double goal)
    {
        string measured = Format(value, "F1");
        if (measured == "-") return measured;
        return double.IsNaN(goal) ? measured + "x" : $"{measured}x ({goal.ToString("0.#", CultureInfo.InvariantCulture)}x{(value <= goal ? "" : " MISSED")})";
    }

    private static string Format(double? value, string format) =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "-";

    // A Markdown table with aligned columns: readable in a terminal and pasteable into the README.
    private static void WriteTable(string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        string Line(string[] cells) => "| " + string.Join(" | ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))) + " |";
        Console.WriteLine(Line(header));
        Console.WriteLine("|" + string.Join("|", widths.Select((w, i) => i == 0 ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
        foreach (var row in rows) Console.WriteLine(Line(row));
    }
}
