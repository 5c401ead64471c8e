using System.Globalization;
using System.Text.RegularExpressions;

namespace BtfNotebooks.Tests.Layout;

/// <summary>One struct or union as pahole printed it, reduced to the facts a layout must reproduce.</summary>
public sealed record PaholeType(string Kind, string Name, int Line, IReadOnlyList<string> Facts);

/// <summary>
/// Reads the text of <c>pahole -F btf FILE</c> (pahole 1.24) into <see cref="PaholeType"/>s. Each type becomes a list of
/// "facts" in print order, free of spelling and spacing:
/// <list type="bullet">
/// <item>"m DEPTH NAME OFFSET SIZE" / "m DEPTH NAME OFFSET:BIT SIZE :BITS": a member line, or the closing line of an
/// inline anonymous struct/union/enum ("} name; /* offset size */", NAME empty when anonymous). DEPTH 0 is the root.</item>
/// <item>"cl N": a "--- cacheline N boundary ---" comment.</item>
/// <item>"hole N" / "bithole N": "XXX N bytes/bits hole"; "lastpad N": "XXX last struct has N bytes of padding".</item>
/// <item>"sum ...": the closing statistics of the root, verbatim without the comment markers.</item>
/// </list>
/// Dropped: enumerators of inline enums, the members of an inline struct reached through a pointer ("} * name;",
/// which pahole prints with offsets relative to that struct: not part of this layout), the ":0"/":N" filler lines
/// and "Bitfield combined"/"Force alignment"/"forced alignments" comments (alignment attributes are not modelled).
/// </summary>
public static partial class PaholeText
{
    [GeneratedRegex(@"/\*\s*(\d+)(?::\s*(\d+))?\s+(\d+)\s*\*/$")]
    private static partial Regex OffsetComment();

    [GeneratedRegex(@"\s*__attribute__\(\(.*?\)\)\)?")]
    private static partial Regex Attribute();

    [GeneratedRegex(@"^/\* --- cacheline (\d+) boundary")]
    private static partial Regex Cacheline();

    [GeneratedRegex(@"^/\* XXX (\d+) (byte|bit)s? hole, try to pack \*/$")]
    private static partial Regex Hole();

    [GeneratedRegex(@"^/\* XXX last struct has (\d+) bytes? of padding \*/$")]
    private static partial Regex LastPadding();

    [GeneratedRegex(@"\(\*\s*([A-Za-z_][A-Za-z_0-9]*)")]
    private static partial Regex FunctionPointerName();

    [GeneratedRegex(@"([A-Za-z_][A-Za-z_0-9]*)\s*(\[\d*\]\s*)*$")]
    private static partial Regex TrailingName();

    [GeneratedRegex(@"^(struct|union) (\S+) \{$")]
    private static partial Regex Header();

