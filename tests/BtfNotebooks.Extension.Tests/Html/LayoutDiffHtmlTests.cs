using System.Xml.Linq;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Diff;
using BtfNotebooks.Extension.Html;
using NUnit.Framework;
using static BtfNotebooks.Extension.Tests.Html.HtmlTestSupport;

namespace BtfNotebooks.Extension.Tests.Html;

/// <summary>
/// The side-by-side diff of struct file across 6.1, 6.12 and 6.18. From pahole 1.24: f_path is at 16 in 6.1 and at
/// 64 in 6.12 and 6.18, where it is "const struct path" inside an anonymous union; f_version (u64 at 184) exists in
/// 6.1 only; f_pipe (u64 at 80) from 6.12 on.
/// </summary>
public class LayoutDiffHtmlTests
{
    private static readonly string[] Kernels = [Debian61, Debian612, Local618];

    private static LayoutDiff FileDiff() => LayoutDiff.Compute("file", Kernels.Select(k => (k, Kernel(k))));

    /// <summary>The cells of a row by kernel: offset, size and (after the reference) type.</summary>
    private static List<XElement[]> Groups(XElement row)
    {
        var cells = row.Elements("td").Skip(2).ToList();
        return [cells.Take(2).ToArray(), cells.Skip(2).Take(3).ToArray(), cells.Skip(5).Take(3).ToArray()];
    }

    private static XElement Row(XElement html, string path) =>
        html.Descendants("tbody").Single().Elements("tr").Single(r => (string?)r.Attribute("data-path") == path);

    [Test]
    public void MovedCellsCarryTheClassAndWhatChanged()
    {
        var html = Parse(LayoutDiffHtml.Render(FileDiff()));
        var fPath = Row(html, "f_path");
        Assert.That(fPath.HasClass("changed"), Is.True);
        Assert.That(fPath.Elements("td").Take(2).Select(c => c.Value), Is.EqualTo(new[] { "f_path", "struct path" }));
        var groups = Groups(fPath);

        Assert.That(groups[0].Select(c => c.Value), Is.EqualTo(new[] { "16", "16" }));
        Assert.That(groups[0].Any(c => c.HasClass("moved")), Is.False, "the reference does not move");

        var (offset612, size612, type612) = (groups[1][0], groups[1][1], groups[1][2]);
        Assert.That(offset612.Value, Is.EqualTo("64"));
        Assert.That(offset612.HasClass("moved"), Is.True);
        Assert.That((string?)offset612.Attribute("title"), Is.EqualTo("moved 16 → 64"));
        Assert.That(size612.HasClass("resized"), Is.False);
        Assert.That(type612.Value, Is.Empty, "same type as the reference");

        var (offset618, type618) = (groups[2][0], groups[2][2]);
        Assert.That(offset618.HasClass("moved"), Is.True);
        Assert.That(type618.HasClass("retyped"), Is.True);
        Assert.That(type618.Value, Is.EqualTo("const struct path"));
        Assert.That((string?)type618.Attribute("title"), Is.EqualTo("moved 16 → 64; retyped struct path → const struct path"));
    }

    [Test]
    public void AddedAndRemovedMembers()
    {
        var html = Parse(LayoutDiffHtml.Render(FileDiff()));
        var version = Groups(Row(html, "f_version"));
        Assert.That(version[0].Select(c => c.Value), Is.EqualTo(new[] { "184", "8" }));
        Assert.That(version[1].All(c => c.HasClass("removed")), Is.True);
        Assert.That((string?)version[1][0].Attribute("title"), Is.EqualTo("removed (was at 184)"));
        Assert.That(version[1][0].Value, Is.EqualTo("-"));

        var pipe = Groups(Row(html, "f_pipe"));
        Assert.That(pipe[0].All(c => c.HasClass("absent") && c.Value == "-"), Is.True, "not in the reference");
        Assert.That(pipe[1].All(c => c.HasClass("added")), Is.True);
        Assert.That(pipe[1].Select(c => c.Value).Take(2), Is.EqualTo(new[] { "80", "8" }));
        Assert.That((string?)pipe[1][0].Attribute("title"), Is.EqualTo("added at 80"));
    }

