using System.Text.RegularExpressions;
using System.Xml.Linq;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Layout;
using BtfNotebooks.Extension.Html;
using NUnit.Framework;
using static BtfNotebooks.Extension.Tests.Html.HtmlTestSupport;

namespace BtfNotebooks.Extension.Tests.Html;

/// <summary>
/// The pahole-like layout table. Known facts from pahole 1.24 (<c>pahole -F btf -C file</c> on the 6.1 blob):
/// a 4-byte hole after f_lock at 52, cacheline 1 at f_flags (64), cacheline 2 "was 16 bytes ago" at f_cred (144),
/// cacheline 3 at f_security (192); size 232, 4 cachelines, 20 members, sum members 228, 1 hole of 4 bytes.
/// </summary>
public class StructLayoutHtmlTests
{
    private static XElement Render(string kernel, string type) => Parse(StructLayoutHtml.Render(StructLayout.Compute(Kernel(kernel), type)));

    private static List<XElement> BodyRows(XElement html) => html.Descendants("tbody").First().Elements("tr").ToList();

    [Test]
    public void HoleRowSitsBetweenTheMembersAroundIt()
    {
        var rows = BodyRows(Render(Debian61, "file"));
        int lockRow = rows.FindIndex(r => (string?)r.Attribute("data-path") == "f_lock");
        var hole = rows[lockRow + 1];
        Assert.That(hole.HasClass("hole"), Is.True, "the row after f_lock is the hole");
        Assert.That(hole.CellTexts().Take(2), Is.EqualTo(new[] { "52", "4" }));
        Assert.That(hole.Value, Does.Contain("/* XXX 4 bytes hole, try to pack */"));
        Assert.That((string?)hole.Attribute("data-after"), Is.EqualTo("f_lock"));
        Assert.That((string?)rows[lockRow + 2].Attribute("data-path"), Is.EqualTo("f_count"));
        Assert.That(rows.Count(r => r.HasClass("hole") || r.HasClass("bithole")), Is.EqualTo(1));
    }

    [Test]
    public void CachelineRulesPrecedeTheFirstMemberOfEachLine()
    {
        var rows = BodyRows(Render(Debian61, "file"));
        var rules = rows.Select((r, i) => (Row: r, i)).Where(x => x.Row.HasClass("cl")).ToList();
        Assert.That(rules.Select(x => (string?)x.Row.Attribute("data-line")), Is.EqualTo(new[] { "1", "2", "3" }));
        Assert.That(rules.Select(x => (string?)rows[x.i + 1].Attribute("data-path")), Is.EqualTo(new[] { "f_flags", "f_cred", "f_security" }));
        Assert.That(rules[0].Row.Value, Does.Contain("cacheline 1 boundary (64 bytes)"));
        Assert.That(rules[1].Row.Value, Does.Contain("cacheline 2 boundary (128 bytes) was 16 bytes ago"));
        Assert.That(rules[2].Row.Value, Does.Contain("cacheline 3 boundary (192 bytes)"));
        Assert.That(rules[0].Row.Elements("td").Single().Attribute("colspan")?.Value, Is.EqualTo("5"), "a rule across the table");
    }

    [Test]
    public void FooterHasPaholesSummary()
    {
        var stats = Render(Debian61, "file").Descendants("div").Single(d => d.HasClass("stats"));
        var byKey = stats.Elements("span").ToDictionary(s => (string)s.Attribute("data-k")!, s => s.Value);
        Assert.That(byKey["size"], Is.EqualTo("size: 232"));
        Assert.That(byKey["cachelines"], Is.EqualTo("cachelines: 4"));
        Assert.That(byKey["members"], Is.EqualTo("members: 20"));
        Assert.That(byKey["sum-members"], Is.EqualTo("sum members: 228"));
        Assert.That(byKey["holes"], Is.EqualTo("holes: 1"));
        Assert.That(byKey["sum-holes"], Is.EqualTo("sum holes: 4"));
        Assert.That(byKey["padding"], Is.EqualTo("padding: 0"));
        Assert.That(byKey["last-cacheline"], Is.EqualTo("last cacheline: 40 bytes"));
    }

