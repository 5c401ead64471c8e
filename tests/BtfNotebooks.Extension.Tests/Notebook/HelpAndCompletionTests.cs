using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using NUnit.Framework;
using static BtfNotebooks.Extension.Tests.Notebook.NotebookHarness;

namespace BtfNotebooks.Extension.Tests.Notebook;

/// <summary>Every magic command's <c>--help</c>, and the completions the kernel offers: kernels, types, programs.</summary>
public class HelpAndCompletionTests
{
    [TestCase("#!btf-load", new[] { "--path", "--name", "--base", "--catalog" })]
    [TestCase("#!btf-kernels", new string[0])]
    [TestCase("#!btf-layout", new[] { "--type", "--kernel" })]
    [TestCase("#!btf-diff", new[] { "--type", "--kernels" })]
    [TestCase("#!btf-c", new[] { "--type", "--kernel", "--deps" })]
    [TestCase("#!btf-drift", new[] { "--fields", "--kernels" })]
    [TestCase("#!bpf-load-elf", new[] { "--path", "--name" })]
    [TestCase("#!bpf-relocate", new[] { "--program", "--kernels" })]
    [TestCase("#!bpf-run", new[] { "--program", "--kernel", "--entry", "--data", "--ctx", "--trace", "--budget", "--engine" })]
    public async Task Help_shows_markdown_naming_every_parameter(string directive, string[] parameters)
    {
        using var nb = new NotebookHarness();
        var cell = await nb.Ok($"{directive} --help");
        var markdown = cell.Events.OfType<DisplayEvent>().SelectMany(e => e.FormattedValues).Where(v => v.MimeType == "text/markdown").Select(v => v.Value).ToList();
        Assert.That(markdown, Has.Count.EqualTo(1), "one markdown output");
        string help = markdown[0];
        Assert.That(help, Does.StartWith($"**`{directive}`** — "));
        var lines = help.Split('\n').Where(l => l.StartsWith("- `", StringComparison.Ordinal)).ToList();
        Assert.That(lines, Has.Count.EqualTo(parameters.Length + 1), "one line per parameter and --help");
        foreach (var p in parameters.Append("--help"))
            Assert.That(lines.Count(l => l.Contains(p + "]", StringComparison.Ordinal) || l.Contains(p + " ", StringComparison.Ordinal) || l.Contains(p + "`", StringComparison.Ordinal)), Is.EqualTo(1), p);
        Assert.That(lines.All(l => l.Split(": ", 2)[1].Length > 0), Is.True, "each parameter is described");
        Assert.That(cell.Html, Is.Empty, "help only: the command did not run");
        Assert.That(nb.Session.Kernels.Count + nb.Session.Programs.Count, Is.Zero);
    }

    [Test]
    public async Task Help_wins_over_bad_arguments()
    {
        using var nb = new NotebookHarness();
        Assert.That((await nb.Ok("#!bpf-run nope --budget abc --help")).Text, Does.StartWith("**`#!bpf-run`**"));
        Assert.That((await nb.Ok("#!btf-layout no_such --kernel nope --help")).Text, Does.StartWith("**`#!btf-layout`**"));
        Assert.That((await nb.Ok("#!btf-drift task_struct --help")).Text, Does.StartWith("**`#!btf-drift`**"));
    }

    [Test]
    public async Task Help_marks_the_implicit_and_flag_parameters()
    {
        using var nb = new NotebookHarness();
        string help = (await nb.Ok("#!btf-c --help")).Text;
        Assert.That(help, Does.Contain("- `[--type] VALUE`: "));
        Assert.That(help, Does.Contain("- `--kernel VALUE`: "));
        Assert.That(help, Does.Contain("- `--deps`: "));
    }

    [Test]
    public async Task Kernel_parameters_complete_the_loaded_kernels()
    {
        using var nb = await With(Debian61, Local618);
        string[] kernels = [Debian61, Local618];
        // The request as the brief gives it, the cursor at column 21, just after "--kernel".
        var result = await nb.Kernel.SendAsync(new RequestCompletions("#!btf-layout --kernel ", new LinePosition(0, 21)));
        var produced = result.Events.OfType<CompletionsProduced>().Single();
        Assert.That(produced.Completions.Select(c => c.InsertText), Is.SupersetOf(kernels));

        foreach (var code in new[] { "#!btf-layout --kernel ", "#!btf-c file --kernel ", "#!btf-diff file --kernels ", "#!btf-drift task_struct.pid --kernels ",
                     "#!bpf-run p --kernel ", "#!bpf-relocate p --kernels ", "#!btf-load x.btf --base " })
            Assert.That(await nb.Completions(code), Is.SupersetOf(kernels), code);
    }

    [Test]
    public async Task Kernel_completions_follow_what_is_loaded()
    {
        using var nb = new NotebookHarness();
        Assert.That(await nb.Completions("#!btf-layout --kernel "), Has.None.StartsWith("debian").And.None.StartsWith("local"));
        await nb.Ok($"#!btf-load {KernelFile(Debian612)} --name mine");
        Assert.That(await nb.Completions("#!btf-layout --kernel "), Does.Contain("mine"));
    }

    [Test]
    public async Task Type_parameters_complete_struct_and_union_names()
    {
        using var nb = await With(Local618);
        foreach (var code in new[] { "#!btf-layout ", "#!btf-c ", "#!btf-diff ", "#!btf-layout task_st" })
        {
            var names = await nb.Completions(code);
            Assert.That(names, Is.SupersetOf(new[] { "task_struct", "file", "sk_buff", "bpf_attr" }), code);
            Assert.That(names, Does.Not.Contain("pid_t"), "not typedefs of scalars");
        }
    }

    [Test]
    public async Task Type_completions_are_empty_before_a_kernel_is_loaded()
    {
        using var nb = new NotebookHarness();
        Assert.That(await nb.Completions("#!btf-layout "), Does.Not.Contain("task_struct"));
    }

    [Test]
    public async Task Program_parameters_complete_the_kept_programs()
    {
        using var nb = new NotebookHarness();
        await nb.Ok("#!bpf --name beta\nr0 = 1\nexit");
        await nb.Ok("#!bpf --name alpha\nr0 = 2\nexit");
        foreach (var code in new[] { "#!bpf-run ", "#!bpf-relocate ", "#!bpf-run --program " })
            Assert.That(await nb.Completions(code), Is.SupersetOf(new[] { "alpha", "beta" }), code);
    }

    [Test]
    public async Task Bpf_cell_parameters_complete()
    {
        using var nb = await With(Local618);
        Assert.That(await nb.Completions("#!bpf --against "), Does.Contain(Local618));
        Assert.That(await nb.Completions("#!bpf --syntax "), Is.SupersetOf(new[] { "llvm", "conformance" }));
        Assert.That(await nb.Completions("#!bpf --section "), Is.SupersetOf(new[] { "xdp", "socket", "tc" }));
        Assert.That(await nb.Completions("#!bpf "), Is.SupersetOf(new[] { "--name", "--against", "--syntax", "--section" }));
    }
}