    [Test]
    public void OwnerIsMovedResizedAndRetyped()
    {
        var owner = Groups(Row(Parse(LayoutDiffHtml.Render(FileDiff())), "f_owner"))[1];
        Assert.That(owner.Select(c => c.Value), Is.EqualTo(new[] { "128", "8", "struct fown_struct *" }));
        Assert.That((owner[0].HasClass("moved"), owner[1].HasClass("resized"), owner[2].HasClass("retyped")), Is.EqualTo((true, true, true)));
        Assert.That((string?)owner[1].Attribute("title"),
            Is.EqualTo("moved 112 → 128; resized 32 → 8; retyped struct fown_struct → struct fown_struct *"));
    }

    [Test]
    public void HeaderTotalsLegendAndSummary()
    {
        var diff = FileDiff();
        var html = Parse(LayoutDiffHtml.Render(diff));
        var groups = html.Descendants("thead").Single().Elements("tr").First().Elements("th").Where(th => th.HasClass("group")).ToList();
        Assert.That(groups.Select(g => g.Value), Is.EqualTo(new[] { Debian61 + " (reference)", Debian612, Local618 }));
        Assert.That(groups.Select(g => (string?)g.Attribute("colspan")), Is.EqualTo(new[] { "2", "3", "3" }));

        var size = html.Descendants("tfoot").Single().Elements("tr").Single(r => (string?)r.Attribute("data-total") == "size");
        Assert.That(size.Elements("td").Select(c => c.Value), Is.EqualTo(new[] { "232", "184", "184" }));
        var changes = html.Descendants("tfoot").Single().Elements("tr").Single(r => (string?)r.Attribute("data-total") == "changes");
        Assert.That(changes.Elements("td").ElementAt(1).Value, Is.EqualTo(diff.Kernels[1].Counts.ToString()));
        Assert.That(diff.Kernels[1].Counts.ToString(), Does.Contain("3 added, 2 removed"));

        var legend = html.Descendants("div").Single(d => d.HasClass("legend"));
        Assert.That(legend.Elements("span").Select(s => ClassesOf(s).Single()), Is.SupersetOf(new[] { "moved", "resized", "retyped", "added", "removed" }));
        var summary = html.Descendants("div").Single(d => d.HasClass("summary")).Value;
        Assert.That(summary, Does.StartWith($"{diff.Rows.Count} members, {diff.ChangedRows.Count()} changed"));

        var changedOnly = Parse(LayoutDiffHtml.Render(diff, changedOnly: true));
        Assert.That(changedOnly.Descendants("tbody").Single().Elements("tr").Count(), Is.EqualTo(diff.ChangedRows.Count()));
    }

    [Test]
    public void KernelWithoutTheTypeIsAMarkedColumn()
    {
        var b = new BtfBuilder();
        b.Int("int", 4, BtfIntEncoding.Signed);
        var without = BtfSpec.Parse(b.ToArray());
        var diff = LayoutDiff.Compute("file", [(Debian61, Kernel(Debian61)), ("empty<&>", without)]);
        var html = Parse(LayoutDiffHtml.Render(diff));
        var header = html.Descendants("th").Single(th => th.HasClass("group") && th.HasClass("notype"));
        Assert.That(header.Value, Is.EqualTo("empty<&>"));
        var cell = Row(html, "f_path").Elements("td").Last();
        Assert.That(cell.HasClass("notype"), Is.True);
        Assert.That((string?)cell.Attribute("title"), Is.EqualTo(diff.Kernels[1].MissingReason).And.Not.Empty);
        Assert.That((string?)cell.Attribute("colspan"), Is.EqualTo("3"));
    }
}