    [Test]
    public void AnonymousMembersAreIndentedUnderTheirUnion()
    {
        var rows = BodyRows(Render(Debian61, "file"));
        // pahole: union { f_llist /* 0 8 */; f_rcuhead /* 0 16 */; f_iocb_flags /* 0 4 */ } /* 0 16 */
        var union = rows[0];
        Assert.That(union.CellTexts(), Is.EqualTo(new[] { "0", "16", "", "union {...}", "(anonymous)" }));
        var inner = rows.Skip(1).Take(3).ToList();
        Assert.That(inner.Select(r => (string?)r.Attribute("data-path")), Is.EqualTo(new[] { "f_llist", "f_rcuhead", "f_iocb_flags" }));
        Assert.That(inner.Select(r => r.CellTexts()[1]), Is.EqualTo(new[] { "8", "16", "4" }));
        Assert.That(inner.All(r => (string?)r.Attribute("data-depth") == "1"), Is.True);
        Assert.That((string?)inner[0].Elements("td").ElementAt(3).Attribute("style"), Does.StartWith("padding-left:"));
        Assert.That(union.Elements("td").ElementAt(3).Attribute("style"), Is.Null, "the root level is not indented");
    }

    [Test]
    public void BitfieldsBitHolesAndPaddingOfTaskStruct()
    {
        var html = Render(Local618, "task_struct");
        var rows = BodyRows(html);
        // pahole: unsigned int init_private_fork_class:4; /* 1192: 4  4 */, "XXX 28 bits hole" after sched_task_hot
        var wide = rows.Single(r => (string?)r.Attribute("data-path") == "init_private_fork_class");
        Assert.That(wide.CellTexts().Take(3), Is.EqualTo(new[] { "1192", "4", "4:4" }));
        int hot = rows.FindIndex(r => (string?)r.Attribute("data-path") == "sched_task_hot");
        Assert.That(rows[hot + 1].HasClass("bithole"), Is.True);
        Assert.That(rows[hot + 1].Value, Does.Contain("/* XXX 28 bits hole, try to pack */"));
        // padding: 24 of 3264
        var pad = rows.Last();
        Assert.That(pad.HasClass("pad"), Is.True);
        Assert.That(pad.CellTexts().Take(2), Is.EqualTo(new[] { "3240", "24" }));
        Assert.That(pad.Value, Does.Contain("/* XXX 24 bytes padding */"));
        // "XXX last struct has 4 bytes of padding" after prev_cputime
        int prev = rows.FindIndex(r => (string?)r.Attribute("data-path") == "prev_cputime");
        Assert.That(rows[prev + 1].Value, Does.Contain("/* XXX last struct has 4 bytes of padding */"));
    }

