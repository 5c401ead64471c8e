using BtfNotebooks.Asm.Text;
using BtfNotebooks.Extension.Html;
using NUnit.Framework;
using static BtfNotebooks.Extension.Tests.Html.HtmlTestSupport;

namespace BtfNotebooks.Extension.Tests.Html;

/// <summary>Errors from the real assembler, each with its source line and a caret under the reported column.</summary>
public class AsmErrorHtmlTests
{
    [Test]
    public void CaretPointsAtTheColumnTheAssemblerReports()
    {
        const string source = "r0 = 1\n\tr0 = *(u32 *)(r1 + zz)\nr1 <<= r99\nexit";
        var error = Assert.Throws<AssemblyException>(() => Assembler.Assemble(source, AsmSyntax.Llvm, "cell<1>"))!;
        Assert.That(error.Diagnostics, Has.Count.GreaterThanOrEqualTo(2));

        var html = Parse(AsmErrorHtml.Render(error, source));
        Assert.That(html.Descendants("div").First(d => d.HasClass("title")).Value, Is.EqualTo($"cell<1>: {error.Diagnostics.Count} errors"));
        var rows = html.Descendants("tbody").Single().Elements("tr").ToList();
        var lines = source.Split('\n');
        foreach (var d in error.Diagnostics)
        {
            var errorRow = rows.Single(r => r.HasClass("error-row") && (string?)r.Attribute("data-line") == d.Line.ToString() && (string?)r.Attribute("data-column") == d.Column.ToString());
            Assert.That(errorRow.CellTexts(), Is.EqualTo(new[] { d.Line.ToString(), d.Column.ToString(), d.Message }));
            var pre = rows[rows.IndexOf(errorRow) + 1].Descendants("pre").Single();
            var sourceLine = pre.WithClass("span", "line").Single().Value;
            var caret = pre.WithClass("span", "caret").Single().Value;
            Assert.That(sourceLine, Is.EqualTo(lines[d.Line - 1]));
            Assert.That(caret.IndexOf('^'), Is.EqualTo(d.Column - 1), d.Message);
            Assert.That(caret[..(d.Column - 1)].Trim(' ', '\t'), Is.Empty);
            // Tabs stay tabs, so the caret sits under the same character however a tab is drawn.
            Assert.That(caret.TakeWhile(c => c != '^').Select((c, i) => c == '\t' == (sourceLine[i] == '\t')), Has.All.True);
        }
        // The unknown identifier on the tab-indented line: the caret is under "zz".
        var zz = error.Diagnostics.Single(d => d.Line == 2);
        Assert.That(lines[1][(zz.Column - 1)..], Does.StartWith("zz"));
    }

    [Test]
    public void LineOutsideTheTextHasNoSourceRow()
    {
        var html = Parse(AsmErrorHtml.Render([new AsmDiagnostic(7, 3, "expected <exit> & more")], "exit"));
        var rows = html.Descendants("tbody").Single().Elements("tr").ToList();
        Assert.That(rows, Has.Count.EqualTo(1));
        Assert.That(rows[0].CellTexts(), Is.EqualTo(new[] { "7", "3", "expected <exit> & more" }));
        Assert.That(html.Descendants("div").First(d => d.HasClass("title")).Value, Is.EqualTo("1 error"));
    }

    [Test]
    public void CaretPastTheEndOfTheLine()
    {
        var pre = Parse(AsmErrorHtml.Render([new AsmDiagnostic(1, 8, "expected an operand")], "r0 = ")).Descendants("pre").Single();
        Assert.That(pre.WithClass("span", "caret").Single().Value, Is.EqualTo("       ^"));
    }
}
