using System.Text;

namespace BtfNotebooks.Btf.Drift;

/// <summary>Fields (columns) evaluated across kernels (rows), in the order given.</summary>
public sealed class DriftTable
{
    public DriftTable(IReadOnlyList<DriftField> fields, IReadOnlyList<(string Kernel, DriftValue[] Values)> rows)
    {
        Fields = fields;
        Rows = rows;
    }

    public IReadOnlyList<DriftField> Fields { get; }
    public IReadOnlyList<(string Kernel, DriftValue[] Values)> Rows { get; }

    public static DriftTable Compute(IReadOnlyList<DriftField> fields, IEnumerable<(string Kernel, BtfSpec Spec)> kernels) =>
        new(fields, kernels.Select(k => (k.Kernel, fields.Select(f => f.Evaluate(k.Spec)).ToArray())).ToList());

    /// <summary>The shape of DRIFT.tsv: a "file" column, then one column per field; tab separated.</summary>
    public string ToTsv()
    {
        var sb = new StringBuilder();
        sb.Append("file");
        foreach (var f in Fields) sb.Append('\t').Append(f.Text);
        sb.Append('\n');
        foreach (var (kernel, values) in Rows)
        {
            sb.Append(kernel);
            foreach (var v in values) sb.Append('\t').Append(v.ToString());
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Aligned columns for a terminal.</summary>
    public string ToText()
    {
        var header = new[] { "kernel" }.Concat(Fields.Select(f => f.Text)).ToArray();
        var cells = Rows.Select(r => new[] { r.Kernel }.Concat(r.Values.Select(v => v.ToString())).ToArray()).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        var sb = new StringBuilder();
        void Line(string[] row)
        {
            for (int i = 0; i < row.Length; i++)
                sb.Append(i == 0 ? row[i].PadRight(widths[i]) : "  " + row[i].PadLeft(widths[i]));
            sb.Append('\n');
        }
        Line(header);
        foreach (var c in cells) Line(c);
        return sb.ToString();
    }
}