    /// <summary>
    /// The table shows what <see cref="StructLayout.ToText"/> shows: the same members with the same numbers, the same
    /// holes and cacheline lines, in the same order (checked on large structs of several kernels).
    /// </summary>
    [TestCase(Debian61, "task_struct")]
    [TestCase(Local618, "sk_buff")]
    [TestCase(Local618, "mm_struct")]
    [TestCase(Debian612, "file")]
    [TestCase(Local618, "bpf_attr")]
    public void RowsFollowTheTextLayout(string kernel, string type)
    {
        var layout = StructLayout.Compute(Kernel(kernel), type);
        var rows = BodyRows(Parse(StructLayoutHtml.Render(layout)));
        var fromHtml = new List<string>();
        foreach (var r in rows)
        {
            var cells = r.CellTexts();
            if (r.HasClass("member")) fromHtml.Add($"m {cells[0]} {cells[1]}");
            else if (r.HasClass("hole") || r.HasClass("bithole")) fromHtml.Add(Regex.Match(r.Value, @"XXX \d+ (?:bits?|bytes?) hole").Value);
            else if (r.HasClass("cl")) fromHtml.Add(Regex.Match(r.Value, @"cacheline \d+ boundary").Value);
            else if (r.HasClass("inner")) fromHtml.Add("lastpad");
        }
        var fromText = new List<string>();
        foreach (var line in layout.ToText().Split('\n'))
        {
            if (Regex.Match(line, @"/\*\s+(\d+)(?::\s*\d+)?\s+(\d+) \*/$") is { Success: true } m) fromText.Add($"m {m.Groups[1].Value} {m.Groups[2].Value}");
            else if (Regex.Match(line, @"XXX \d+ (?:bits?|bytes?) hole") is { Success: true } h) fromText.Add(h.Value);
            else if (Regex.Match(line, @"cacheline \d+ boundary") is { Success: true } c) fromText.Add(c.Value);
            else if (line.Contains("XXX last struct has", StringComparison.Ordinal)) fromText.Add("lastpad");
        }
        // The text closes an expanded member with "} name; /* offset size */" after its members; the table opens it.
        Assert.That(fromHtml.Order(), Is.EqualTo(fromText.Order()), $"{type}: same facts");
        Assert.That(fromHtml.Where(f => !f.StartsWith("m ", StringComparison.Ordinal)),
            Is.EqualTo(fromText.Where(f => !f.StartsWith("m ", StringComparison.Ordinal))), $"{type}: holes and cachelines in the same order");
        Assert.That(rows.Count(r => r.HasClass("member")), Is.EqualTo(layout.Members.Count));
    }

    [Test]
    public void TypeNamesAreEscaped()
    {
        // A Rust-like struct name and a function pointer member: "struct Wrapper<&u8>", "void (*)(int)".
        var b = new BtfBuilder();
        uint i32 = b.Int("int", 4, BtfIntEncoding.Signed);
        uint proto = b.FuncProto(0, ("", i32));
        uint fnPtr = b.Ptr(proto);
        uint inner = b.Struct("Wrapper<&u8>", 4, ("v", i32, 0, 0));
        b.Struct("holder", 24, ("cb", fnPtr, 0, 0), ("w", inner, 64, 0), ("a&b", i32, 128, 0));
        var layout = StructLayout.Compute(BtfSpec.Parse(b.ToArray()), "holder");
        string raw = StructLayoutHtml.Render(layout);
        Assert.That(raw, Does.Contain("struct Wrapper&lt;&amp;u8&gt;"));
        Assert.That(raw, Does.Not.Contain("Wrapper<&"));

        var rows = BodyRows(Parse(raw));
        Assert.That(rows.Where(r => r.HasClass("member")).Select(r => r.CellTexts()[3]),
            Is.EqualTo(new[] { "void (*)(int)", "struct Wrapper<&u8>", "int" }));
        Assert.That(rows.Single(r => (string?)r.Attribute("data-path") == "a&b").CellTexts()[4], Is.EqualTo("a&b"));
        var hole = rows.Single(r => r.HasClass("hole"));
        Assert.That(hole.CellTexts().Take(2), Is.EqualTo(new[] { "12", "4" }), "the 4 bytes after the wrapper");
        Assert.That(rows.Last().HasClass("pad"), Is.True);
        Assert.That(rows.Last().CellTexts().Take(2), Is.EqualTo(new[] { "20", "4" }));
    }

    [Test]
    public void ControlCharactersInNamesStillParse()
    {
        var b = new BtfBuilder();
        uint i32 = b.Int("int", 4, BtfIntEncoding.Signed);
        b.Struct("odd", 4, ("x\u0001y", i32, 0, 0));
        string raw = StructLayoutHtml.Render(StructLayout.Compute(BtfSpec.Parse(b.ToArray()), "odd"));
        var row = BodyRows(Parse(raw)).Single(r => r.HasClass("member"));
        Assert.That(row.CellTexts()[4], Is.EqualTo("x\uFFFDy"));
    }
}
