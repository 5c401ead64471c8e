using System.Xml.Linq;
using BtfNotebooks.Extension.Tests.Html;
using NUnit.Framework;
using static BtfNotebooks.Extension.Tests.Notebook.NotebookHarness;

namespace BtfNotebooks.Extension.Tests.Notebook;

/// <summary>
/// <c>#!bpf-relocate P [--kernels ...]</c>: the records-by-kernels matrix, kernels in version order. task_struct.pid is
/// at 2416 (6.1), 2432 (6.12), 1264 (6.18); sizeof(task_struct) 9792, 9792, 3264; task_struct.blocked_on exists only
/// in 6.18 (at 2072), so the record is poisoned elsewhere.
/// </summary>
public class RelocateTests
{
    private NotebookHarness _nb = null!;

    [OneTimeSetUp]
    public async Task Load()
    {
        _nb = await With(Local618, Debian612, Debian61);
        await _nb.Ok($"#!bpf --name core --against {Local618}\nr0 = *(u32 *)(r1 + %core(task_struct.pid))\nr2 = %core_size(task_struct)\nexit");
        await _nb.Ok($"#!bpf --name blocked --against {Local618}\nr0 = *(u64 *)(r1 + %core(task_struct.blocked_on))\nexit");
        await _nb.Ok("#!bpf --name plain\nr0 = 0\nexit");
    }

    [OneTimeTearDown]
    public void Dispose() => _nb.Dispose();

    private static List<string> Targets(XElement matrix) =>
        [.. matrix.Descendants("thead").First().Descendants("th").Where(t => t.HasClass("first")).Select(t => t.Value)];

    private static List<XElement> Cells(XElement matrix, string relo) =>
        [.. matrix.Descendants("tbody").First().Elements("tr").Single(r => (string?)r.Attribute("data-relo") == relo).Elements("td").Where(c => c.Attribute("data-target") is not null)];

    [TestCase("#!bpf-relocate core", TestName = "all loaded kernels")]
    [TestCase("#!bpf-relocate core --kernels " + Local618 + "," + Debian61 + "," + Debian612, TestName = "kernels named out of order")]
    [TestCase("#!bpf-relocate --program core --kernels \"" + Debian612 + " " + Local618 + " " + Debian61 + "\"", TestName = "kernels space separated")]
    public async Task One_column_per_kernel_in_version_order(string code)
    {
        var matrix = (await _nb.Ok(code)).Fragment("matrix");
        Assert.That(Targets(matrix), Is.EqualTo(new[] { Debian61, Debian612, Local618 }));
        var pid = Cells(matrix, "xdp#0");
        Assert.That(pid.Select(c => (string?)c.Attribute("data-target")), Is.EqualTo(new[] { Debian61, Debian612, Local618 }));
        Assert.That(pid.Select(c => c.Value), Is.EqualTo(new[] { "2416", "2432", "1264" }));
        Assert.That(pid.All(c => c.HasClass("ok")), Is.True);
        Assert.That((string?)pid[0].Attribute("title"), Does.Contain("1264 → 2416"), "from the reference's value to the target's");
        Assert.That(Cells(matrix, "xdp#1").Select(c => c.Value), Is.EqualTo(new[] { "9792", "9792", "3264" }));
        Assert.That(matrix.Descendants("tr").Single(r => (string?)r.Attribute("data-relo") == "xdp#0").HasClass("differs"), Is.True);
        Assert.That(matrix.Descendants("tfoot").Single().Descendants("td").Where(c => c.HasClass("first")).Select(c => c.Value), Is.All.EqualTo("ok"));
        Assert.That(matrix.Title(), Is.EqualTo("2 records x 3 targets: 3 load, 0 fail; 2 differ between targets"));
    }

    [Test]
    public async Task A_field_missing_in_a_kernel_is_poisoned_there_with_its_reason()
    {
        var matrix = (await _nb.Ok("#!bpf-relocate blocked")).Fragment("matrix");
        var cells = Cells(matrix, "xdp#0");
        Assert.That(cells.Select(c => c.Value), Is.EqualTo(new[] { "poison", "poison", "2072" }));
        Assert.That(cells[0].HasClass("poison"), Is.True);
        Assert.That(cells[2].HasClass("ok"), Is.True);
        Assert.That((string?)cells[0].Attribute("title"), Does.StartWith("poison: "), "the reason on hover");
        // Under the table, every cell that is not ok with its reason.
        var notOk = matrix.Descendants("details").Single(d => d.HasClass("notok"));
        Assert.That(notOk.Element("summary")!.Value, Is.EqualTo("2 cells not ok"));
        var rows = notOk.Descendants("tbody").Single().Elements("tr").ToList();
        Assert.That(rows.Select(r => (string?)r.Attribute("data-target")), Is.EqualTo(new[] { Debian61, Debian612 }));
        Assert.That(rows[0].CellTexts()[1], Is.EqualTo("xdp relo #0 <byte_off> task_struct.blocked_on"));
        Assert.That(rows[0].CellTexts()[2], Is.EqualTo("poison"));
        Assert.That(rows[0].CellTexts()[3], Is.EqualTo("no matching targets found"), "libbpf's reason");
        // A poisoned record does not stop the load: libbpf fails only if the instruction is reached.
        Assert.That(matrix.Descendants("tfoot").Single().Descendants("td").Where(c => c.HasClass("first")).Select(c => c.Value), Is.All.EqualTo("ok"));
    }

    [TestCase("#!bpf-relocate nope", "no program named 'nope'; loaded: blocked, core, plain", TestName = "unknown program")]
    [TestCase("#!bpf-relocate", "missing the program: #!bpf-relocate PROGRAM", TestName = "no program")]
    [TestCase("#!bpf-relocate plain", "plain has no CO-RE records", TestName = "a program without CO-RE records")]
    [TestCase("#!bpf-relocate core --kernels nope", "no kernel named 'nope'", TestName = "unknown kernel")]
    public async Task Bad_inputs_fail_saying_what_is_wrong(string cell, string expected)
    {
        var error = await _nb.Fails(cell);
        Assert.That(error, Does.Contain(expected));
        Assert.That(error, Does.Not.Contain("Exception"));
    }

    [Test]
    public async Task Without_programs_or_kernels_it_says_what_to_do()
    {
        using var nb = new NotebookHarness();
        Assert.That(await nb.Fails("#!bpf-relocate p"), Does.Contain("none is loaded yet").And.Contain("#!bpf"));
        await nb.Ok($"#!btf-load {KernelFile(Local618)}");
        await nb.Ok("#!bpf --name p\nr0 = *(u32 *)(r1 + %core(task_struct.pid))\nexit");
        var matrix = (await nb.Ok("#!bpf-relocate p")).Fragment("matrix");
        Assert.That(Targets(matrix), Is.EqualTo(new[] { Local618 }));
    }
}
