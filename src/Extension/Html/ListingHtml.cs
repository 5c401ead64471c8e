using System.Text;
using System.Text.RegularExpressions;
using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.CoRe;
using BtfNotebooks.Elf.BtfExt;
using static BtfNotebooks.Extension.Html.HtmlText;

namespace BtfNotebooks.Extension.Html;

/// <summary>
/// A note shown beside one instruction of a listing, e.g. what a CO-RE relocation did to it.
/// <paramref name="InstructionIndex"/> indexes the instruction list (an lddw is one instruction), not the slots.
/// </summary>
public sealed record ListingAnnotation(int InstructionIndex, string Text)
{
    /// <summary>
    /// One annotation per record of <paramref name="records"/> that applies to <paramref name="program"/> (same
    /// section and program name): kind, access path, status and the patch ("byte_off task_struct.pid: 2416 → 1264").
    /// Records carry slot indexes; they are mapped to instruction indexes here.
    /// </summary>
    public static IReadOnlyList<ListingAnnotation> ForCoreRecords(IEnumerable<CoreRecordReport> records, CoreProgram program)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(program);
        var instructions = ListingHtml.Instructions(program);
        var slotOf = ProgramValidator.SlotIndex(instructions, out _);
        var notes = new List<ListingAnnotation>();
        foreach (var r in records)
        {
            if (r.Record.Section != program.Section || r.Program != program.Name || r.InstructionIndex is not int slot) continue;
            int index = Array.BinarySearch(slotOf, slot);
            if (index < 0) continue; // the second slot of an lddw: the record names the lddw's first slot
            notes.Add(new ListingAnnotation(index, Describe(r)));
        }
        return notes;
    }

    /// <summary>"byte_off task_struct.pid: 2416 → 1264", "field_exists task_struct.x: poison (no matching candidate)".</summary>
    public static string Describe(CoreRecordReport r)
    {
        string what = $"relo #{r.Record.Index} {r.Kind.LibbpfName()} {r.ReadablePath ?? $"{r.LocalType} {r.Record.Access}"}";
        return r.Status == CoreRelocationStatus.Ok && r.Patch is not null
            ? $"{what}: {r.Old} → {r.New}"
            : $"{what}: {r.StatusName}{(r.Message is null ? "" : $" ({r.Message})")}";
    }
}

/// <summary>
/// A program listing as the disassembler writes it (either syntax, with labels), one table row per line: slot,
/// instruction, and the annotations of annotated instructions, those lines marked so they stand out.
/// </summary>
public static partial class ListingHtml
{
    /// <summary>The listing of <paramref name="program"/>, with <paramref name="annotations"/> beside their instructions.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An annotation names an instruction the program does not have.</exception>
    public static string Render(IReadOnlyList<Instruction> program, IEnumerable<ListingAnnotation>? annotations = null,
        AsmSyntax syntax = AsmSyntax.Llvm, bool labels = true)
    {
        ArgumentNullException.ThrowIfNull(program);
        var notes = new Dictionary<int, List<string>>();
        foreach (var a in annotations ?? [])
        {
            if (a.InstructionIndex < 0 || a.InstructionIndex >= program.Count)
                throw new ArgumentOutOfRangeException(nameof(annotations), $"annotation for instruction {a.InstructionIndex}, but the program has {program.Count} (0..{program.Count - 1})");
            (notes.TryGetValue(a.InstructionIndex, out var list) ? list : notes[a.InstructionIndex] = []).Add(a.Text);
        }
        var slotOf = ProgramValidator.SlotIndex(program, out _);
        var lines = Lines(program, syntax, labels);

        var html = new StringBuilder();
        html.Append("<table class=\"listing\"><thead><tr><th class=\"n\">slot</th><th>instruction</th><th>note</th></tr></thead><tbody>");
        foreach (var (label, index, text) in lines)
        {
            if (label)
            {
                html.Append($"<tr class=\"label\"><td></td><td colspan=\"2\">{Escape(text)}</td></tr>");
                continue;
            }
            bool annotated = notes.TryGetValue(index, out var here);
            html.Append("<tr").Append(Classes("insn", annotated ? "annotated" : null)).Append(Attr("data-index", Num(index))).Append('>');
            html.Append($"<td class=\"n\">{Num(slotOf[index])}</td><td>{Escape(text)}</td>");
            html.Append(annotated ? $"<td class=\"note\">{string.Join("<br/>", here!.Select(Escape))}</td>" : "<td></td>");
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
        return Fragment("listing", html.ToString());
    }

    /// <summary>
    /// A program as CO-RE relocated it (<see cref="CoreRelocationReport.Programs"/>), each relocated instruction
    /// annotated with what its record did (<see cref="ListingAnnotation.ForCoreRecords"/>).
    /// </summary>
    public static string Render(CoreProgram program, CoreRelocationReport? report = null, AsmSyntax syntax = AsmSyntax.Llvm, bool labels = true)
    {
        ArgumentNullException.ThrowIfNull(program);
        var notes = report is null ? [] : ListingAnnotation.ForCoreRecords(report.Records, program);
        return Render(Instructions(program), notes, syntax, labels);
    }

    /// <summary>A CO-RE program's slots as instructions: each lddw joined with its second slot again.</summary>
    public static IReadOnlyList<Instruction> Instructions(CoreProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        var slots = program.Slots;
        var list = new List<Instruction>(slots.Count);
        for (int s = 0; s < slots.Count; s++)
        {
            var insn = slots[s];
            if (insn.IsWide && s + 1 < slots.Count) insn = insn with { NextImm = slots[++s].Imm };
            list.Add(insn);
        }
        return list;
    }

    [GeneratedRegex(@"^(?:L|fn)\d+:$")]
    private static partial Regex LabelLine();

    /// <summary>
    /// The disassembler's lines, each either a label or the next instruction's text (without its indent). The
    /// disassembler names labels L&lt;slot&gt; or fn&lt;slot&gt;; if its lines ever failed to line up with the
    /// instructions, the listing falls back to one line per instruction with relative targets rather than
    /// mislabel rows.
    /// </summary>
    private static List<(bool Label, int Index, string Text)> Lines(IReadOnlyList<Instruction> program, AsmSyntax syntax, bool labels)
    {
        var text = Disassembler.Disassemble(program, syntax, labels).TrimEnd('\n');
        var lines = new List<(bool, int, string)>();
        int index = 0;
        foreach (var line in text.Length == 0 ? [] : text.Split('\n'))
        {
            if (labels && LabelLine().IsMatch(line)) lines.Add((true, -1, line));
            else lines.Add((false, index++, line.TrimStart('\t')));
        }
        if (index == program.Count) return lines;
        if (labels) return Lines(program, syntax, labels: false);
        return program.Select((insn, i) => (false, i, Disassembler.Format(insn, syntax))).ToList();
    }
}
