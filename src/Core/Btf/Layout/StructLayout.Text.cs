using System.Globalization;
using System.Text;

namespace BtfNotebooks.Btf.Layout;

public sealed partial class StructLayout
{
    // pahole's column widths (conf_fprintf type_spacing/name_spacing); nested levels give 8 columns to the indent.
    private const int TypeColumns = 26;
    private const int NameColumns = 23;
    private const char Sentinel = '\u0001';

    /// <summary>
    /// The layout as pahole prints it (pahole -C NAME): members with "/* offset size */" comments, holes, cacheline
    /// boundaries and the closing statistics. The numbers agree with pahole's; spacing and some spellings may not
    /// (types are spelled in plain C, and unions get the size line pahole omits for them).
    /// </summary>
    public string ToText()
    {
        var text = new StringBuilder();
        text.Append(Name).Append(" {\n");
        WriteLevel(text, -1, Type.Kind == BtfKind.Union, depth: 0);
        WriteSummary(text);
        text.Append("};\n");
        return text.ToString();
    }

    private void WriteLevel(StringBuilder text, int container, bool isUnion, int depth)
    {
        string indent = new('\t', depth + 1);
        bool blankPending = false;
        foreach (var hole in HolesOpening(container)) WriteHole(text, indent, hole, ref blankPending);
        LayoutMember? previous = null;
        var children = ChildrenOf(container);
        foreach (int index in children)
        {
            var row = Members[index];
            // pahole writes a zero-length array as a flexible one ("[]") when it ends a struct of several members.
            bool flexible = !isUnion && children.Count > 1 && index == children[^1];
            if (blankPending) { text.Append('\n'); blankPending = false; }
            WriteForcedAlignment(text, indent, previous, row, depth);
            if (row.CachelineBoundary is int line) WriteCacheline(text, indent, row.ByteOffset, line);
            if (row.ExpandedKind is { } kind)
            {
                var (open, close) = SplitInline(row);
                text.Append(indent).Append(open).Append(" {\n");
                WriteLevel(text, row.Index, kind == BtfKind.Union, depth + 1);
                text.Append(indent);
                AppendWithComment(text, close + ";", row, depth);
            }
            else
            {
                text.Append(indent);
                AppendWithComment(text, Declaration(row, depth, flexible), row, depth);
            }
            if (!isUnion)
            {
                if (row.TypePadding > 0)
                {
                    text.Append('\n').Append(indent).Append($"/* XXX last struct has {Plural(row.TypePadding, "byte")} of padding */\n");
                    blankPending = true;
                }
                foreach (var hole in HolesAfter(row.Index)) WriteHole(text, indent, hole, ref blankPending);
            }
            previous = row;
        }
        if (blankPending && depth > 0) text.Append('\n');
    }

    private static void WriteHole(StringBuilder text, string indent, LayoutHole hole, ref bool blankPending)
    {
        if (!blankPending) text.Append('\n');
        text.Append(indent).Append(hole.IsBitHole
            ? $"/* XXX {Plural(hole.SizeBits, "bit")} hole, try to pack */\n"
            : $"/* XXX {Plural(hole.SizeBytes, "byte")} hole, try to pack */\n");
        blankPending = true;
    }

    private static void WriteCacheline(StringBuilder text, string indent, long offset, int line)
    {
        long start = (long)line * CachelineSize;
        long into = offset - start;
        text.Append(indent).Append(into == 0
            ? $"/* --- cacheline {line} boundary ({start} bytes) --- */\n"
            : $"/* --- cacheline {line} boundary ({start} bytes) was {Plural(into, "byte")} ago --- */\n");
    }

    /// <summary>pahole spells out a bit hole before the next bitfield: "type :N;" or a ":0" that forces a new unit.</summary>
    private void WriteForcedAlignment(StringBuilder text, string indent, LayoutMember? previous, LayoutMember row, int depth)
    {
        if (previous is null || !row.IsBitfield || previous.Size == 0) return;
        var bitHole = HolesAfter(previous.Index).FirstOrDefault(h => h.IsBitHole);
        if (bitHole is null) return;
        string type = CTypeNames.Format(Spec, row.TypeId).PadRight(Math.Max(TypeColumns - 8 * depth, 0));
        if (previous.ByteOffset != row.ByteOffset)
            text.Append(indent).Append("/* Force alignment to the next boundary: */\n").Append(indent).Append(type).Append(" :0;\n\n");
        else
            text.Append(indent).Append(type).Append(" :").Append(bitHole.SizeBits).Append(";\n\n");
    }

