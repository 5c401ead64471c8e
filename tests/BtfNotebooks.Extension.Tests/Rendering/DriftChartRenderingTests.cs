using System.Text.RegularExpressions;
using BtfNotebooks.Btf.Drift;
using BtfNotebooks.Extension.Charts;
using BtfNotebooks.Extension.Tests.Notebook;
using BtfNotebooks.Kernels;
using NUnit.Framework;

namespace BtfNotebooks.Extension.Tests.Rendering;

/// <summary>
/// The extension's own drift chart (what #!btf-drift displays) in headless Chromium with no network, on a page that
/// has an AMD loader as Jupyter's does: plotly.js is inline, every field's line is drawn through every kernel that
/// has it, and a screenshot of it lands in artifacts/screenshots for people to look at.
/// </summary>
public partial class DriftChartRenderingTests
{
    [Test]
    public void The_drift_chart_draws_offline_one_line_per_field()
    {
        var catalog = KernelCatalog.Open(NotebookHarness.Data("data", "kernels"));
        var kernels = catalog.Where(k => !k.IsSplit).Order(KernelCatalog.VersionOrder).ToList();
        var fields = new[] { "task_struct.pid", "file.f_path", "mm_struct.arg_start" }.Select(DriftField.Parse).ToList();
        var table = DriftTable.Compute(fields, kernels.Select(k => (k.Name, k.Spec)));
        string fragment = DriftChart.Html(table);

        Assert.That(ScriptFromNetwork().IsMatch(fragment), Is.False, "no <script src> from the network");
        Assert.That(fragment.Contains("plotly.js v", StringComparison.Ordinal), Is.True, "plotly.js is inline");

        HeadlessChromium.RequireOrIgnore();
        const string amdLoader = "<script>window.define = function () {}; window.define.amd = {};</script>";
        string page = $"<!DOCTYPE html><html><head><meta charset=\"utf-8\">{amdLoader}</head><body>{fragment}</body></html>";
        var dir = Directory.CreateDirectory(NotebookHarness.Data("artifacts", "screenshots"));
        string file = Path.Combine(dir.FullName, "drift-chart.html");
        File.WriteAllText(file, page);
        string dom = HeadlessChromium.DumpDom(file);
        HeadlessChromium.Screenshot(file, Path.Combine(dir.FullName, "drift-chart.png"), windowSize: "1400,700");

        Assert.That(dom.Contains("<svg class=\"main-svg\"", StringComparison.Ordinal), Is.True, "plotly.js drew its SVG");
        // plotly.js simplifies collinear line segments away, so count the markers: one per kernel per field.
        Assert.That(TracePath().Count(dom), Is.GreaterThanOrEqualTo(fields.Count), "a drawn line per field (the legend draws its own too)");
        foreach (var f in fields)
            Assert.That(dom.Contains($">{f.Text}<", StringComparison.Ordinal), Is.True, $"the legend names {f.Text}");
        Assert.That(Regex.Count(dom, "<path class=\"point\""), Is.EqualTo(kernels.Count * fields.Count), "a marker for every kernel on every line");
        foreach (var k in kernels)
            Assert.That(dom.Contains($">{k.Name}<", StringComparison.Ordinal), Is.True, $"x axis names {k.Name}");
    }

    [GeneratedRegex("""<script\b[^>]*\bsrc\s*=\s*["']?\s*(https?:)?//""", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptFromNetwork();

    [GeneratedRegex("""<path\b(?=[^>]*\bclass="js-line")[^>]*\bd="(?<d>M[^"]+)"[^>]*>""")]
    private static partial Regex TracePath();
}
