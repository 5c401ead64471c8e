using System.Xml.Linq;
using BtfNotebooks.Btf;
using BtfNotebooks.CoRe;
using BtfNotebooks.CoRe.Assembly;
using BtfNotebooks.CoRe.Matrix;
using BtfNotebooks.Extension.Html;
using NUnit.Framework;
using static BtfNotebooks.Extension.Tests.Html.HtmlTestSupport;

namespace BtfNotebooks.Extension.Tests.Html;

/// <summary>
/// CO-RE tables for a program assembled against 6.18 that reads task_struct.pid (1264 in 6.18, 2416 in 6.1,
/// per pahole) and task_struct.blocked_on, which 6.1 does not have: that record is poisoned there.
/// </summary>
public class CoreHtmlTests
{
    private const string Program = """
        r2 = *(u32 *)(r1 + %core(task_struct.pid))
        r3 = *(u64 *)(r1 + %core(task_struct.blocked_on))
        r0 = 0
        exit
        """;

    private static (BtfSpec Local, CoreAssembly Assembly, CoreProgram Program) Assemble()
    {
        var assembly = CoreAssembler.Assemble(Program, Kernel(Local618), section: "kprobe/x", name: "prog");
        var local = BtfSpec.Parse(assembly.LocalBtf);
        return (local, assembly, CoreProgram.FromInstructions(assembly.Section, assembly.Name, 0, assembly.Instructions));
    }

    private static CoreMatrix Matrix()
    {
        var (local, assembly, program) = Assemble();
        return CoreMatrix.Build(local, assembly.Records, [program],
            [new CoreMatrixTarget("6.1", Kernel(Debian61)), new CoreMatrixTarget("6.18", Kernel(Local618))]);
    }

    private static XElement MatrixRow(XElement html, int relo) =>
        html.Descendants("table").First().Descendants("tbody").Single().Elements("tr").Single(r => (string?)r.Attribute("data-relo") == $"kprobe/x#{relo}");

    [Test]
    public void MatrixMarksThePoisonedCellAndExplainsIt()
    {
        var matrix = Matrix();
        var html = Parse(CoreHtml.Render(matrix));

        var pid = MatrixRow(html, 0);
        var pidCells = pid.Elements("td").Where(td => td.Attribute("data-target") is not null).ToList();
        Assert.That(pidCells.Select(c => c.Value), Is.EqualTo(new[] { "2416", "1264" }));
        Assert.That(pidCells.All(c => c.HasClass("ok")), Is.True);
        Assert.That(pid.HasClass("differs"), Is.True, "the offset differs between the kernels");
        Assert.That(pid.Elements("td").ElementAt(4).Value, Is.EqualTo("task_struct.pid"));

        var blocked = MatrixRow(html, 1).Elements("td").Where(td => td.Attribute("data-target") is not null).ToList();
        var poisoned = blocked[0];
        Assert.That(poisoned.HasClass("poison"), Is.True);
        Assert.That(poisoned.Value, Is.EqualTo("poison"));
        var report = matrix.Rows[1].Cells[0].Report;
        Assert.That(report.Status, Is.EqualTo(CoreRelocationStatus.Poison));
        Assert.That((string?)poisoned.Attribute("title"), Is.EqualTo($"poison: {report.Message}"));
        Assert.That(report.Message, Is.Not.Null.And.Not.Empty);
        Assert.That(blocked[1].HasClass("ok"), Is.True);

        // Poisoning does not fail the load: both columns load.
        var loads = html.Descendants("tfoot").Single().Descendants("td").Where(td => td.HasClass("first")).Select(td => td.Value);
        Assert.That(loads, Is.EqualTo(new[] { "ok", "ok" }));

        var details = html.Descendants("details").Single(d => d.HasClass("notok"));
        Assert.That(details.Element("summary")!.Value, Is.EqualTo("1 cell not ok"));
        var listed = details.Descendants("tbody").Single().Elements("tr").Single();
        Assert.That(((string?)listed.Attribute("data-target"), (string?)listed.Attribute("data-relo")), Is.EqualTo(("6.1", "kprobe/x#1")));
        Assert.That(listed.CellTexts(), Is.EqualTo(new[] { "6.1", "kprobe/x relo #1 <byte_off> task_struct.blocked_on", "poison", report.Message }));
    }

