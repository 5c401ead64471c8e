using System.Text;
using BtfNotebooks.Btf.Diff;
using static BtfNotebooks.Extension.Html.HtmlText;

namespace BtfNotebooks.Extension.Html;

/// <summary>
/// A <see cref="LayoutDiff"/> side by side: a column group per kernel (offset, size and, after the reference, the
/// type when it changed), each changed cell marked with the class of its change (moved, resized, retyped, added,
/// removed) and a title saying what changed ("moved 16 → 64"), the kernels' totals in the footer, a legend and
/// the change counts. The same data as <see cref="LayoutDiff.ToText"/>.
/// </summary>
public static class LayoutDiffHtml
{
    /// <summary>The class each change gets, in legend order.</summary>
    public static readonly IReadOnlyList<(LayoutChange Change, string Class)> ChangeClasses =
    [
        (LayoutChange.Moved, "moved"), (LayoutChange.Resized, "resized"), (LayoutChange.Retyped, "retyped"),
        (LayoutChange.Added, "added"), (LayoutChange.Removed, "removed"),
    ];

    /// <summary>The diff as a self-contained HTML fragment; <paramref name="changedOnly"/> leaves out rows no kernel changes.</summary>
    public static string Render(LayoutDiff diff, bool changedOnly = false)
    {
        ArgumentNullException.ThrowIfNull(diff);
        var kernels = diff.Kernels;
        var rows = diff.Rows.Where(r => !changedOnly || r.IsChanged).ToList();
        var html = new StringBuilder();
        html.Append($"<div class=\"title\">{Escape(diff.Name)} in {kernels.Count} kernels, against {Escape(diff.Reference.Name)}</div>");

        html.Append("<table class=\"diff\"><thead><tr><th rowspan=\"2\">member</th><th rowspan=\"2\">type</th>");
        foreach (var k in kernels)
        {
            html.Append($"<th colspan=\"{Span(k)}\"")
                .Append(Classes("group", k.IsReference ? "reference" : null, k.HasType ? null : "notype"))
                .Append(Attr("title", k.HasType ? $"{k.TypeName}: {k.TotalsText}" : k.TotalsText))
                .Append($">{Escape(k.Name)}{(k.IsReference ? " (reference)" : "")}</th>");
        }
        html.Append("</tr><tr>");
        foreach (var k in kernels)
        {
            html.Append("<th class=\"n first\">offset</th><th class=\"n\">size</th>");
            if (!k.IsReference) html.Append("<th>type</th>");
        }
        html.Append("</tr></thead><tbody>");

        foreach (var row in rows)
        {
            html.Append("<tr").Append(Classes(row.IsChanged ? "changed" : null)).Append(Attr("data-path", row.Path)).Append('>');
            html.Append($"<td{Indent(row.Depth)}>{Escape(row.Path)}</td><td>{Escape(row.TypeName)}</td>");
            foreach (var k in kernels) Cells(html, row, k);
            html.Append("</tr>");
        }
        if (rows.Count == 0)
            html.Append($"<tr><td colspan=\"{2 + kernels.Sum(Span)}\" class=\"muted\">no member differs</td></tr>");
        html.Append("</tbody><tfoot>");
        Totals(html, kernels, "size", k => Num(k.Size));
        Totals(html, kernels, "cachelines", k => Num(k.Cachelines));
        Totals(html, kernels, "holes", k => $"{Num(k.HoleCount)} ({Plural(k.HoleBytes, "byte")})");
        Totals(html, kernels, "padding", k => Num(k.Padding));
        Totals(html, kernels, "changes", k => k.IsReference ? "reference" : k.Counts.ToString());
        html.Append("</tfoot></table>");

        html.Append("<div class=\"legend\">");
        foreach (var (change, cls) in ChangeClasses)
            html.Append($"<span class=\"{cls}\">{change.ToString().ToLowerInvariant()}</span>");
        html.Append("<span class=\"notype\">type missing</span> <span class=\"muted\">against the reference; hover a cell for details</span></div>");

        int changed = diff.Rows.Count(r => r.IsChanged);
        html.Append($"<div class=\"summary\">{Num(diff.Rows.Count)} members, {Num(changed)} changed");
        foreach (var k in kernels.Where(k => !k.IsReference))
            html.Append("; ").Append(Escape(k.Name)).Append(": ").Append(Escape(k.HasType ? k.Counts.ToString() : "type missing"));
        html.Append("</div>");
        return Fragment("diff", html.ToString());
    }

    private static int Span(LayoutDiffColumn k) => k.IsReference ? 2 : 3;

    private static void Cells(StringBuilder html, LayoutDiffRow row, LayoutDiffColumn k)
    {
        var cell = row.Cells[k.Index];
        if (!k.HasType)
        {
            html.Append($"<td colspan=\"{Span(k)}\" class=\"notype first\"{Attr("title", k.MissingReason)}>{Nbsp}</td>");
            return;
        }
        string? title = cell.Change == LayoutChange.Same
            ? cell.Present ? null : "absent"
            : string.Join("; ", cell.Describe());
        string? presence = cell.Has(LayoutChange.Added) ? "added" : cell.Has(LayoutChange.Removed) ? "removed" : cell.Present ? null : "absent";
        if (!cell.Present)
        {
            html.Append($"<td{Classes("n", "first", presence)}{Attr("title", title)}>-</td><td{Classes("n", presence)}{Attr("title", title)}>-</td>");
            if (!k.IsReference) html.Append($"<td{Classes(presence)}{Attr("title", title)}></td>");
            return;
        }
        html.Append("<td").Append(Classes("n", "first", presence, cell.Has(LayoutChange.Moved) ? "moved" : null)).Append(Attr("title", title))
            .Append($">{Escape(cell.OffsetText)}</td>");
        html.Append("<td").Append(Classes("n", presence, cell.Has(LayoutChange.Resized) ? "resized" : null)).Append(Attr("title", title))
            .Append($">{Escape(cell.SizeText)}</td>");
        if (k.IsReference) return;
        // The type column only speaks when the type is not the one in the row's type column.
        string type = cell.TypeName == row.TypeName ? "" : cell.TypeName ?? "";
        html.Append("<td").Append(Classes(presence, cell.Has(LayoutChange.Retyped) ? "retyped" : null)).Append(Attr("title", title))
            .Append($">{Escape(type)}</td>");
    }

    private static void Totals(StringBuilder html, IReadOnlyList<LayoutDiffColumn> kernels, string label, Func<LayoutDiffColumn, string> value)
    {
        html.Append($"<tr{Attr("data-total", label)}><th colspan=\"2\">{Escape(label)}</th>");
        foreach (var k in kernels)
        {
            html.Append(k.HasType
                ? $"<td colspan=\"{Span(k)}\" class=\"first\">{Escape(value(k))}</td>"
                : $"<td colspan=\"{Span(k)}\" class=\"notype first\"{Attr("title", k.MissingReason)}>absent</td>");
        }
        html.Append("</tr>");
    }
}
