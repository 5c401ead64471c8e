using BtfNotebooks.Asm.Text;
using BtfNotebooks.Extension.Html;
using NUnit.Framework;
using static BtfNotebooks.Extension.Tests.Html.HtmlTestSupport;

namespace BtfNotebooks.Extension.Tests.Html;

/// <summary>The listing: the disassembler's lines, labels as their own rows, slots counted, notes beside instructions.</summary>
public class ListingHtmlTests
{
    private const string Source = """
        r0 = 0x123456789 ll
        if r1 == 0x0 goto +1
        r0 = 0x1
        r0 += r1
        exit
        """;

    [TestCase(AsmSyntax.Llvm)]
    [TestCase(AsmSyntax.Conformance)]
    public void LabelsSlotsAndAnnotations(AsmSyntax syntax)
    {
        var program = Assembler.Assemble(Source, AsmSyntax.Llvm).Instructions;
        var html = Parse(ListingHtml.Render(program, [new(1, "checks r1 < 2"), new(3, "a & b"), new(3, "second")], syntax));
        var rows = html.Descendants("tbody").Single().Elements("tr").ToList();

        var insns = rows.Where(r => r.HasClass("insn")).ToList();
        Assert.That(insns.Select(r => r.Elements("td").First().Value), Is.EqualTo(new[] { "0", "2", "3", "4", "5" }), "lddw takes two slots");
        Assert.That(insns.Select(r => r.Elements("td").ElementAt(1).Value),
            Is.EqualTo(program.Select(i => Disassembler.Format(i, syntax)).Select((t, i) => i == 1 ? insns[1].Elements("td").ElementAt(1).Value : t)),
            "each line is the disassembler's (the branch names its label)");

        // The branch at slot 2 targets slot 4 (r0 += r1): one label row right before it, named by the branch.
        var label = rows.Single(r => r.HasClass("label"));
        Assert.That(rows.IndexOf(label) + 1, Is.EqualTo(rows.IndexOf(insns[3])));
        string name = label.Value.TrimEnd(':');
        Assert.That(insns[1].Elements("td").ElementAt(1).Value, Does.EndWith(name));

        Assert.That(insns.Select(r => r.HasClass("annotated")), Is.EqualTo(new[] { false, true, false, true, false }));
        var note = insns[3].Elements("td").Last();
        Assert.That(note.Elements("br").Count(), Is.EqualTo(1));
        Assert.That(note.Nodes().OfType<System.Xml.Linq.XText>().Select(t => t.Value), Is.EqualTo(new[] { "a & b", "second" }));
        Assert.That(insns[0].Elements("td").Last().Value, Is.Empty);
    }

    [Test]
    public void WithoutLabelsTargetsStayRelative()
    {
        var program = Assembler.Assemble(Source, AsmSyntax.Llvm).Instructions;
        var rows = Parse(ListingHtml.Render(program, labels: false)).Descendants("tbody").Single().Elements("tr").ToList();
        Assert.That(rows.Any(r => r.HasClass("label")), Is.False);
        Assert.That(rows[1].Elements("td").ElementAt(1).Value, Is.EqualTo(Disassembler.Format(program[1], AsmSyntax.Llvm)));
    }

    [Test]
    public void AnnotationOutsideTheProgramIsRefused()
    {
        var program = Assembler.Assemble("r0 = 0\nexit", AsmSyntax.Llvm).Instructions;
        Assert.Throws<ArgumentOutOfRangeException>(() => ListingHtml.Render(program, [new(2, "x")]));
    }
}
