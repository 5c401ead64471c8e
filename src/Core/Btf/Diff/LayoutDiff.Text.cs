using System.Text;

namespace BtfNotebooks.Btf.Diff;

public sealed partial class LayoutDiff
{
    /// <summary>Letters <see cref="ToText"/> puts after a cell, one per change, in this order.</summary>
    public static readonly IReadOnlyList<(LayoutChange Change, char Mark)> TextMarks =
    [
        (LayoutChange.Moved, 'M'), (LayoutChange.Resized, 'S'), (LayoutChange.Retyped, 'T'),
        (LayoutChange.Added, 'A'), (LayoutChange.Removed, 'R'),
    ];

    /// <summary>
    /// An aligned table for a terminal: a header with each kernel's totals (size, cachelines, holes, padding) and
    /// change counts, then one line per member with the reference's type and per kernel "offset size" (bitfields
    /// "byte:bit :width", "-" when absent) followed by change letters (<see cref="TextMarks"/>), a legend, and the
    /// retyped members spelled out since types do not fit in a cell. With <paramref name="changedOnly"/> only
    /// rows that differ somewhere are listed.
    /// </summary>
    public string ToText(bool changedOnly = false)
    {
        var text = new StringBuilder();
        int changed = Rows.Count(r => r.IsChanged);
        text.Append($"{Name} in {Kernels.Count} kernels against [1]: {Rows.Count} members, {changed} changed\n");
        int nameWidth = Kernels.Max(k => k.Name.Length);
        foreach (var k in Kernels)
        {
            text.Append($"[{k.Index + 1}] {k.Name.PadRight(nameWidth)}  {k.TotalsText}");
            if (!k.IsReference && k.HasType) text.Append($"; {k.Counts}");
            if (k.HasType && k.TypeName != Name) text.Append($" ({k.TypeName})");
            text.Append('\n');
        }
        text.Append('\n');

        var shown = Rows.Where(r => !changedOnly || r.IsChanged).ToList();
        var header = new List<string> { "member", "type" };
        header.AddRange(Kernels.Select(k => $"[{k.Index + 1}]"));
        var table = new List<string[]> { header.ToArray() };
        var offsetWidths = Kernels.Select(k => shown.Select(r => r.Cells[k.Index].OffsetText.Length).DefaultIfEmpty(1).Max()).ToArray();
        var sizeWidths = Kernels.Select(k => shown.Select(r => r.Cells[k.Index].SizeText.Length).DefaultIfEmpty(1).Max()).ToArray();
        foreach (var row in shown)
        {
            var line = new List<string> { new string(' ', 2 * row.Depth) + row.Path, row.TypeName };
            for (int k = 0; k < Kernels.Count; k++)
            {
                var cell = row.Cells[k];
                string marks = string.Concat(TextMarks.Where(m => cell.Has(m.Change)).Select(m => m.Mark));
                string value = cell.Present
                    ? cell.OffsetText.PadLeft(offsetWidths[k]) + " " + cell.SizeText.PadLeft(sizeWidths[k])
                    : "-".PadLeft(offsetWidths[k]);
                line.Add(marks.Length == 0 ? value : value + " " + marks);
            }
            table.Add(line.ToArray());
        }
        var widths = Enumerable.Range(0, header.Count).Select(c => table.Max(r => r[c].Length)).ToArray();
        foreach (var line in table)
            text.AppendJoin("  ", line.Select((cell, c) => cell.PadRight(widths[c]))).Append('\n');
        if (shown.Count == 0) text.Append("(no member differs)\n");

        text.Append('\n').Append(string.Join(", ", TextMarks.Select(m => $"{m.Mark} {m.Change.ToString().ToLowerInvariant()}")))
            .Append(" (against [1]); - absent\n");
        foreach (var row in shown.Where(r => (r.Changes & LayoutChange.Retyped) != 0))
            foreach (var k in Kernels)
                if (row.Cells[k.Index].Has(LayoutChange.Retyped))
                    text.Append($"{row.Path} [{k.Index + 1}]: {row.Cells[k.Index].ReferenceMember!.TypeName} -> {row.Cells[k.Index].TypeName}\n");
        return TrimLineEnds(text.ToString());
    }

    private static string TrimLineEnds(string text) =>
        string.Join('\n', text.Split('\n').Select(l => l.TrimEnd()));
}
