using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using BtfNotebooks.Extension.Tests.Html;
using NUnit.Framework;
using static BtfNotebooks.Extension.Tests.Notebook.NotebookHarness;

namespace BtfNotebooks.Extension.Tests.Notebook;

/// <summary>
/// <c>#!btf-drift FIELD... [--kernels ...]</c>: a Plotly chart (plotly.js inline, one trace per field, kernels in version
/// order) and the table. Offsets (pahole 1.24): mm_struct.arg_start 304 (6.1.0-54), 312 (6.1.0-56), 376 (6.12), 480
/// (6.18); task_struct.pid 2416, 2416, 2432, 1264; file.f_version 184 in 6.1 only.
/// </summary>
public partial class DriftTests
{
    private static readonly string[] VersionOrder = [Debian6154, Debian61, Debian612, Local618];
    private NotebookHarness _nb = null!;

    // Loaded out of version order on purpose.
    [OneTimeSetUp]
    public async Task Load() => _nb = await With(Local618, Debian61, Debian612, Debian6154);

    [OneTimeTearDown]
    public void Dispose() => _nb.Dispose();

    /// <summary>The table under the chart: header, then kernel → cells.</summary>
    private static (List<string> Header, List<(string Kernel, List<XElement> Cells)> Rows) Table(CellResult cell)
    {
        var table = cell.Fragment("drift").Descendants("table").Single();
        var header = table.Descendants("thead").Single().Descendants("th").Select(t => t.Value).ToList();
        var rows = table.Descendants("tbody").Single().Elements("tr")
            .Select(r => (r.Elements("td").First().Value, r.Elements("td").Skip(1).ToList())).ToList();
        return (header, rows);
    }

    /// <summary>The chart's traces (name, x, y) from the JSON Plotly.newPlot gets.</summary>
    private static List<(string Name, List<string> X, List<double> Y)> Traces(string chartHtml)
    {
        int at = chartHtml.LastIndexOf("Plotly.newPlot(", StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThan(0), "the chart calls Plotly.newPlot");
        // The data array: Plotly.NET writes "var data = [...];" before the call.
        int data = chartHtml.LastIndexOf("var data = ", at, StringComparison.Ordinal);
        Assert.That(data, Is.GreaterThan(0), "var data = [...] before Plotly.newPlot");
        var bytes = Encoding.UTF8.GetBytes(chartHtml[(data + "var data = ".Length)..at]);
        var reader = new Utf8JsonReader(bytes);
        using var doc = JsonDocument.ParseValue(ref reader);
        return [.. doc.RootElement.EnumerateArray().Select(t => (
            t.GetProperty("name").GetString()!,
            t.GetProperty("x").EnumerateArray().Select(x => x.GetString()!).ToList(),
            t.GetProperty("y").EnumerateArray().Select(y => y.GetDouble()).ToList()))];
    }

