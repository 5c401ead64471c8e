using BtfNotebooks.Btf.Diff;
using BtfNotebooks.Btf.Drift;
using BtfNotebooks.Btf.Layout;
using BtfNotebooks.CoRe;
using BtfNotebooks.CoRe.Matrix;
using BtfNotebooks.Extension.Charts;
using BtfNotebooks.Extension.Html;
using BtfNotebooks.Kernels;
using BtfNotebooks.Vm;
using Microsoft.DotNet.Interactive.Formatting;

namespace BtfNotebooks.Extension;

/// <summary>text/html formatters for the Core types, so a C# cell that returns one gets the command's table.</summary>
internal static class Formatters
{
    public static void Register()
    {
        Html<StructLayout>(l => Renderers.Layout(l));
        Html<LayoutDiff>(Renderers.Diff);
        Html<CoreRelocationReport>(Renderers.Report);
        Html<CoreMatrix>(Renderers.Matrix);
        Html<DriftTable>(t => DriftChart.Html(t) + Renderers.Drift(t));
        Html<KernelEntry>(e => Renderers.Kernels([e], null));
        Html<KernelCatalog>(c => Renderers.Kernels(c, null));
        Html<ProgramRunner.Outcome>(Renderers.Run);
        Html<RunResult>(RunHtml.Render);
        Html<NotebookProgram>(p => Renderers.Program(p));
        // Charts built in C# cells draw offline too: plotly.js inline instead of Plotly.NET.Interactive's CDN script.
        Html<Plotly.NET.GenericChart>(EmbeddedChart.Html);
    }

    private static void Html<T>(Func<T, string> render) =>
        Formatter.Register<T>((value, writer) => writer.Write(render(value)), HtmlFormatter.MimeType);
}
