using System.Globalization;
using BtfNotebooks.Btf.Drift;
using Plotly.NET;
using Plotly.NET.CSharp;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace BtfNotebooks.Extension.Charts;

/// <summary>
/// The offset-drift chart: one line per field, x = kernels in the table's (version) order, y = byte offset, hover
/// showing kernel, offset and size. A kernel that lacks a field leaves a gap in that line.
/// </summary>
public static class DriftChart
{
    public static GenericChart Create(DriftTable table)
    {
        var kernels = table.Rows.Select(r => r.Kernel).ToArray();
        var traces = new List<GenericChart>();
        for (int f = 0; f < table.Fields.Count; f++)
        {
            var field = table.Fields[f];
            var points = table.Rows.Select(r => (r.Kernel, Value: r.Values[f])).Where(p => p.Value.Present).ToList();
            // A bitfield is plotted at the byte holding its first bit; the hover gives the exact bit.
            var y = points.Select(p => p.Value.IsBitfield ? p.Value.Value / 8.0 : p.Value.Value).ToArray();
            var hover = points.Select(p => Hover(field, p.Kernel, p.Value)).ToArray();
            traces.Add(CSharpChart.Line<string, double, string>(
                x: points.Select(p => p.Kernel).ToArray(), y: y, ShowMarkers: true, Name: field.Text, MultiText: hover));
        }
        return CSharpChart.Combine(traces)
            .WithXAxisStyle<string, string, string>(TitleText: "kernel (version order)", CategoryOrder: StyleParam.CategoryOrder.Array, CategoryArray: kernels)
            .WithYAxisStyle<string, string, string>(TitleText: table.Fields.All(f => f.IsSizeOf) ? "size (bytes)" : "byte offset")
            .WithSize(Width: Math.Max(760, 70 * kernels.Length + 360), Height: 560)
            .WithTraceInfo(ShowLegend: true);
    }

    /// <summary>The chart as HTML that draws without a network: plotly.js is embedded, not fetched from a CDN.</summary>
    public static string Html(DriftTable table) => EmbeddedChart.Html(Create(table));

    private static string Hover(DriftField field, string kernel, DriftValue value) =>
        value.IsBitfield
            ? string.Create(CultureInfo.InvariantCulture, $"{kernel}<br>{field.Text}: bit {value.Value} ({value.BitfieldBits} bits)")
            : field.IsSizeOf
                ? string.Create(CultureInfo.InvariantCulture, $"{kernel}<br>{field.Text} = {value.Value} bytes")
                : string.Create(CultureInfo.InvariantCulture, $"{kernel}<br>{field.Text}: offset {value.Value}, size {value.Size}");
}
