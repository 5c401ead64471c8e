using System.Text;
using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.CoRe;
using BtfNotebooks.CoRe.Matrix;
using BtfNotebooks.Elf.BtfExt;
using static BtfNotebooks.Extension.Html.HtmlText;

namespace BtfNotebooks.Extension.Html;

/// <summary>
/// CO-RE relocation results as tables: per record what it asked (kind, local type, access path), what happened
/// (ok, poison, error...), the value patched and the instruction before and after, with every candidate and its
/// verdict one click away; and the records-by-kernels matrix with poisoned and failed cells marked and explained.
/// </summary>
public static class CoreHtml
{
    /// <summary>One target's relocation: a row per record; <paramref name="order"/> is the object's byte order, for decoding instructions.</summary>
    public static string Render(CoreRelocationReport report, ByteOrder order = ByteOrder.LittleEndian)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder();
        int poisoned = report.Records.Count(r => r.Status == CoreRelocationStatus.Poison);
        html.Append($"<div class=\"title\">CO-RE against {Escape(report.Target)}: {Plural(report.Records.Count, "record")}, ")
            .Append(report.FirstError is { } error
                ? $"<span class=\"error\">load fails at {Escape(error.Record.Section)} relo #{error.Record.Index}</span>"
                : poisoned > 0 ? $"loads, <span class=\"poison\">{poisoned} poisoned</span>" : "loads")
            .Append("</div>");
        RecordTable(html, report.Records, order);
        return Fragment("core", html.ToString());
    }

    /// <summary>A single record's report, as a one-row table with its candidates.</summary>
    public static string Render(CoreRecordReport record, ByteOrder order = ByteOrder.LittleEndian)
    {
        ArgumentNullException.ThrowIfNull(record);
        var html = new StringBuilder();
        RecordTable(html, [record], order);
        return Fragment("core", html.ToString());
    }

    /// <summary>The candidates libbpf considered for one record and why each did or did not match.</summary>
    public static string Render(IReadOnlyList<CoreCandidateReport> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var html = new StringBuilder();
        CandidateTable(html, candidates);
        return Fragment("core", html.ToString());
    }

    /// <summary>
    /// The matrix: a row per record, a column per kernel with the new value or the status, poisoned and failed
    /// cells marked with their status class and their reason in the title, whether each kernel loads the object,
    /// and under the table every cell that is not ok with its reason.
    /// </summary>
    public static string Render(CoreMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var html = new StringBuilder();
        var targets = matrix.Targets;
        int differ = matrix.Rows.Count(r => !r.IsUniform);
        html.Append($"<div class=\"title\">{Plural(matrix.Rows.Count, "record")} x {Plural(targets.Count, "target")}: ")
            .Append($"{matrix.Succeeded.Count(ok => ok)} load, {matrix.Succeeded.Count(ok => !ok)} fail; {Num(differ)} differ between targets</div>");
        html.Append("<table class=\"matrix\"><thead><tr><th></th><th>section</th><th class=\"n\">relo</th><th>kind</th><th>access</th>");
        foreach (var t in targets) html.Append($"<th class=\"n first\">{Escape(t)}</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var row in matrix.Rows)
        {
            html.Append("<tr").Append(Classes(row.IsUniform ? null : "differs"))
                .Append(Attr("data-relo", $"{row.Section}#{row.Index}")).Append('>');
            html.Append($"<td class=\"mark\"{Attr("title", row.IsUniform ? null : "the value differs between targets")}>{(row.IsUniform ? "" : "*")}</td>");
            html.Append($"<td>{Escape(row.Section)}</td><td class=\"n\">{Num(row.Index)}</td><td>{Escape(row.Kind.LibbpfName())}</td>");
            html.Append($"<td{Attr("title", $"{row.LocalType} {row.Access}")}>{Escape(row.ReadablePath ?? $"{row.LocalType} {row.Access}")}</td>");
            foreach (var cell in row.Cells)
            {
                html.Append("<td").Append(Classes("n", "first", StatusClass(cell.Status)))
                    .Append(Attr("title", CellTitle(cell.Report)))
                    .Append(Attr("data-target", cell.Target)).Append('>')
                    .Append(Escape(cell.Text)).Append("</td>");
            }
            html.Append("</tr>");
        }
        html.Append("</tbody><tfoot><tr><td></td><th colspan=\"4\">loads</th>");
        for (int t = 0; t < targets.Count; t++)
        {
            var report = matrix.Reports[t];
            bool ok = matrix.Succeeded[t];
            html.Append("<td").Append(Classes("n", "first", ok ? "ok" : "error"))
                .Append(Attr("title", report.FirstError is { } e ? $"load fails at {e.Record.Section} relo #{e.Record.Index}: {e.Message}" : null))
                .Append($">{(ok ? "ok" : "fails")}</td>");
        }
        html.Append("</tr></tfoot></table>");

        var notOk = matrix.Rows.SelectMany(r => r.Cells.Select(c => (Row: r, Cell: c))).Where(x => x.Cell.Status != CoreRelocationStatus.Ok).ToList();
        if (notOk.Count > 0)
        {
            html.Append($"<details class=\"notok\"><summary>{Plural(notOk.Count, "cell")} not ok</summary><table><thead><tr><th>target</th><th>record</th><th>status</th><th>reason</th></tr></thead><tbody>");
            foreach (var (row, cell) in notOk)
            {
                html.Append("<tr").Append(Attr("data-target", cell.Target)).Append(Attr("data-relo", $"{row.Section}#{row.Index}")).Append('>');
                html.Append($"<td>{Escape(cell.Target)}</td>");
                html.Append($"<td>{Escape($"{row.Section} relo #{row.Index} <{row.Kind.LibbpfName()}> {row.ReadablePath ?? $"{row.LocalType} {row.Access}"}")}</td>");
                html.Append($"<td{Classes(StatusClass(cell.Status))}>{Escape(cell.Report.StatusName)}</td>");
                html.Append($"<td style=\"white-space:normal\">{Escape(Reason(cell.Report))}</td></tr>");
            }
            html.Append("</tbody></table></details>");
        }
        return Fragment("matrix", html.ToString());
    }

    /// <summary>The class of a status: ok, poison, error, skipped, notloaded, notreached.</summary>
    public static string StatusClass(CoreRelocationStatus status) => status switch
    {
        CoreRelocationStatus.Ok => "ok",
        CoreRelocationStatus.Poison => "poison",
        CoreRelocationStatus.Error => "error",
        CoreRelocationStatus.Skipped => "skipped",
        CoreRelocationStatus.NotLoaded => "notloaded",
        _ => "notreached",
    };

    /// <summary>Why a record is not ok: the relocator's message, or the candidates' verdicts when it has none.</summary>
    private static string Reason(CoreRecordReport r)
    {
        if (r.Message is not null) return r.Message;
        if (r.Candidates.Count == 0) return r.StatusName;
        return string.Join("; ", r.Candidates.Select(c => c.ToString()));
    }

    private static string CellTitle(CoreRecordReport r) => r.Status == CoreRelocationStatus.Ok
        ? r.Patch is { } p ? $"{p.Label} {r.Old} → {r.New}" + (r.Message is null ? "" : $" ({r.Message})") : "ok"
        : $"{r.StatusName}: {Reason(r)}";

    private static void RecordTable(StringBuilder html, IReadOnlyList<CoreRecordReport> records, ByteOrder order)
    {
        html.Append("<table class=\"records\"><thead><tr><th>section</th><th class=\"n\">relo</th><th class=\"n\">insn</th><th>kind</th><th>local type</th><th>access</th>")
            .Append("<th>status</th><th class=\"n\">old → new</th><th>before</th><th>after</th><th>candidates</th></tr></thead><tbody>");
        foreach (var r in records)
        {
            html.Append("<tr").Append(Classes(StatusClass(r.Status))).Append(Attr("data-relo", $"{r.Record.Section}#{r.Record.Index}")).Append('>');
            html.Append($"<td>{Escape(r.Record.Section)}</td><td class=\"n\">{Num(r.Record.Index)}</td>");
            html.Append($"<td class=\"n\"{Attr("title", r.Program is null ? null : $"slot in program {r.Program}")}>{(r.InstructionIndex is int i ? Num(i) : "-")}</td>");
            html.Append($"<td>{Escape(r.Kind.LibbpfName())}</td><td>{Escape(r.LocalType)}</td>");
            html.Append($"<td{Attr("title", r.LocalSpec is null ? r.Record.Access : $"{r.Record.Access}: {r.LocalSpec}")}>{Escape(r.ReadablePath ?? r.Record.Access)}</td>");
            html.Append($"<td{Classes("status", StatusClass(r.Status))}{Attr("title", r.Message)}>{Escape(r.StatusName)}</td>");
            string values = r.Patch is { Kind: not CorePatchKind.Poison } ? $"{r.Old} → {r.New}" : "-";
            html.Append($"<td class=\"n\"{Attr("title", r.Patch?.Label)}>{Escape(values)}</td>");
            html.Append(InstructionCell(r.Before, order)).Append(InstructionCell(r.After, order));
            html.Append("<td style=\"white-space:normal\">");
            if (r.Candidates.Count > 0 || r.Message is not null)
            {
                html.Append($"<details><summary>{Plural(r.Candidates.Count, "candidate")}, {r.Matching.Count()} matching</summary>");
                if (r.Message is not null) html.Append($"<div class=\"message\">{Escape(r.Message)}</div>");
                if (r.Candidates.Count > 0) CandidateTable(html, r.Candidates);
                html.Append("</details>");
            }
            else html.Append("<span class=\"muted\">none</span>");
            html.Append("</td></tr>");
        }
        html.Append("</tbody></table>");
    }

    private static void CandidateTable(StringBuilder html, IReadOnlyList<CoreCandidateReport> candidates)
    {
        html.Append("<table class=\"candidates\"><thead><tr><th class=\"n\">#</th><th class=\"n\">id</th><th>type</th><th>spec</th><th>verdict</th></tr></thead><tbody>");
        foreach (var c in candidates)
        {
            html.Append("<tr").Append(Classes(c.Matched ? "ok" : "mismatch")).Append('>');
            html.Append($"<td class=\"n\">{Num(c.Index)}</td><td class=\"n\">{Num(c.Id)}</td><td>{Escape(c.Type)}</td><td>{Escape(c.Spec)}</td>");
            html.Append($"<td style=\"white-space:normal\">{Escape(c.Matched ? "matches" : c.Mismatch ?? "does not match")}</td></tr>");
        }
        html.Append("</tbody></table>");
    }

    /// <summary>The instruction disassembled (LLVM syntax), its bytes in hex in the title.</summary>
    private static string InstructionCell(byte[]? bytes, ByteOrder order)
    {
        if (bytes is null) return "<td class=\"muted\">-</td>";
        string hex = CoreRelocationReport.Hex(bytes);
        string text;
        try
        {
            var decoded = InstructionCodec.Decode(bytes, order, validate: false);
            // A poisoned lddw is two calls; show both rather than hide one.
            text = string.Join("; ", decoded.Select(insn => Disassembler.Format(insn, AsmSyntax.Llvm)));
        }
        catch (BpfEncodingException)
        {
            text = hex; // bytes that do not decode are still worth showing
        }
        return $"<td{Attr("title", hex)}>{Escape(text)}</td>";
    }
}
