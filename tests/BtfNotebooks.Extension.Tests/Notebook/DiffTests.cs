using System.Xml.Linq;
using BtfNotebooks.Extension.Tests.Html;
using NUnit.Framework;
using static BtfNotebooks.Extension.Tests.Notebook.NotebookHarness;

namespace BtfNotebooks.Extension.Tests.Notebook;

/// <summary>
/// <c>#!btf-diff TYPE --kernels A,B</c>. From pahole 1.24: struct file's f_path is at 16 in 6.1 and at 64 from 6.12 on;
/// struct bpf_iter_num exists from 6.4 on, so not in 6.1.
/// </summary>
public class DiffTests
{
    private NotebookHarness _nb = null!;

    [OneTimeSetUp]
    public async Task Load() => _nb = await With(Debian61, Debian612, Local618);

    [OneTimeTearDown]
    public void Dispose() => _nb.Dispose();

    private static XElement Row(XElement diff, string path) =>
        diff.Descendants("tbody").Single().Elements("tr").Single(r => (string?)r.Attribute("data-path") == path);

    private static List<string> Columns(XElement diff) =>
        [.. diff.Descendants("thead").Single().Elements("tr").First().Elements("th").Where(t => t.HasClass("group")).Select(t => t.Value)];

    [TestCase("#!btf-diff file --kernels " + Debian61 + "," + Debian612)]
    [TestCase("#!btf-diff --type file --kernels " + Debian61 + "," + Debian612)]
    [TestCase("#!btf-diff file --kernels \"" + Debian61 + ", " + Debian612 + "\"")]
    public async Task F_path_moved_from_16_to_64(string cell)
    {
        var diff = (await _nb.Ok(cell)).Fragment("diff");
        Assert.That(Columns(diff), Is.EqualTo(new[] { $"{Debian61} (reference)", Debian612 }));
        var cells = Row(diff, "f_path").Elements("td").Skip(2).ToList();
        Assert.That(cells[0].Value, Is.EqualTo("16"));
        Assert.That(cells[2].Value, Is.EqualTo("64"));
        Assert.That(cells[2].HasClass("moved"), Is.True);
        Assert.That((string?)cells[2].Attribute("title"), Does.StartWith("moved 16 → 64"));
        Assert.That(Row(diff, "f_path").HasClass("changed"), Is.True);
    }

    [Test]
    public async Task Without_kernels_every_loaded_vmlinux_is_compared_the_first_as_reference()
    {
        var diff = (await _nb.Ok("#!btf-diff file")).Fragment("diff");
        Assert.That(Columns(diff), Is.EqualTo(new[] { $"{Debian61} (reference)", Debian612, Local618 }));
    }

    [Test]
    public async Task A_type_missing_in_one_kernel_is_marked_there()
    {
        var diff = (await _nb.Ok($"#!btf-diff bpf_iter_num --kernels {Debian612},{Debian61}")).Fragment("diff");
        var missing = diff.Descendants("th").Single(t => t.HasClass("group") && t.Value == Debian61);
        Assert.That(missing.HasClass("notype"), Is.True);
        var row = Row(diff, "__opaque");
        Assert.That(row.Elements("td").Last().HasClass("notype"), Is.True);
        Assert.That(diff.Shown(), Does.Contain($"{Debian61}: type missing"));
    }

    [Test]
    public async Task A_type_missing_in_the_reference_is_marked_and_its_members_added()
    {
        var diff = (await _nb.Ok($"#!btf-diff bpf_iter_num --kernels {Debian61},{Debian612}")).Fragment("diff");
        var reference = diff.Descendants("th").Single(t => t.HasClass("group") && t.HasClass("reference"));
        Assert.That(reference.Value, Is.EqualTo($"{Debian61} (reference)"));
        Assert.That(reference.HasClass("notype"), Is.True);
        var cells = Row(diff, "__opaque").Elements("td").Skip(2).ToList();
        Assert.That(cells[0].HasClass("notype"), Is.True, "nothing in the reference");
        Assert.That(cells[1].Value, Is.EqualTo("0"));
        Assert.That(cells[1].HasClass("added"), Is.True);
    }

    [TestCase("#!btf-diff file --kernels " + Local618, "a diff needs at least two kernels; only " + Local618 + " is selected", TestName = "one kernel")]
    [TestCase("#!btf-diff no_such_struct --kernels " + Debian61 + "," + Local618, "no_such_struct", TestName = "a type no kernel has")]
    [TestCase("#!btf-diff file --kernels " + Debian61 + ",nope", "no kernel named 'nope'", TestName = "unknown kernel")]
    [TestCase("#!btf-diff --kernels " + Debian61 + "," + Local618, "missing a type", TestName = "no type")]
    public async Task Bad_inputs_fail_saying_what_is_wrong(string cell, string expected)
    {
        var error = await _nb.Fails(cell);
        Assert.That(error, Does.Contain(expected));
        Assert.That(error, Does.Not.Contain("Exception"));
    }

    [Test]
    public async Task With_one_kernel_loaded_it_needs_another()
    {
        using var nb = await With(Debian61);
        Assert.That(await nb.Fails("#!btf-diff file"), Does.Contain("at least two kernels"));
        using var empty = new NotebookHarness();
        Assert.That(await empty.Fails("#!btf-diff file"), Does.Contain("no kernel is loaded"));
    }
}
