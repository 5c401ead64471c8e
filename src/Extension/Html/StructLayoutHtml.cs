using System.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Layout;
using static BtfNotebooks.Extension.Html.HtmlText;

namespace BtfNotebooks.Extension.Html;

/// <summary>
/// A <see cref="StructLayout"/> as pahole shows it, but as a table one can scan by column: offset, size,
/// bitfield bits, type and name, anonymous members indented under the row that expands them, holes and the
/// trailing padding as highlighted rows, cacheline boundaries as rules, and pahole's statistics underneath.
/// Rows come in the same order as <see cref="StructLayout.ToText"/> prints them.
/// </summary>
public static class StructLayoutHtml
{
    /// <summary>The layout as a self-contained HTML fragment.</summary>
    public static string Render(StructLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var html = new StringBuilder();
        html.Append($"<div class=\"title\">{Escape(layout.Name)} <span class=\"muted\">size {Num(layout.Size)}, align {Num(layout.Alignment)}</span></div>");
        html.Append("<table class=\"layout\"><thead><tr><th class=\"n\">offset</th><th class=\"n\">size</th><th class=\"n\" title=\"bit offset in the storage unit : width\">bits</th><th>type</th><th>name</th></tr></thead><tbody>");
        Level(html, layout, -1, layout.IsUnion, 0);
        if (layout.Padding > 0)
        {
            // pahole only counts it ("padding: N"); as a row it shows where the struct's tail is unused.
            html.Append("<tr class=\"pad\"")
                .Append(Attr("data-offset", Num(layout.Size - layout.Padding)))
                .Append($"><td class=\"n\">{Num(layout.Size - layout.Padding)}</td><td class=\"n\">{Num(layout.Padding)}</td><td></td>")
                .Append($"<td colspan=\"2\">/* XXX {Plural(layout.Padding, "byte")} padding */</td></tr>");
        }
        html.Append("</tbody></table>");
        html.Append(Summary(layout));
        return Fragment("layout", html.ToString());
    }

    private static void Level(StringBuilder html, StructLayout layout, int container, bool isUnion, int depth)
    {
        foreach (var hole in layout.HolesOpening(container)) Hole(html, hole, depth);
        foreach (int index in layout.ChildrenOf(container))
        {
            var row = layout.Members[index];
            if (row.CachelineBoundary is int line) Cacheline(html, line, row.ByteOffset);
            Member(html, row, depth);
            if (row.ExpandedKind is { } kind) Level(html, layout, row.Index, kind == BtfKind.Union, depth + 1);
            if (isUnion) continue; // pahole searches no holes in unions
            if (row.TypePadding > 0)
                html.Append("<tr class=\"pad inner\"><td></td><td></td><td></td>")
                    .Append($"<td colspan=\"2\"{Indent(depth)}>/* XXX last struct has {Plural(row.TypePadding, "byte")} of padding */</td></tr>");
            foreach (var hole in layout.HolesAfter(row.Index)) Hole(html, hole, depth);
        }
    }

    private static void Member(StringBuilder html, LayoutMember row, int depth)
    {
        html.Append("<tr class=\"member\"").Append(Attr("data-path", row.Path)).Append(Attr("data-depth", Num(depth))).Append('>');
        html.Append($"<td class=\"n\">{Num(row.ByteOffset)}</td><td class=\"n\">{Num(row.Size)}</td>");
        html.Append(row.IsBitfield ? $"<td class=\"n\">{Num(row.BitfieldOffset)}:{Num(row.BitfieldSize)}</td>" : "<td></td>");
        html.Append($"<td{Indent(depth)}>{Escape(row.TypeName)}</td>");
        html.Append(row.Name is null
            ? "<td class=\"muted\">(anonymous)</td>"
            : $"<td{Attr("title", $"{row.Path}: bit offset {row.BitOffset}{(row.CrossesCacheline ? ", crosses a cacheline" : "")}")}>{Escape(row.Name)}</td>");
        html.Append("</tr>");
    }

    private static void Hole(StringBuilder html, LayoutHole hole, int depth)
    {
        string text = hole.IsBitHole
            ? $"/* XXX {Plural(hole.SizeBits, "bit")} hole, try to pack */"
            : $"/* XXX {Plural(hole.SizeBytes, "byte")} hole, try to pack */";
        html.Append(hole.IsBitHole ? "<tr class=\"bithole\"" : "<tr class=\"hole\"")
            .Append(Attr("data-offset", Num(hole.ByteOffset))).Append(Attr("data-after", hole.After)).Append('>');
        html.Append($"<td class=\"n\">{Num(hole.ByteOffset)}</td>");
        html.Append(hole.IsBitHole
            ? $"<td></td><td class=\"n\">{Num(hole.BitOffset % 8)}:{Num(hole.SizeBits)}</td>"
            : $"<td class=\"n\">{Num(hole.SizeBytes)}</td><td></td>");
        html.Append($"<td colspan=\"2\"{Indent(depth)}>{Escape(text)}</td></tr>");
    }

    private static void Cacheline(StringBuilder html, int line, long offset)
    {
        long start = (long)line * StructLayout.CachelineSize;
        long into = offset - start;
        string text = into == 0
            ? $"cacheline {line} boundary ({start} bytes)"
            : $"cacheline {line} boundary ({start} bytes) was {Plural(into, "byte")} ago";
        html.Append("<tr class=\"cl\"").Append(Attr("data-line", Num(line))).Append($"><td colspan=\"5\">--- {Escape(text)} ---</td></tr>");
    }

    /// <summary>pahole's closing statistics, the same numbers <see cref="StructLayout.ToText"/> prints.</summary>
    private static string Summary(StructLayout layout)
    {
        var s = layout.Summary;
        var items = new List<(string Key, string Text)>
        {
            ("size", $"size: {Num(layout.Size)}"),
            ("cachelines", $"cachelines: {Num(layout.Cachelines)}"),
            ("members", $"members: {Num(s.Members)}"),
            ("sum-members", $"sum members: {Num(s.SumMemberBytes)}"),
            ("holes", $"holes: {Num(s.HoleCount)}"),
            ("sum-holes", $"sum holes: {Num(s.HoleBytes)}"),
            ("padding", $"padding: {Num(s.Padding)}"),
        };
        if (s.SumBitfieldBits > 0) items.Add(("sum-bitfields", $"sum bitfield members: {Num(s.SumBitfieldBits)} bits"));
        if (s.BitHoleCount > 0) items.Add(("bit-holes", $"bit holes: {Num(s.BitHoleCount)}, sum bit holes: {Num(s.BitHoleBits)} bits"));
        if (s.BitPadding > 0) items.Add(("bit-padding", $"bit_padding: {Num(s.BitPadding)} bits"));
        if (s.PaddedMembers > 0) items.Add(("paddings", $"paddings: {Num(s.PaddedMembers)}, sum paddings: {Num(s.SumPaddings)}"));
        if (layout.LastCachelineBytes != 0) items.Add(("last-cacheline", $"last cacheline: {Num(layout.LastCachelineBytes)} bytes"));
        return "<div class=\"stats\">" + string.Concat(items.Select(i => $"<span{Attr("data-k", i.Key)}>{Escape(i.Text)}</span>")) + "</div>";
    }
}