    [Test]
    public void ReportRowsWithCandidatesAndInstructions()
    {
        var matrix = Matrix();
        var report = matrix.Reports[0]; // 6.1
        var html = Parse(CoreHtml.Render(report));
        Assert.That(html.Descendants("div").First(d => d.HasClass("title")).Value, Is.EqualTo("CO-RE against 6.1: 2 records, loads, 1 poisoned"));
        var rows = html.Descendants("table").First().Elements("tbody").Single().Elements("tr").ToList();
        Assert.That(rows.Select(r => ClassesOf(r).Single()), Is.EqualTo(new[] { "ok", "poison" }));

        var pid = rows[0].Elements("td").ToList();
        Assert.That(pid.Take(6).Select(c => c.Value), Is.EqualTo(new[] { "kprobe/x", "0", "0", "byte_off", "struct task_struct", "task_struct.pid" }));
        Assert.That(pid[6].Value, Is.EqualTo("ok"));
        Assert.That(pid[7].Value, Is.EqualTo("1264 → 2416"));
        Assert.That(pid[8].Value, Is.EqualTo("r2 = *(u32 *)(r1 + 0x4f0)"), "the 6.18 offset the assembler put in");
        Assert.That(pid[9].Value, Is.EqualTo("r2 = *(u32 *)(r1 + 0x970)"), "2416 after relocation");
        Assert.That((string?)pid[9].Attribute("title"), Is.EqualTo(CoreRelocationReport.Hex(report.Records[0].After)));
        var candidates = pid[10].Descendants("details").Single();
        Assert.That(candidates.Element("summary")!.Value, Does.EndWith(", 1 matching"));
        var matchRow = candidates.Descendants("tr").Single(r => r.HasClass("ok"));
        Assert.That(matchRow.CellTexts()[2], Does.Contain("task_struct"));
        Assert.That(matchRow.CellTexts()[4], Is.EqualTo("matches"));

        var poison = rows[1].Elements("td").ToList();
        Assert.That(poison[6].HasClass("poison"), Is.True);
        Assert.That((string?)poison[6].Attribute("title"), Is.EqualTo(report.Records[1].Message));
        Assert.That(poison[7].Value, Is.EqualTo("-"));
        Assert.That(poison[9].Value, Does.StartWith("call "), "a poisoned instruction calls the poison helper");
        var mismatches = poison[10].Descendants("tr").Where(r => r.HasClass("mismatch")).ToList();
        Assert.That(mismatches, Is.Not.Empty);
        Assert.That(mismatches.Select(r => r.CellTexts()[4]), Is.EqualTo(report.Records[1].Candidates.Where(c => !c.Matched).Select(c => c.Mismatch)));
    }

    [Test]
    public void ListingAnnotatesRelocatedInstructions()
    {
        var matrix = Matrix();
        var report = matrix.Reports[0];
        var program = report.Programs.Single();
        var html = Parse(ListingHtml.Render(program, report));
        var rows = html.Descendants("tbody").Single().Elements("tr").Where(r => r.HasClass("insn")).ToList();
        Assert.That(rows, Has.Count.EqualTo(4));
        Assert.That(rows.Select(r => r.HasClass("annotated")), Is.EqualTo(new[] { true, true, false, false }));
        Assert.That(rows[0].Elements("td").ElementAt(1).Value, Is.EqualTo("r2 = *(u32 *)(r1 + 0x970)"));
        Assert.That(rows[0].Elements("td").Last().Value, Is.EqualTo("relo #0 byte_off task_struct.pid: 1264 → 2416"));
        Assert.That(rows[1].Elements("td").Last().Value, Does.StartWith("relo #1 byte_off task_struct.blocked_on: poison"));
    }
}
