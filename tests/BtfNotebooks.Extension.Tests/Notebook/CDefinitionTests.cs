using BtfNotebooks.Extension.Tests.Html;
using NUnit.Framework;
using static BtfNotebooks.Extension.Tests.Notebook.NotebookHarness;

namespace BtfNotebooks.Extension.Tests.Notebook;

/// <summary><c>#!btf-c TYPE [--kernel N] [--deps]</c>: the C definition as bpftool's C dump prints it.</summary>
public class CDefinitionTests
{
    private NotebookHarness _nb = null!;

    [OneTimeSetUp]
    public async Task Load() => _nb = await With(Debian61, Local618);

    [OneTimeTearDown]
    public void Dispose() => _nb.Dispose();

    private static string Code(CellResult cell) => cell.Fragment("c").Descendants("pre").Single().Value;

    [Test]
    public async Task Shows_the_struct_definition()
    {
        var cell = await _nb.Ok($"#!btf-c file --kernel {Debian61}");
        Assert.That(cell.Fragment("caption").Title(), Is.EqualTo($"file in {Debian61}"));
        string code = Code(cell);
        Assert.That(code, Does.Contain("struct file {"));
        Assert.That(code, Does.Contain("struct path f_path;"));
        Assert.That(code, Does.Contain("f_version;"), "6.1 still has f_version");
        Assert.That(code, Does.Not.Contain("struct path {"), "dependencies only with --deps");
        Assert.That(cell.Fragment("c").Descendants("span").Any(s => s.HasClass("kw") && s.Value == "struct"), Is.True, "highlighted");
    }

    [Test]
    public async Task Deps_adds_every_type_the_definition_needs()
    {
        string plain = Code(await _nb.Ok($"#!btf-c file --kernel {Local618}"));
        string deps = Code(await _nb.Ok($"#!btf-c file --kernel {Local618} --deps"));
        Assert.That(deps, Does.Contain("struct file {"));
        Assert.That(deps, Does.Contain("struct path {"), "f_path's type");
        Assert.That(deps, Does.Contain("struct inode;"), "a pointer's target is declared");
        Assert.That(deps, Does.Contain("typedef struct {").Or.Contain("} spinlock_t;"), "typedefs the members use are defined");
        Assert.That(deps.Length, Is.GreaterThan(plain.Length * 2));
        Assert.That(deps.IndexOf("struct path {", StringComparison.Ordinal), Is.LessThan(deps.IndexOf("struct file {", StringComparison.Ordinal)),
            "a compilable header defines a type before the struct that embeds it");
    }

    [TestCase("pid_t", "typedef")]
    [TestCase("bpf_func_id", "BPF_FUNC_map_lookup_elem")]
    [TestCase("union bpf_attr", "union bpf_attr {")]
    public async Task Other_kinds_of_types(string type, string expected)
    {
        Assert.That(Code(await _nb.Ok($"#!btf-c \"{type}\" --kernel {Local618}")), Does.Contain(expected));
    }

    [TestCase("#!btf-c no_such_type --kernel " + Local618, "no type 'no_such_type'", TestName = "unknown type")]
    [TestCase("#!btf-c file --kernel nope", "no kernel named 'nope'", TestName = "unknown kernel")]
    [TestCase("#!btf-c file", "2 kernels are loaded; choose one with --kernel", TestName = "several kernels without --kernel")]
    [TestCase("#!btf-c --kernel " + Local618, "missing a type", TestName = "no type")]
    public async Task Bad_inputs_fail_saying_what_is_wrong(string cell, string expected)
    {
        var error = await _nb.Fails(cell);
        Assert.That(error, Does.Contain(expected));
        Assert.That(error, Does.Not.Contain("Exception"));
    }
}
