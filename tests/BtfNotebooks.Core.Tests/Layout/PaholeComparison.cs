using System.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Layout;

namespace BtfNotebooks.Tests.Layout;

/// <summary>The outcome of laying out every named struct/union of a BTF and comparing with pahole's printout.</summary>
public sealed class PaholeComparison
{
    public int Compared { get; private set; }
    public int Rows { get; private set; }
    public List<string> Mismatches { get; } = [];

    /// <summary>
    /// Pairs pahole's types with the BTF's and compares their facts. pahole prints the named structs and unions in
    /// ID order, skipping a type equal to one already printed (pahole.c structures__add: same name, size, member
    /// count and member names/offsets/bitfield widths), so the same walk over the BTF yields the same sequence.
    /// </summary>
    public static PaholeComparison Run(BtfSpec spec, IReadOnlyList<PaholeType> pahole)
    {
        var result = new PaholeComparison();
        var printed = new HashSet<string>();
        int next = 0;
        // With --btf_base pahole prints the base's types too, then the split's.
        foreach (var type in spec.AllTypes)
        {
            if (!type.Kind.IsComposite() || type.IsAnonymous) continue;
            if (!printed.Add(DuplicateKey(type))) continue;
            if (next >= pahole.Count)
            {
                result.Mismatches.Add($"[{type.Id}] {type.Name}: not printed by pahole");
                continue;
            }
            var theirs = pahole[next++];
            string kind = type.Kind == BtfKind.Union ? "union" : "struct";
            if (theirs.Name != type.Name || theirs.Kind != kind)
            {
                result.Mismatches.Add($"[{type.Id}] {kind} {type.Name}: pahole printed {theirs.Kind} {theirs.Name} (line {theirs.Line}) instead; stopping");
                return result;
            }
            var ours = LayoutFacts.Of(StructLayout.Compute(spec, type));
            result.Compared++;
            result.Rows += ours.Count(f => f.StartsWith("m ", StringComparison.Ordinal));
            if (ours.Count != theirs.Facts.Count || ours.Where((fact, i) => !PaholeText.Matches(theirs.Facts[i], fact)).Any())
                result.Mismatches.Add($"[{type.Id}] {kind} {type.Name} (pahole line {theirs.Line}):\n{Diff(theirs.Facts, ours)}");
        }
        for (; next < pahole.Count; next++)
            result.Mismatches.Add($"pahole printed {pahole[next].Kind} {pahole[next].Name} (line {pahole[next].Line}), which the BTF walk did not expect");
        return result;
    }

    /// <summary>pahole's notion of "the same type" (type__compare), which takes neither kind nor member types into account.</summary>
    private static string DuplicateKey(BtfType t)
    {
        var key = new StringBuilder().Append(t.Name).Append('|').Append(t.Size).Append('|').Append(t.Vlen);
        foreach (var m in t.Members) key.Append('|').Append(m.Name).Append('@').Append(m.BitOffset).Append(':').Append(m.BitfieldSize);
        return key.ToString();
    }

    /// <summary>The first differing fact with a little context: enough to see what went wrong.</summary>
    private static string Diff(IReadOnlyList<string> theirs, IReadOnlyList<string> ours)
    {
        int i = 0;
        while (i < theirs.Count && i < ours.Count && PaholeText.Matches(theirs[i], ours[i])) i++;
        var text = new StringBuilder();
        for (int j = Math.Max(0, i - 2); j < Math.Max(theirs.Count, ours.Count) && j < i + 4; j++)
            text.Append($"    {(j < theirs.Count ? theirs[j] : "(end)"),-48} | {(j < ours.Count ? ours[j] : "(end)")}\n");
        return $"  pahole vs ours, from fact {i}:\n{text}";
    }

    public override string ToString() => $"{Compared} types, {Rows} member rows, {Mismatches.Count} mismatches";
}
