using System.Xml.Linq;
using BtfNotebooks.Extension.Tests.Html;
using NUnit.Framework;
using static BtfNotebooks.Extension.Tests.Notebook.NotebookHarness;

namespace BtfNotebooks.Extension.Tests.Notebook;

/// <summary>
/// <c>#!btf-layout TYPE [--kernel N]</c>. Numbers from pahole 1.24 on the 6.1 blob (<c>pahole -C file</c>): a 4-byte
/// hole after f_lock at 52, size 232, 20 members, 1 hole of 4 bytes.
/// </summary>
public class LayoutTests
{
    private NotebookHarness _nb = null!;

    [OneTimeSetUp]
    public async Task Load() => _nb = await With(Debian61, Local618);

    [OneTimeTearDown]
    public void Dispose() => _nb.Dispose();

    private static List<XElement> Rows(XElement layout) => [.. layout.Descendants("tbody").Single().Elements("tr")];

    [TestCase("#!btf-layout file --kernel " + Debian61)]
    [TestCase("#!btf-layout --type file --kernel " + Debian61)]
    [TestCase("#!btf-layout \"struct file\" --kernel " + Debian61)]
    [TestCase("#!btf-layout --kernel " + Debian61 + " file")]
    public async Task A_struct_is_shown_as_pahole_does(string cell)
    {
        var result = await _nb.Ok(cell);
        Assert.That(result.Fragment("caption").Title(), Is.EqualTo($"struct file in {Debian61}"));
        var layout = result.Fragment("layout");
        var rows = Rows(layout);
        var hole = rows.Single(r => r.HasClass("hole"));
        Assert.That(hole.CellTexts().Take(2), Is.EqualTo(new[] { "52", "4" }));
        Assert.That((string?)hole.Attribute("data-after"), Is.EqualTo("f_lock"));
        Assert.That(hole.Value, Does.Contain("/* XXX 4 bytes hole, try to pack */"));
        var fPath = rows.Single(r => (string?)r.Attribute("data-path") == "f_path");
        Assert.That(fPath.CellTexts(), Is.EqualTo(new[] { "16", "16", "", "struct path", "f_path" }));
        var stats = layout.Descendants("span").Where(s => s.Attribute("data-k") is not null).ToDictionary(s => (string)s.Attribute("data-k")!, s => s.Value);
        Assert.That(stats["size"], Is.EqualTo("size: 232"));
        Assert.That(stats["members"], Is.EqualTo("members: 20"));
        Assert.That(stats["holes"], Is.EqualTo("holes: 1"));
    }

    [Test]
    public async Task The_same_type_in_another_kernel_has_that_kernels_layout()
    {
        var result = await _nb.Ok($"#!btf-layout task_struct --kernel {Local618}");
        var pid = Rows(result.Fragment("layout")).Single(r => (string?)r.Attribute("data-path") == "pid");
        Assert.That(pid.CellTexts().Take(2), Is.EqualTo(new[] { "1264", "4" }));
        Assert.That(result.Fragment("layout").Shown(), Does.Contain("size 3264"));
    }

    [Test]
    public async Task A_union_is_shown_too()
    {
        var result = await _nb.Ok($"#!btf-layout bpf_attr --kernel {Local618}");
        Assert.That(result.Fragment("layout").Shown(), Does.Contain("bpf_attr"));
    }

    [TestCase("#!btf-layout no_such_type --kernel " + Local618, "no_such_type", TestName = "unknown type")]
    [TestCase("#!btf-layout pid_t --kernel " + Local618, "not a struct or union", TestName = "a type that is not a struct")]
    [TestCase("#!btf-layout --kernel " + Local618, "missing a type", TestName = "no type")]
    [TestCase("#!btf-layout file --kernel nope", "no kernel named 'nope'", TestName = "unknown kernel")]
    [TestCase("#!btf-layout file", "2 kernels are loaded; choose one with --kernel", TestName = "several kernels without --kernel")]
    public async Task Bad_inputs_fail_saying_what_is_wrong(string cell, string expected)
    {
        var error = await _nb.Fails(cell);
        Assert.That(error, Does.Contain(expected));
        Assert.That(error, Does.Not.Contain("Exception"), "the library's message, not an exception's type");
    }

    [Test]
    public async Task Unknown_kernel_lists_the_loaded_ones()
    {
        var error = await _nb.Fails($"#!btf-layout file --kernel debian-6.1.0-56-amd65");
        Assert.That(error, Is.EqualTo($"no kernel named 'debian-6.1.0-56-amd65' in the catalog; did you mean {Debian61}? Known kernels (2): {Debian61}, {Local618}."));
    }

    [Test]
    public async Task Several_kernels_without_kernel_lists_them()
    {
        var error = await _nb.Fails("#!btf-layout task_struct");
        Assert.That(error, Does.Contain(Debian61).And.Contain(Local618));
    }

    [Test]
    public async Task With_no_kernel_loaded_it_says_to_load_one()
    {
        using var nb = new NotebookHarness();
        Assert.That(await nb.Fails("#!btf-layout file"), Does.Contain("no kernel is loaded").And.Contain("#!btf-load"));
        Assert.That(await nb.Fails("#!btf-layout file --kernel k"), Does.Contain("no kernel named 'k'"));
    }

    [Test]
    public async Task With_one_kernel_loaded_kernel_can_be_left_out()
    {
        using var nb = await With(Debian612);
        var result = await nb.Ok("#!btf-layout file");
        Assert.That(result.Fragment("caption").Title(), Is.EqualTo($"struct file in {Debian612}"));
        var fPath = Rows(result.Fragment("layout")).Single(r => (string?)r.Attribute("data-path") == "f_path");
        Assert.That(fPath.CellTexts()[0], Is.EqualTo("64"));
    }
}
