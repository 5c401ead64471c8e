using BtfNotebooks.Extension.Tests.Notebook;
using NUnit.Framework;

namespace BtfNotebooks.Extension.Tests.Formatting;

/// <summary>
/// A C# cell that computes with Core directly gets the same HTML the magic commands show: the extension registers
/// text/html formatters for the Core types.
/// </summary>
public class FormatterTests
{
    private NotebookHarness _nb = null!;

    [OneTimeSetUp]
    public async Task Load()
    {
        _nb = new NotebookHarness();
        await _nb.Ok($"#!btf-load {NotebookHarness.KernelFile("debian-6.1.0-56-amd64")} --name k61");
        await _nb.Ok($"#!btf-load {NotebookHarness.KernelFile("local-6.18-amd64")} --name k618");
    }

    [OneTimeTearDown]
    public void Dispose() => _nb.Dispose();

    private const string Session = "BtfNotebooks.Extension.NotebookSession.Current";

    [TestCase($"BtfNotebooks.Btf.Layout.StructLayout.Compute({Session}.Kernels.Get(\"k61\").Spec, \"file\")",
        "btfnb-layout", "f_path")]
    [TestCase($"BtfNotebooks.Btf.Diff.LayoutDiff.Compute(\"file\", {Session}.Kernels.Select(k => (k.Name, k.Spec)))",
        "btfnb-diff", "moved 16 → 64")]
    [TestCase($"BtfNotebooks.Btf.Drift.DriftTable.Compute([BtfNotebooks.Btf.Drift.DriftField.Parse(\"task_struct.pid\")], {Session}.Kernels.Select(k => (k.Name, k.Spec)))",
        "main-svg", "1264")]
    [TestCase($"{Session}.Kernels", "btfnb-kernels", "6.1.0-56-amd64")]
    public async Task Core_values_display_as_the_commands_show_them(string expression, string marker, string content)
    {
        var cell = await _nb.Ok(expression);
        // The drift chart's SVG only exists once plotly.js runs in a browser; the cell carries the script that draws it.
        string html = cell.Html;
        if (marker == "main-svg") Assert.That(html, Does.Contain("Plotly.newPlot").And.Contain("plotly.js v"), "chart with plotly.js inline");
        else Assert.That(html, Does.Contain(marker));
        Assert.That(html, Does.Contain(content));
    }

    [Test]
    public async Task A_relocation_matrix_and_a_run_from_csharp()
    {
        await _nb.Ok("#!bpf --name p --against k61\nr0 = *(u32 *)(r1 + %core(task_struct.pid))\nexit");
        var matrix = await _nb.Ok($"p.Code.Matrix([.. {Session}.Kernels.Select(k => new BtfNotebooks.CoRe.Matrix.CoreMatrixTarget(k.Name, k.Spec))])");
        Assert.That(matrix.Html, Does.Contain("btfnb-matrix").And.Contain("2416").And.Contain("1264"));
        var run = await _nb.Ok($"BtfNotebooks.Extension.ProgramRunner.Run({Session}, p, new(Kernel: \"k618\", Context: \"task_struct pid=42\"))");
        Assert.That(run.Html, Does.Contain("btfnb-run").And.Contain("0x2a"));
    }
}
