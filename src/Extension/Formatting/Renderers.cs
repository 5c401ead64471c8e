using System.Text;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Btf.Diff;
using BtfNotebooks.Btf.Drift;
using BtfNotebooks.Btf.Layout;
using BtfNotebooks.CoRe;
using BtfNotebooks.CoRe.Matrix;
using BtfNotebooks.Elf.BtfExt;
using BtfNotebooks.Extension.Html;
using BtfNotebooks.Kernels;
using BtfNotebooks.Vm;
using static BtfNotebooks.Extension.Html.HtmlText;

namespace BtfNotebooks.Extension;

/// <summary>
/// The HTML each command shows, composed from the <see cref="Html"/> renderers; also what the formatters use, so a
/// C# cell that builds a Core object directly sees the same table.
/// </summary>
public static class Renderers
{
    public static string Layout(StructLayout layout, string? kernel = null) =>
        (kernel is null ? "" : Fragment("caption", $"<div class=\"title\">{Escape(layout.Name)} in {Escape(kernel)}</div>")) + StructLayoutHtml.Render(layout);

    public static string Diff(LayoutDiff diff) => LayoutDiffHtml.Render(diff);

    public static string C(string text, string? caption = null) =>
        (caption is null ? "" : Fragment("caption", $"<div class=\"title\">{Escape(caption)}</div>")) + CCodeHtml.Render(text);

    public static string Matrix(CoreMatrix matrix) => CoreHtml.Render(matrix);

    public static string Report(CoreRelocationReport report) => CoreHtml.Render(report);

    public static string AssemblyErrors(AssemblyException error, string source) => AsmErrorHtml.Render(error, source);

    /// <summary>The kernels table of <c>#!btf-kernels</c>: name, release, arch, types, file and BTF sizes, base for modules.</summary>
    public static string Kernels(IEnumerable<KernelEntry> entries, string? caption)
    {
        var body = new StringBuilder();
        if (caption is not null) body.Append("<div class=\"title\">").Append(Escape(caption)).Append("</div>");
        body.Append("<table class=\"kernels\"><thead><tr><th>name</th><th>release</th><th>arch</th><th>flavour</th><th class=\"n\">types</th>")
            .Append("<th class=\"n\">BTF bytes</th><th class=\"n\">file bytes</th><th>base</th><th>file</th></tr></thead><tbody>");
        int count = 0;
        foreach (var e in entries)
        {
            count++;
            body.Append("<tr data-kernel=\"").Append(Escape(e.Name)).Append("\">")
                .Append("<td>").Append(Escape(e.Name)).Append("</td>")
                .Append("<td>").Append(Escape(e.Release ?? "?")).Append("</td>")
                .Append("<td>").Append(Escape(e.Arch ?? "?")).Append("</td>")
                .Append("<td>").Append(Escape(e.Flavour ?? "")).Append("</td>")
                .Append("<td class=\"n\">").Append(e.TypeCount is int t ? Num(t) : "<span class=\"muted\">not parsed yet</span>").Append("</td>")
                .Append("<td class=\"n\">").Append(e.RawSize is int r ? Num(r) : "").Append("</td>")
                .Append("<td class=\"n\">").Append(Num(e.FileSize)).Append("</td>")
                .Append("<td>").Append(Escape(e.BaseName ?? "")).Append("</td>")
                .Append("<td class=\"muted\">").Append(Escape(Path.GetFileName(e.Path))).Append("</td></tr>");
        }
        body.Append("</tbody></table>");
        if (count == 0) body.Append("<div class=\"muted\">No kernel is loaded: #!btf-load PATH or #!btf-load --catalog DIR.</div>");
        return Fragment("kernels", body.ToString());
    }

    /// <summary>The drift table under the chart: one row per kernel (version order), one column per field.</summary>
    public static string Drift(DriftTable table)
    {
        var body = new StringBuilder("<table class=\"drift\"><thead><tr><th>kernel</th>");
        foreach (var f in table.Fields) body.Append("<th class=\"n\">").Append(Escape(f.Text)).Append("</th>");
        body.Append("</tr></thead><tbody>");
        foreach (var (kernel, values) in table.Rows)
        {
            body.Append("<tr><td>").Append(Escape(kernel)).Append("</td>");
            for (int i = 0; i < values.Length; i++)
            {
                var v = values[i];
                string title = !v.Present ? v.AbsentReason ?? "absent"
                    : v.IsBitfield ? $"bitfield: bit {v.Value}, {v.BitfieldBits} bits"
                    : table.Fields[i].IsSizeOf ? $"{v.Value} bytes" : $"offset {v.Value}, size {v.Size}";
                // A value that differs from the first kernel's is marked, so the drift is visible in the table too.
                bool moved = table.Rows.Count > 0 && !Equals(table.Rows[0].Values[i], v);
                body.Append("<td").Append(Classes("n", v.Present ? moved ? "moved" : null : "removed")).Append(Attr("title", title)).Append('>')
                    .Append(Escape(v.ToString())).Append("</td>");
            }
            body.Append("</tr>");
        }
        body.Append("</tbody></table>");
        return Fragment("drift", body.ToString());
    }

