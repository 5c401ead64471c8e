using System.Text;
using BtfNotebooks.Asm.Text;
using static BtfNotebooks.Extension.Html.HtmlText;

namespace BtfNotebooks.Extension.Html;

/// <summary>
/// Assembly errors as a table, each followed by the offending source line with a caret under the column, the
/// way a compiler points at a mistake, so a notebook user sees what the assembler saw.
/// </summary>
public static class AsmErrorHtml
{
    /// <summary>Every error of <paramref name="error"/> against the text that was assembled.</summary>
    public static string Render(AssemblyException error, string sourceText)
    {
        ArgumentNullException.ThrowIfNull(error);
        return Render(error.Diagnostics, sourceText, error.Source);
    }

    /// <summary>
    /// <paramref name="diagnostics"/> (1-based line and column, as the assemblers report them) against
    /// <paramref name="sourceText"/>; <paramref name="sourceName"/> names the file or cell in the heading.
    /// </summary>
    public static string Render(IReadOnlyList<AsmDiagnostic> diagnostics, string sourceText, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        ArgumentNullException.ThrowIfNull(sourceText);
        var lines = sourceText.Split('\n');
        var html = new StringBuilder();
        html.Append("<div class=\"title\">")
            .Append(Escape($"{(sourceName is null ? "" : sourceName + ": ")}{Plural(diagnostics.Count, "error")}"))
            .Append("</div>");
        html.Append("<table class=\"asm-errors\"><thead><tr><th class=\"n\">line</th><th class=\"n\">column</th><th>error</th></tr></thead><tbody>");
        foreach (var d in diagnostics)
        {
            html.Append("<tr class=\"error-row\"").Append(Attr("data-line", Num(d.Line))).Append(Attr("data-column", Num(d.Column))).Append('>');
            html.Append($"<td class=\"n\">{Num(d.Line)}</td><td class=\"n\">{Num(d.Column)}</td><td style=\"white-space:normal\">{Escape(d.Message)}</td></tr>");
            if (d.Line >= 1 && d.Line <= lines.Length)
            {
                string line = lines[d.Line - 1].TrimEnd('\r');
                html.Append("<tr class=\"source\"><td></td><td></td><td><pre class=\"code\">")
                    .Append($"<span class=\"line\">{Escape(line)}</span>\n<span class=\"caret\">{Escape(CaretLine(line, d.Column))}</span>")
                    .Append("</pre></td></tr>");
            }
        }
        html.Append("</tbody></table>");
        return Fragment("asm-errors", html.ToString());
    }

    /// <summary>
    /// Blanks up to <paramref name="column"/> (1-based) and a caret. Tabs in the source stay tabs, so the caret
    /// lands under the same character however wide the viewer draws a tab.
    /// </summary>
    internal static string CaretLine(string line, int column)
    {
        int before = Math.Max(column - 1, 0);
        var caret = new StringBuilder(before + 1);
        for (int i = 0; i < before; i++) caret.Append(i < line.Length && line[i] == '\t' ? '\t' : ' ');
        return caret.Append('^').ToString();
    }
}