    /// <summary>"unsigned int               flags:1" with pahole's column layout; complex declarators are written whole.</summary>
    private string Declaration(LayoutMember row, int depth, bool flexible)
    {
        string declarator = CTypeNames.Format(Spec, row.TypeId, Sentinel.ToString());
        string bits = row.IsBitfield ? ":" + row.BitfieldSize.ToString(CultureInfo.InvariantCulture) : "";
        int at = declarator.IndexOf(Sentinel);
        string typePart = declarator[..at].TrimEnd();
        string suffix = declarator[(at + 1)..];
        if (flexible && suffix.StartsWith("[0]", StringComparison.Ordinal)) suffix = "[]" + suffix[3..];
        string namePart = (row.Name ?? "") + suffix + bits;
        if (typePart.Contains('('))
            return typePart + namePart + ";";
        int width = Math.Max(TypeColumns - 8 * depth, 0);
        return typePart.PadRight(width) + " " + namePart + ";";
    }

    /// <summary>"const struct {...} name[2]" becomes the opening "const struct" and the closing "} name[2]".</summary>
    private (string Open, string Close) SplitInline(LayoutMember row)
    {
        string declarator = CTypeNames.Format(Spec, row.TypeId, row.Name ?? "");
        int body = declarator.IndexOf("{...}", StringComparison.Ordinal);
        if (body < 0) return (declarator, "}");
        return (declarator[..body].TrimEnd(), ("}" + declarator[(body + 5)..]).TrimEnd());
    }

    private static void AppendWithComment(StringBuilder text, string declaration, LayoutMember row, int depth)
    {
        int column = Math.Max(TypeColumns - 8 * depth, 0) + NameColumns;
        text.Append(declaration);
        if (declaration.Length < column) text.Append(' ', column - declaration.Length);
        else text.Append(' ');
        text.Append(row.IsBitfield
            ? string.Create(CultureInfo.InvariantCulture, $"/* {row.ByteOffset,5}:{row.BitfieldOffset,2} {row.Size,2} */\n")
            : string.Create(CultureInfo.InvariantCulture, $"/* {row.ByteOffset,5} {row.Size,5} */\n"));
    }

    private void WriteSummary(StringBuilder text)
    {
        var s = Summary;
        text.Append('\n').Append($"\t/* size: {Size}, cachelines: {Cachelines}, members: {s.Members} */\n");
        if (s.HoleBytes > 0 || s.BitHoleBits > 0)
        {
            if (s.SumMemberBytes > 0)
                text.Append($"\t/* sum members: {s.SumMemberBytes}{(s.HoleBytes > 0 ? $", holes: {s.HoleCount}, sum holes: {s.HoleBytes}" : "")} */\n");
            if (s.SumBitfieldBits > 0)
                text.Append(s.BitHoleBits > 0
                    ? $"\t/* sum bitfield members: {s.SumBitfieldBits} bits, bit holes: {s.BitHoleCount}, sum bit holes: {s.BitHoleBits} bits */\n"
                    : $"\t/* sum bitfield members: {s.SumBitfieldBits} bits ({s.SumBitfieldBits / 8} bytes) */\n");
        }
        if (s.Padding > 0) text.Append($"\t/* padding: {s.Padding} */\n");
        if (s.PaddedMembers > 0) text.Append($"\t/* paddings: {s.PaddedMembers}, sum paddings: {s.SumPaddings} */\n");
        if (s.BitPadding > 0) text.Append($"\t/* bit_padding: {s.BitPadding} bits */\n");
        if (LastCachelineBytes != 0) text.Append($"\t/* last cacheline: {LastCachelineBytes} bytes */\n");
    }

    private static string Plural(long n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";
}
