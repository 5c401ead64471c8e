using System.Globalization;

namespace BtfNotebooks.Bench.Interpreter;

/// <summary>
/// The interpreter-speed table: per program, instructions per run (counted by the VM), the interpreter's time per
/// run and per instruction, the kernel JIT's time on the same object and packet, and interpreter/JIT next to uBPF's.
/// r0 of the VM must equal the kernel's "Return value"; a difference is printed under the table.
/// </summary>
public static class InterpreterSpeedTable
{
    /// <param name="interpreterNsPerRun">ns per run of a program by the timing in use (null: not measured).</param>
    /// <param name="timing">How those ns were measured, for the heading.</param>
    public static void Print(Func<InterpreterCase, double?> interpreterNsPerRun, string timing)
    {
        var unavailable = KernelJit.Unavailable();
        var rows = new List<string[]>();
        var notes = new List<string>();
        var agreed = new List<string>();
        foreach (var program in InterpreterCases.All)
        {
            var vm = program.RunOnce();
            double? ns = interpreterNsPerRun(program);
            var kernel = unavailable is null ? KernelJit.Measure(program) : null;
            if (kernel?.Error is { } error) notes.Add($"{program.Name}: kernel: {error}");
            else if (kernel is not null && kernel.R0 != (uint)vm.R0)
                notes.Add($"{program.Name}: r0 DIFFERS: interpreter {(uint)vm.R0}, kernel {kernel.R0} " +
                          $"(packet {program.Packet.Length} bytes: {Convert.ToHexString(program.Packet)})");
            else if (kernel is not null) agreed.Add($"{program.Name} {kernel.R0:x}");
            double jit = kernel?.Error is null && kernel is not null ? kernel.NsPerRun : double.NaN;
            rows.Add(
            [
                program.Name,
                vm.InstructionsExecuted.ToString("N0", CultureInfo.InvariantCulture),
                Format(ns, "N0"),
                Format(ns / vm.InstructionsExecuted, "F2"),
                Format(jit, "N0"),
                Ratio(ns / jit),
                program.UbpfRatio.ToString("0.#", CultureInfo.InvariantCulture) + "x",
            ]);
        }

        Console.WriteLine();
        Console.WriteLine($"Interpreter speed ({timing}; kernel: {(unavailable is null ? $"bpftool prog run, median of 3 averages, {KernelJit.JitState()}" : "skipped, " + unavailable)})");
        WriteTable(["program", "insns/run", "interp ns/run", "interp ns/insn", "kernel JIT ns/run", "interp/JIT", "uBPF interp/JIT"], rows);
        if (agreed.Count > 0) Console.WriteLine($"  r0 of the interpreter = the kernel's Return value: {string.Join(", ", agreed)}");
        foreach (var note in notes) Console.WriteLine("  " + note);
    }

    private static string Ratio(double? value) => Format(value, "F1") is var s && s != "-" ? s + "x" : s;

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
