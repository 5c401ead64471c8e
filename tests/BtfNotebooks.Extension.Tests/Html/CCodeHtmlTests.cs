using BtfNotebooks.Btf.CDump;
using BtfNotebooks.Extension.Html;
using NUnit.Framework;
using static BtfNotebooks.Extension.Tests.Html.HtmlTestSupport;

namespace BtfNotebooks.Extension.Tests.Html;

/// <summary>Highlighted C: nothing of the text is lost or changed, and the classes land on the right tokens.</summary>
public class CCodeHtmlTests
{
    [Test]
    public void DeclarationFromTheCDumpIsShownWhole()
    {
        var spec = Kernel(Debian61);
        string c = CHeaderWriter.Declaration(spec, spec.FindComposite("struct file").Id);
        var pre = Parse(CCodeHtml.Declaration(spec, "struct file")).Descendants("pre").Single();
        Assert.That(pre.Value, Is.EqualTo(c), "every character of the dump, in order");
        Assert.That(pre.Value, Does.StartWith("struct file {").And.Contain("struct path f_path;"));
        var keywords = pre.WithClass("span", "kw").Select(s => s.Value).ToList();
        Assert.That(keywords, Does.Contain("struct").And.Contain("union").And.Contain("const").And.Contain("unsigned"));
        Assert.That(keywords, Does.Not.Contain("f_path").And.Not.Contain("file"));
    }

    [Test]
    public void CommentsStringsPreprocessorAndNumbers()
    {
        const string source = "#define X(a) \\\n  (a & 1)\n/* a < b && c */ struct s { int x : 3; char *p; }; // done\nchar c = '<'; const char *q = \"a\\\"&b\";\nlong v = 0x1F;\n";
        var pre = Parse(CCodeHtml.Render(source)).Descendants("pre").Single();
        Assert.That(pre.Value, Is.EqualTo(source));
        Assert.That(pre.WithClass("span", "pp").Select(s => s.Value), Is.EqualTo(new[] { "#define X(a) \\\n  (a & 1)" }), "through the continuation");
        Assert.That(pre.WithClass("span", "cm").Select(s => s.Value), Is.EqualTo(new[] { "/* a < b && c */", "// done" }));
        Assert.That(pre.WithClass("span", "str").Select(s => s.Value), Is.EqualTo(new[] { "'<'", "\"a\\\"&b\"" }));
        Assert.That(pre.WithClass("span", "num").Select(s => s.Value), Is.EqualTo(new[] { "3", "0x1F" }));
        Assert.That(pre.WithClass("span", "kw").Select(s => s.Value),
            Is.EqualTo(new[] { "struct", "int", "char", "char", "const", "char", "long" }));
    }

    [Test]
    public void UnterminatedCommentRunsToTheEnd()
    {
        var pre = Parse(CCodeHtml.Render("int a; /* open <")).Descendants("pre").Single();
        Assert.That(pre.WithClass("span", "cm").Single().Value, Is.EqualTo("/* open <"));
        Assert.That(pre.Value, Is.EqualTo("int a; /* open <"));
    }
}
