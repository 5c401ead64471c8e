using System.Globalization;
using System.Text;
using BtfNotebooks.Vm;
using static BtfNotebooks.Extension.Html.HtmlText;

namespace BtfNotebooks.Extension.Html;

/// <summary>
/// One executed step of a traced run, as the trace table shows it: which step, which instruction (index and
/// text), and the registers it changed with their new values. A plain view type so the renderer does not depend on
/// how the VM records a trace.
/// </summary>
public sealed record TraceRowView(int Step, int Index, string Instruction, IReadOnlyList<(string Register, ulong Value)> Changed);

/// <summary>
/// The outcome of running a program: r0 (decimal and hex) and the instruction count, or, for a fault, a box that
/// says what stopped the program where (instruction, address, access size, region); plus a trace table.
/// </summary>
public static class RunHtml
{
    /// <summary>A normal end: r0 and how many instructions ran.</summary>
    public static string Render(RunResult result) => Fragment("run", ResultTable(result));

    /// <summary>A normal end followed by its trace (<see cref="Trace"/>).</summary>
    public static string Render(RunResult result, IEnumerable<TraceRowView> trace, int maxRows = 1000)
    {
        ArgumentNullException.ThrowIfNull(trace);
        return Fragment("run", ResultTable(result) + TraceTable(trace, maxRows));
    }

    /// <summary>A program that faulted or could not run, as an error box.</summary>
    public static string Render(BpfRuntimeException fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        return Fragment("run", FaultBox(fault));
    }

    /// <summary>A fault after some traced steps: the box, then the steps that led there.</summary>
    public static string Render(BpfRuntimeException fault, IEnumerable<TraceRowView> trace, int maxRows = 1000)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentNullException.ThrowIfNull(trace);
        return Fragment("run", FaultBox(fault) + TraceTable(trace, maxRows));
    }

    /// <summary>
    /// A trace alone: a row per step (step, instruction index, instruction, registers changed). Only the first
    /// <paramref name="maxRows"/> rows are written, since a loop can run a million steps; a last row says how many
    /// were left out.
    /// </summary>
    public static string Trace(IEnumerable<TraceRowView> trace, int maxRows = 1000)
    {
        ArgumentNullException.ThrowIfNull(trace);
        return Fragment("trace", TraceTable(trace, maxRows));
    }

    /// <summary>"42", "0x2a"; a value with the top bit set also as signed ("-1").</summary>
    public static (string Decimal, string Hex, string? Signed) FormatValue(ulong value) =>
        (Num(value), "0x" + value.ToString("x", CultureInfo.InvariantCulture),
         (long)value < 0 ? ((long)value).ToString(CultureInfo.InvariantCulture) : null);

    private static string ResultTable(RunResult result)
    {
        var (dec, hex, signed) = FormatValue(result.R0);
        return "<table class=\"result\"><tbody>" +
               $"<tr data-k=\"r0\"><th>r0</th><td class=\"n\">{dec}</td><td>{hex}</td><td>{(signed is null ? "" : $"({signed})")}</td></tr>" +
               $"<tr data-k=\"instructions\"><th>instructions</th><td class=\"n\">{Num(result.InstructionsExecuted)}</td><td></td><td></td></tr>" +
               "</tbody></table>";
    }

    private static string FaultBox(BpfRuntimeException e)
    {
        var html = new StringBuilder();
        html.Append("<div class=\"box fault\"").Append(Attr("title", e.Message)).Append('>');
        html.Append($"<div class=\"title\">{Escape(KindText(e.Kind))}</div>");
        html.Append($"<div class=\"reason\">{Escape(e.Reason)}</div>");
        html.Append("<table><tbody>");
        if (e.Slot is int slot)
            Row(html, "instruction", $"slot {Num(slot)}{(e.InstructionText is null ? "" : ": " + e.InstructionText)}");
        if (e.Address is ulong address) Row(html, "address", "0x" + address.ToString("x", CultureInfo.InvariantCulture));
        if (e.AccessSize is int size) Row(html, "size", Plural(size, "byte"));
        if (e.Region is { } region)
        {
            string offset = e.Address is ulong a && a >= region.Address
                ? $", offset {Num(a - region.Address)} of {Num(region.Length)}"
                : "";
            Row(html, "region", region + offset);
        }
        html.Append("</tbody></table></div>");
        return html.ToString();
    }

    private static void Row(StringBuilder html, string key, string value) =>
        html.Append($"<tr{Attr("data-k", key)}><th>{Escape(key)}</th><td style=\"white-space:normal\">{Escape(value)}</td></tr>");

    private static string KindText(RuntimeErrorKind kind) => kind switch
    {
        RuntimeErrorKind.MemoryFault => "memory fault",
        RuntimeErrorKind.BudgetExhausted => "instruction budget exhausted",
        RuntimeErrorKind.CallDepthExceeded => "call depth exceeded",
        RuntimeErrorKind.UnknownHelper => "unknown helper",
        RuntimeErrorKind.PoisonedRelocation => "poisoned CO-RE relocation",
        RuntimeErrorKind.HelperFailed => "helper failed",
        RuntimeErrorKind.Unsupported => "cannot run",
        _ => kind.ToString(),
    };

    private static string TraceTable(IEnumerable<TraceRowView> trace, int maxRows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRows);
        var html = new StringBuilder();
        html.Append("<table class=\"trace\"><thead><tr><th class=\"n\">step</th><th class=\"n\">insn</th><th>instruction</th><th>changed</th></tr></thead><tbody>");
        int written = 0, skipped = 0;
        foreach (var row in trace)
        {
            if (written == maxRows) { skipped++; continue; }
            written++;
            html.Append($"<tr{Attr("data-step", Num(row.Step))}><td class=\"n\">{Num(row.Step)}</td><td class=\"n\">{Num(row.Index)}</td><td>{Escape(row.Instruction)}</td><td>");
            html.Append(string.Join(" ", row.Changed.Select(c =>
            {
                var (dec, hex, _) = FormatValue(c.Value);
                return $"<span{Attr("title", dec)}>{Escape(c.Register)}={hex}</span>";
            })));
            html.Append("</td></tr>");
        }
        if (skipped > 0) html.Append($"<tr class=\"muted\"><td colspan=\"4\">{Plural(skipped, "more step")} not shown</td></tr>");
        html.Append("</tbody></table>");
        return html.ToString();
    }
}
