using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Layout;

namespace BtfNotebooks.Tests.Layout;

/// <summary>A <see cref="StructLayout"/> as the facts <see cref="PaholeText"/> reads from pahole, in pahole's print order.</summary>
public static class LayoutFacts
{
    public static List<string> Of(StructLayout layout)
    {
        var facts = new List<string>();
        Level(layout, -1, layout.IsUnion, facts);
        if (!layout.IsUnion) Summary(layout, facts);
        return facts;
    }

    private static void Level(StructLayout layout, int container, bool isUnion, List<string> facts)
    {
        foreach (var hole in layout.HolesOpening(container)) facts.Add(Hole(hole));
        foreach (int index in layout.ChildrenOf(container))
        {
            var row = layout.Members[index];
            if (row.CachelineBoundary is int line) facts.Add($"cl {line}");
            if (row.ExpandedKind is { } kind) Level(layout, index, kind == BtfKind.Union, facts);
            string offset = row.IsBitfield ? $"{row.ByteOffset}:{row.BitfieldOffset}" : $"{row.ByteOffset}";
            facts.Add($"m {row.Depth} {row.Name ?? ""} {offset} {row.Size}{(row.IsBitfield ? $" :{row.BitfieldSize}" : "")}");
            if (isUnion) continue;
            if (row.TypePadding > 0) facts.Add($"lastpad {row.TypePadding}");
            foreach (var hole in layout.HolesAfter(index)) facts.Add(Hole(hole));
        }
    }

    private static string Hole(LayoutHole hole) => hole.IsBitHole ? $"bithole {hole.SizeBits}" : $"hole {hole.SizeBytes}";

    /// <summary>
    /// The closing statistics as <see cref="StructLayout.ToText"/> prints them (from "size:" to the closing brace),
    /// so the comparison checks the renderer itself, not a second copy of its rules.
    /// </summary>
    private static void Summary(StructLayout layout, List<string> facts)
    {
        var lines = layout.ToText().Split('\n');
        int start = Array.FindLastIndex(lines, l => l.StartsWith("\t/* size: ", StringComparison.Ordinal));
        for (int i = start; i >= 0 && i < lines.Length && lines[i].StartsWith("\t/* ", StringComparison.Ordinal); i++)
            facts.Add("sum " + lines[i].Trim()[2..^2].Trim());
    }
}