    /// <summary>
    /// A kept program: what it is, then each entry program's listing with its CO-RE records beside the instructions
    /// (as assembled: the reference kernel's values), in LLVM syntax with the conformance syntax one click away.
    /// </summary>
    public static string Program(NotebookProgram program)
    {
        var code = program.Code;
        var head = new StringBuilder();
        head.Append("<div class=\"title\">").Append(Escape(program.Name)).Append("</div><div class=\"stats\">")
            .Append("<span>").Append(Plural(code.EntryPrograms.Count, "program")).Append("</span>")
            .Append("<span>").Append(Plural(code.Records.Count, "CO-RE record")).Append("</span>");
        if (program.Against is { } against) head.Append("<span>assembled against ").Append(Escape(against)).Append("</span>");
        if (code.Elf is { } elf)
        {
            head.Append("<span>").Append(Plural(elf.Maps.Count, "map")).Append("</span>");
            if (elf.License is { } license) head.Append("<span>license ").Append(Escape(license)).Append("</span>");
        }
        head.Append("</div>");
        var html = new StringBuilder(Fragment("program", head.ToString()));

        // The records as assembled, relocated against the program's own local BTF: every one ok, old = new = the
        // value in the instruction; this is what marks the listing lines.
        var report = code.Local is { } local && code.Records.Count > 0 ? code.Relocate(local, "local") : null;
        foreach (var entry in code.EntryPrograms)
        {
            var instructions = code.Link(CoreRelocationReport.Unrelocated("local", code.Programs), entry.Name);
            // As assembled, every record holds the reference kernel's value: say which value, not "old -> new".
            var notes = report is null ? [] : report.Records
                .SelectMany(r => ListingAnnotation.ForCoreRecords([r], entry).Select(n => n with
                {
                    Text = $"relo #{r.Record.Index} {r.Kind.LibbpfName()} {r.ReadablePath ?? r.Record.Access}" +
                           (r.Old is { } v ? $" = {v}" : "") + (program.Against is { } k ? $" ({k})" : ""),
                }))
                .ToList();
            if (code.EntryPrograms.Count > 1) html.Append(Fragment("caption", $"<div class=\"title\">{Escape(entry.Name)} ({Escape(entry.Section)})</div>"));
            html.Append(ListingHtml.Render(instructions, notes, AsmSyntax.Llvm));
            html.Append("<details><summary>conformance syntax</summary>")
                .Append(ListingHtml.Render(instructions, notes, AsmSyntax.Conformance)).Append("</details>");
        }
        return html.ToString();
    }

    /// <summary>A run: the kernel and context it ran with, r0 or the fault, and the trace when there is one.</summary>
    public static string Run(ProgramRunner.Outcome outcome)
    {
        string head = Fragment("caption", $"<div class=\"title\">{Escape(outcome.Program)} ({Escape(outcome.Entry)}) on {Escape(outcome.Kernel)}</div>" +
            $"<div class=\"stats\"><span>{Escape(outcome.ContextDescription)}</span><span>{Plural(outcome.Relocation.Records.Count, "CO-RE record")} relocated</span>" +
            $"<span>engine: {(outcome.Engine == BtfNotebooks.Vm.VmEngine.Jit ? "JIT" : "interpreter")}</span></div>");
        var rows = outcome.Trace?.Steps.Select(s => new TraceRowView((int)s.Step, s.Index, s.Text,
            [.. s.Writes.Select(w => ($"r{(int)w.Register}", w.Value))])).ToList();
        string body = (outcome.Result, outcome.Fault, rows) switch
        {
            ({ } result, _, null) => RunHtml.Render(result),
            ({ } result, _, { } trace) => RunHtml.Render(result, trace),
            (_, { } fault, null) => RunHtml.Render(fault),
            (_, { } fault, { } trace) => RunHtml.Render(fault, trace),
            _ => "",
        };
        return head + body;
    }
}