    private static string Chart(CellResult cell)
    {
        var charts = cell.HtmlParts.Where(p => p.Contains("<script", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.That(charts, Has.Count.EqualTo(1), "one chart output");
        Assert.That(cell.HtmlParts[0], Is.SameAs(charts[0]), "the chart first, the table under it");
        return charts[0];
    }

    [TestCase("#!btf-drift mm_struct.arg_start task_struct.pid", TestName = "space separated")]
    [TestCase("#!btf-drift mm_struct.arg_start,task_struct.pid", TestName = "comma separated")]
    [TestCase("#!btf-drift --fields \"mm_struct.arg_start task_struct.pid\"", TestName = "--fields quoted")]
    [TestCase("#!btf-drift mm_struct.arg_start task_struct.pid --kernels " + Local618 + "," + Debian612 + "," + Debian61 + "," + Debian6154, TestName = "kernels named out of order")]
    [TestCase("#!btf-drift mm_struct.arg_start, task_struct.pid --kernels \"" + Debian6154 + " " + Local618 + " " + Debian61 + " " + Debian612 + "\"", TestName = "kernels space separated")]
    public async Task Offsets_in_version_order_in_the_table_and_the_chart(string code)
    {
        var cell = await _nb.Ok(code);
        var (header, rows) = Table(cell);
        Assert.That(header, Is.EqualTo(new[] { "kernel", "mm_struct.arg_start", "task_struct.pid" }));
        Assert.That(rows.Select(r => r.Kernel), Is.EqualTo(VersionOrder));
        Assert.That(rows.Select(r => r.Cells[0].Value), Is.EqualTo(new[] { "304", "312", "376", "480" }));
        Assert.That(rows.Select(r => r.Cells[1].Value), Is.EqualTo(new[] { "2416", "2416", "2432", "1264" }));
        Assert.That(rows[1].Cells[0].HasClass("moved"), Is.True, "312 differs from the first kernel's 304");
        Assert.That(rows[1].Cells[1].HasClass("moved"), Is.False);

        var traces = Traces(Chart(cell));
        Assert.That(traces.Select(t => t.Name), Is.EqualTo(new[] { "mm_struct.arg_start", "task_struct.pid" }), "one trace per field");
        Assert.That(traces[0].X, Is.EqualTo(VersionOrder));
        Assert.That(traces[0].Y, Is.EqualTo(new[] { 304.0, 312.0, 376.0, 480.0 }));
        Assert.That(traces[1].Y, Is.EqualTo(new[] { 2416.0, 2416.0, 2432.0, 1264.0 }));
    }

    [GeneratedRegex("<script[^>]*\\bsrc\\s*=\\s*[\"']?(https?:)?//", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptFromNetwork();

    [Test]
    public async Task The_chart_carries_plotly_js_and_loads_nothing_from_the_network()
    {
        string chart = Chart(await _nb.Ok("#!btf-drift task_struct.pid"));
        Assert.That(chart, Does.Contain("plotly.js v2.28.0"), "plotly.js inline");
        Assert.That(ScriptFromNetwork().IsMatch(chart), Is.False, "no <script src=\"http(s)://...\">");
        // After plotly.js itself (whose source mentions cdn.plot.ly for optional assets), the chart loads nothing.
        string afterPlotlyJs = chart[(chart.IndexOf("})();</script>", StringComparison.Ordinal) + 1)..];
        Assert.That(afterPlotlyJs, Does.Not.Contain("cdn.plot.ly").And.Not.Contain("requirejs").And.Not.Contain("require(["));
        Assert.That(Regex.Matches(chart, "<script").Count, Is.EqualTo(2), "plotly.js and the chart's own script");
        // The category axis keeps version order even where a trace has gaps.
        Assert.That(chart, Does.Contain("\"categoryarray\":[\"" + string.Join("\",\"", VersionOrder) + "\"]"));
    }

    [Test]
    public async Task A_field_a_kernel_lacks_leaves_a_gap_and_a_dash()
    {
        var cell = await _nb.Ok("#!btf-drift file.f_version file.f_path");
        var (_, rows) = Table(cell);
        Assert.That(rows.Select(r => r.Cells[0].Value), Is.EqualTo(new[] { "184", "184", "-", "-" }));
        Assert.That(rows[2].Cells[0].HasClass("removed"), Is.True);
        Assert.That((string?)rows[2].Cells[0].Attribute("title"), Is.Not.Empty, "why it is absent");
        Assert.That(rows.Select(r => r.Cells[1].Value), Is.EqualTo(new[] { "16", "16", "64", "64" }));

        var traces = Traces(Chart(cell));
        Assert.That(traces[0].X, Is.EqualTo(VersionOrder.Take(2)), "no point where the field is absent");
        Assert.That(traces[0].Y, Is.EqualTo(new[] { 184.0, 184.0 }));
        Assert.That(traces[1].X, Is.EqualTo(VersionOrder));
    }

    [Test]
    public async Task Sizeof_and_nested_members()
    {
        var (header, rows) = Table(await _nb.Ok($"#!btf-drift sizeof:task_struct --kernels {Debian61},{Local618}"));
        Assert.That(header[1], Is.EqualTo("sizeof:task_struct"));
        Assert.That(rows.Select(r => r.Cells[0].Value), Is.EqualTo(new[] { "9792", "3264" }), "MANIFEST.tsv sizeof(task_struct)");
    }

    [TestCase("#!btf-drift task_struct", "bad field 'task_struct'", TestName = "no member")]
    [TestCase("#!btf-drift task_struct.pid .x", "bad field", TestName = "no struct")]
    [TestCase("#!btf-drift", "name at least one field", TestName = "no field")]
    [TestCase("#!btf-drift task_struct.pid --kernels nope", "no kernel named 'nope'", TestName = "unknown kernel")]
    public async Task Bad_inputs_fail_saying_what_is_wrong(string cell, string expected)
    {
        var error = await _nb.Fails(cell);
        Assert.That(error, Does.Contain(expected));
        Assert.That(error, Does.Not.Contain("Exception"));
    }

    [Test]
    public async Task Unknown_structs_and_members_are_absent_everywhere()
    {
        var (header, rows) = Table(await _nb.Ok("#!btf-drift no_such_struct.x task_struct.no_such_member sizeof:no_such"));
        Assert.That(header.Skip(1), Is.EqualTo(new[] { "no_such_struct.x", "task_struct.no_such_member", "sizeof:no_such" }));
        Assert.That(rows.SelectMany(r => r.Cells).Select(c => c.Value), Is.All.EqualTo("-"));
        Assert.That(rows.SelectMany(r => r.Cells).Select(c => (string?)c.Attribute("title")), Is.All.Not.Empty, "each says why");
    }

    [Test]
    public async Task With_no_kernel_loaded_it_says_to_load_one()
    {
        using var nb = new NotebookHarness();
        Assert.That(await nb.Fails("#!btf-drift task_struct.pid"), Does.Contain("no kernel is loaded"));
    }
}
