using System.Text.RegularExpressions;
using NUnit.Framework;
using Plotly.NET;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace BtfNotebooks.Extension.Tests.Rendering;

/// <summary>
/// A Plotly.NET chart turned into HTML that carries plotly.js itself (no CDN), opened in headless Chromium with no
/// network: the DOM afterwards holds the drawn chart. The model for checking the extension's chart HTML.
/// </summary>
public partial class PlotlyOfflineRenderingTests
{
    private static readonly int[] Xs = [1, 2, 3, 4];
    private static readonly int[] Ys = [1, 4, 9, 16];

    /// <summary>Plotly.NET's options for HTML that inlines plotly.js (~3.6 MB), so it draws offline.</summary>
    private static DisplayOptions InlinePlotlyJs() =>
        DisplayOptions.init(PlotlyJSReference: PlotlyJSReference.Full, DocumentTitle: null, DocumentCharset: null,
            DocumentDescription: null, DocumentFavicon: null, AdditionalHeadTags: null, ChartDescription: null);

    private static GenericChart Squares() =>
        Plotly.NET.Chart.withDisplayOptions(InlinePlotlyJs())
            .Invoke(CSharpChart.Line<int, int, string>(x: Xs, y: Ys, Name: "squares"));

    /// <summary>plotly.js as Plotly.NET ships it: an embedded resource of Plotly.NET.dll.</summary>
    private static string PlotlyJs()
    {
        var name = $"Plotly.NET.plotly-{Globals.PLOTLYJS_VERSION}.min.js";
        using var stream = typeof(GenericChart).Assembly.GetManifestResourceStream(name)
                           ?? throw new InvalidOperationException($"Plotly.NET.dll has no resource {name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [Test]
    public void FullDocumentWithInlinePlotlyJsDrawsTheChartOffline()
    {
        string html = GenericChart.toEmbeddedHTML(Squares());

        AssertSelfContained(html);
        Assert.That(html, Does.Contain($"plotly.js v{Globals.PLOTLYJS_VERSION}"), "plotly.js is inlined");

        string dom = RenderOffline(html);
        AssertDrawnLine(dom, points: Xs.Length);
    }

    /// <summary>
    /// What a notebook cell would display: plotly.js once, then the chart's div and script (toChartHTML). A page
    /// that already has an AMD loader (require.js in Jupyter and nbconvert's HTML) would take plotly.js as an
    /// anonymous module and never set window.Plotly, so the script hides define/module/exports from it.
    /// </summary>
    [Test]
    public void CellFragmentDrawsOfflineEvenUnderAnAmdLoader()
    {
        string fragment =
            "<script type=\"text/javascript\">(function (define, module, exports) {\n" + PlotlyJs() + "\n})();</script>" +
            GenericChart.toChartHTML(Squares());
        AssertSelfContained(fragment);

        const string amdLoader = "<script>window.define = function () { window.amdDefineCalls = (window.amdDefineCalls || 0) + 1; };" +
                                 " window.define.amd = {};</script>";
        string page = $"<!DOCTYPE html><html><head><meta charset=\"utf-8\">{amdLoader}</head><body>{fragment}</body></html>";

        string dom = RenderOffline(page);
        AssertDrawnLine(dom, points: Xs.Length);
    }

    private static void AssertSelfContained(string html)
    {
        Assert.That(ScriptFromNetwork().Matches(html).Select(m => m.Value), Is.Empty, "no <script src=\"http(s)://...\">");
        Assert.That(html, Does.Not.Contain("requirejs.config"), "no require.js loading plotly.js from a CDN");
    }

    private static string RenderOffline(string html)
    {
        HeadlessChromium.RequireOrIgnore();
        var dir = Directory.CreateTempSubdirectory("btfnb-render-");
        try
        {
            var file = Path.Combine(dir.FullName, "chart.html");
            File.WriteAllText(file, html);
            return HeadlessChromium.DumpDom(file);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>plotly.js drew: its SVG root, and the line trace as a path through every point.</summary>
    private static void AssertDrawnLine(string dom, int points)
    {
        // Booleans, not Does.Contain: a failure would print the whole DOM, plotly.js (~3.6 MB) included.
        Assert.That(dom.Contains("<svg class=\"main-svg\"", StringComparison.Ordinal), Is.True,
            $"plotly.js drew no <svg class=\"main-svg\">; {Summary(dom)}");
        var line = TracePath().Match(dom);
        Assert.That(line.Success, Is.True, $"no scatter trace path (path.js-line with a d attribute); {Summary(dom)}");
        var segments = Regex.Matches(line.Groups["d"].Value, "[ML]").Count;
        Assert.That(segments, Is.EqualTo(points), $"the line goes through all {points} points: d=\"{line.Groups["d"].Value}\"");
    }

    /// <summary>What the DOM shows of the chart: its div, where plotly.js would have drawn, and what followed.</summary>
    private static string Summary(string dom)
    {
        int div = dom.IndexOf("<!-- Plotly chart will be drawn inside this DIV -->", StringComparison.Ordinal);
        int at = div >= 0 ? Math.Max(0, div - 120) : Math.Max(0, dom.Length - 400);
        return $"DOM of {dom.Length} chars; plot containers: {Regex.Count(dom, "class=\"plot-container plotly\"")}; " +
               $"around the chart div: {dom.Substring(at, Math.Min(400, dom.Length - at))}";
    }

    [GeneratedRegex("""<script\b[^>]*\bsrc\s*=\s*["']?\s*(https?:)?//""", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptFromNetwork();

    [GeneratedRegex("""<path\b(?=[^>]*\bclass="js-line")[^>]*\bd="(?<d>M[^"]+)"[^>]*>""")]
    private static partial Regex TracePath();
}
