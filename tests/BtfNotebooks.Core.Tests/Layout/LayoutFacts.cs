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

    private static void Summary(StructLayout layout, List<string> facts)
    {
        var s = layout.Summary;
        facts.Add($"sum size: {layout.Size}, cachelines: {layout.Cachelines}, members: {s.Members}");
        if (s.HoleBytes > 0 || s.BitHoleBits > 0)
        {
            if (s.SumMemberBytes > 0)
                facts.Add($"sum sum members: {s.SumMemberBytes}{(s.HoleBytes > 0 ? $", holes: {s.HoleCount}, sum holes: {s.HoleBytes}" : "")}");
            if (s.SumBitfieldBits > 0)
                facts.Add(s.BitHoleBits > 0
                    ? $"sum sum bitfield members: {s.SumBitfieldBits} bits, bit holes: {s.BitHoleCount}, sum bit holes: {s.BitHoleBits} bits"
                    : $"sum sum bitfield members: {s.SumBitfieldBits} bits ({s.SumBitfieldBits / 8} bytes)");
        }
        if (s.Padding > 0) facts.Add($"sum padding: {s.Padding}");
        if (s.PaddedMembers > 0) facts.Add($"sum paddings: {s.PaddedMembers}, sum paddings: {s.SumPaddings}");
        if (s.BitPadding > 0) facts.Add($"sum bit_padding: {s.BitPadding} bits");
        if (layout.LastCachelineBytes != 0) facts.Add($"sum last cacheline: {layout.LastCachelineBytes} bytes");
    }
}