    public static List<PaholeType> Parse(string text)
    {
        var types = new List<PaholeType>();
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var header = Header().Match(lines[i]);
            if (!header.Success) continue;
            int start = i;
            var blocks = new Stack<Block>();
            blocks.Push(new Block(BlockKind.Root));
            for (i++; i < lines.Length && !lines[i].StartsWith('}'); i++)
                ParseLine(lines[i], blocks);
            if (blocks.Count != 1)
                throw new FormatException($"pahole output line {start + 1}: unbalanced braces in {header.Groups[2].Value}");
            types.Add(new PaholeType(header.Groups[1].Value, header.Groups[2].Value, start + 1, blocks.Pop().Facts));
        }
        return types;
    }

    private enum BlockKind { Root, Record, Enum }

    /// <summary>Stands for a member name pahole failed to print (see <see cref="Matches"/>).</summary>
    public const string UnknownName = "~";

    private sealed class Block(BlockKind kind, bool qualified = false)
    {
        public BlockKind Kind { get; } = kind;
        /// <summary>Opened by "const struct {": pahole 1.24 then forgets the member name at the closing brace.</summary>
        public bool Qualified { get; } = qualified;
        public List<string> Facts { get; } = [];
    }

    /// <summary>Whether our fact equals pahole's, where pahole's may have <see cref="UnknownName"/> for the name.</summary>
    public static bool Matches(string theirs, string ours)
    {
        if (theirs == ours) return true;
        var t = theirs.Split(' ');
        var o = ours.Split(' ');
        return t.Length == o.Length && t.Length > 2 && t[0] == "m" && t[2] == UnknownName
            && t.Where((part, i) => i != 2 && part != o[i]).Any() == false;
    }

    private static void ParseLine(string raw, Stack<Block> blocks)
    {
        int tabs = 0;
        while (tabs < raw.Length && raw[tabs] == '\t') tabs++;
        string line = raw[tabs..].Trim();
        if (line.Length == 0) return;
        int depth = tabs - 1;
        var block = blocks.Peek();
        if (block.Kind == BlockKind.Enum && !line.StartsWith('}')) return;

        if (line.EndsWith('{'))
        {
            blocks.Push(new Block(line.Contains("enum {", StringComparison.Ordinal) ? BlockKind.Enum : BlockKind.Record,
                qualified: line.StartsWith("const ", StringComparison.Ordinal) || line.StartsWith("volatile ", StringComparison.Ordinal)));
            return;
        }
        if (line.StartsWith('}'))
        {
            var inner = blocks.Pop();
            var outer = blocks.Peek();
            string declaration = line[1..];
            bool throughPointer = declaration.TrimStart().StartsWith('*');
            if (inner.Kind == BlockKind.Record && !throughPointer) outer.Facts.AddRange(inner.Facts);
            var member = Member(declaration, depth);
            // type__fprintf only hands the name to an inline struct when no qualifier precedes it.
            if (member is not null && inner.Qualified && member.Split(' ')[2].Length == 0)
                member = member.Replace($"m {depth}  ", $"m {depth} {UnknownName} ", StringComparison.Ordinal);
            if (member is not null) outer.Facts.Add(member);
            return;
        }

        if (Cacheline().Match(line) is { Success: true } cl) { block.Facts.Add("cl " + cl.Groups[1].Value); return; }
        if (Hole().Match(line) is { Success: true } hole) { block.Facts.Add((hole.Groups[2].Value == "bit" ? "bithole " : "hole ") + hole.Groups[1].Value); return; }
        if (LastPadding().Match(line) is { Success: true } pad) { block.Facts.Add("lastpad " + pad.Groups[1].Value); return; }
        if (line.StartsWith("/*", StringComparison.Ordinal))
        {
            // Only the root's statistics; "forced alignments" belongs to the alignment attributes not modelled.
            if (depth == 0 && blocks.Count == 1 && !line.StartsWith("/* forced alignments", StringComparison.Ordinal)
                && !line.StartsWith("/* Force", StringComparison.Ordinal) && !line.StartsWith("/* Bitfield", StringComparison.Ordinal))
                block.Facts.Add("sum " + line[2..^2].Trim());
            return;
        }
        if (Member(line, depth) is { } fact) block.Facts.Add(fact);
    }

    /// <summary>"TYPE NAME[:BITS]; /* OFF[:BIT] SIZE */" as a fact, or null for a line without an offset comment.</summary>
    private static string? Member(string line, int depth)
    {
        var comment = OffsetComment().Match(line);
        if (!comment.Success) return null;
        string declaration = Attribute().Replace(line[..comment.Index].Trim(), "").Trim().TrimEnd(';').Trim();
        string bits = "";
        int colon = declaration.LastIndexOf(':');
        if (colon > 0 && int.TryParse(declaration[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int width))
        {
            bits = " :" + width;
            declaration = declaration[..colon].Trim();
        }
        string name = FunctionPointerName().Match(declaration) is { Success: true } fp
            ? fp.Groups[1].Value
            : declaration.TrimEnd().EndsWith('}') ? ""
            : TrailingName().Match(declaration) is { Success: true } tn ? tn.Groups[1].Value : "";
        // A closing "}" line of an anonymous member has no name; "} foo[4]" names foo.
        if (declaration.Length == 0) name = "";
        string offset = comment.Groups[1].Value + (comment.Groups[2].Success ? ":" + comment.Groups[2].Value : "");
        return $"m {depth} {name} {offset} {comment.Groups[3].Value}{bits}";
    }
}
