using System.Reflection;
using Plotly.NET;

namespace BtfNotebooks.Extension.Charts;

/// <summary>
/// Chart HTML that draws without a network: plotly.js (the copy Plotly.NET embeds as a resource) inline before the
/// chart, instead of Plotly.NET's default CDN script or Plotly.NET.Interactive's require.js loader, both of which
/// draw nothing offline or in an exported notebook.
/// </summary>
public static class EmbeddedChart
{
    private const string PlotlyResource = "Plotly.NET.plotly-2.28.0.min.js";

    private static readonly Lazy<string> PlotlyScript = new(() =>
    {
        using var stream = typeof(GenericChart).Assembly.GetManifestResourceStream(PlotlyResource)
            ?? throw new InvalidOperationException($"Plotly.NET has no resource '{PlotlyResource}' (another Plotly.NET version?); its resources: " +
                string.Join(", ", typeof(GenericChart).Assembly.GetManifestResourceNames()));
        string js = new StreamReader(stream).ReadToEnd();
        // plotly.js is UMD: on a page with require.js (classic Jupyter) it would register an anonymous AMD module
        // and never set window.Plotly. Shadowing define/module/exports makes it take the global branch.
        return "<script type=\"text/javascript\">(function (define, module, exports) {\n" + js.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase) +
               "\n})();</script>";
    });

    /// <summary>plotly.js itself, as a script element (about 3.6 MB).</summary>
    public static string Script => PlotlyScript.Value;

    /// <summary>The chart's div and Plotly.newPlot call, preceded by plotly.js, so each output draws on its own.</summary>
    public static string Html(GenericChart chart) => Script + GenericChart.toChartHTML(chart);
}
