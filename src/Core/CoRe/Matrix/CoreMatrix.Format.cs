using System.Text;
using BtfNotebooks.Elf.BtfExt;

namespace BtfNotebooks.CoRe.Matrix;

public sealed partial class CoreMatrix
{
    /// <summary>The last row of <see cref="ToTsv"/>: whether each target would load the object.</summary>
    public const string LoadRowLabel = "(load)";

    /// <summary>
    /// Tab-separated: a header (section, relo, kind, local, access, path, then one column per target), a row per
    /// record with each cell's <see cref="CoreMatrixCell.Text"/> (with <paramref name="instructions"/>, followed by
    /// a space and the patched instruction in hex), and a last <see cref="LoadRowLabel"/> row with "ok" or "failed".
    /// </summary>
    public string ToTsv(bool instructions = false)
    {
        var text = new StringBuilder();
        text.AppendJoin('\t', ["section", "relo", "kind", "local", "access", "path", .. Targets]).Append('\n');
        foreach (var row in Rows)
        {
            var cells = row.Cells.Select(c => instructions && c.After is not null ? $"{c.Text} {CoreRelocationReport.Hex(c.After)}" : c.Text);
            text.AppendJoin('\t', [row.Section, row.Index.ToString(), row.Kind.LibbpfName(), row.LocalType, row.Access, row.ReadablePath ?? "-", .. cells]).Append('\n');
        }
        text.AppendJoin('\t', [LoadRowLabel, "-", "-", "-", "-", "-", .. Succeeded.Select(ok => ok ? "ok" : "failed")]).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// An aligned table for reading: numbered target columns (names in a legend below, they are long), new values
    /// right-aligned, poison marked "POISON" and errors "ERROR" so they stand out among numbers, rows whose value
    /// differs between targets flagged with '*', and per target whether it loads and, if not, the first error.
    /// </summary>
    public string ToText()
    {
        var header = new List<string> { "", "section", "relo", "kind", "path" };
        header.AddRange(Reports.Select((_, t) => $"[{t + 1}]"));
        var table = new List<List<string>> { header };
        foreach (var row in Rows)
        {
            var line = new List<string> { row.IsUniform ? "" : "*", row.Section, row.Index.ToString(), row.Kind.LibbpfName(), row.ReadablePath ?? $"{row.LocalType} {row.Access}" };
            line.AddRange(row.Cells.Select(Mark));
            table.Add(line);
        }
        table.Add(["", "load", "", "", "", .. Succeeded.Select(ok => ok ? "ok" : "FAILS")]);

        // text columns (marker, section, kind, path) left-aligned, numbers and cells right-aligned
        var widths = Enumerable.Range(0, header.Count).Select(c => table.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        text.Append($"{Rows.Count} record(s) x {Reports.Count} target(s): {Succeeded.Count(ok => ok)} load, {Succeeded.Count(ok => !ok)} fail; ")
            .Append($"{Rows.Count(r => !r.IsUniform)} record(s) differ between targets (*)\n");
        foreach (var line in table)
        {
            var cells = line.Select((cell, c) => c is 0 or 1 or 3 or 4 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]));
            text.AppendJoin("  ", cells).Append('\n');
        }
        for (int t = 0; t < Reports.Count; t++)
        {
            var report = Reports[t];
            int poison = report.Records.Count(r => r.Status == CoreRelocationStatus.Poison);
            text.Append($"[{t + 1}] {report.Target}: ");
            text.Append(report.FirstError is { } error
                ? $"load fails at {error.Record.Section} relo #{error.Record.Index}: {error.Message}"
                : poison > 0 ? $"loads, {poison} poisoned" : "loads");
            text.Append('\n');
        }
        return text.ToString();
    }

    private static string Mark(CoreMatrixCell cell) => cell.Status switch
    {
        CoreRelocationStatus.Poison => "POISON",
        CoreRelocationStatus.Error => "ERROR",
        _ => cell.Text,
    };
}
