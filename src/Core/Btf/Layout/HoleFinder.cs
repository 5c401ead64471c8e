namespace BtfNotebooks.Btf.Layout;

/// <summary>The holes of one struct: per member the byte and bit hole that follow it, plus the ones before the first member and the tail.</summary>
internal sealed class HoleSearch
{
    public required long[] ByteHoleAfter { get; init; }
    public required long[] BitHoleAfter { get; init; }
    /// <summary>Where each hole after member i starts, in bits relative to the struct.</summary>
    public required long[] ByteHoleStart { get; init; }
    public required long[] BitHoleStart { get; init; }
    public long PreByteHole { get; init; }
    public long PreBitHole { get; init; }
    public long PreBitHoleStart { get; init; }
    public long PreByteHoleStart { get; init; }
    public long Padding { get; init; }
    public long BitPadding { get; init; }
    public int ByteHoleCount { get; init; }
    public int BitHoleCount { get; init; }
}

/// <summary>
/// pahole's class__find_holes (dwarves.c), followed step by step so that hole and padding numbers agree with
/// pahole's, bitfield quirks included: a bitfield "storage unit" is its declared type's size, trailing bits of a
/// unit are a bit hole, and a new unit starting past the last used byte leaves a byte hole.
/// Overlapping members (negative gaps) are not holes; pahole would print them as huge wrapped numbers.
/// </summary>
internal static class HoleFinder
{
    public static HoleSearch Find(IReadOnlyList<MemberGeometry> members, long structSize)
    {
        int n = members.Count;
        var byteHole = new long[n];
        var bitHole = new long[n];
        var byteStart = new long[n];
        var bitStart = new long[n];
        long preByte = 0, preBit = 0, preByteStart = 0, preBitStart = 0;
        int byteCount = 0, bitCount = 0;

        long curBitfieldEnd = structSize * 8, curBitfieldSize = 0, lastSeenBit = 0;
        bool inBitfield = false;
        for (int i = 0; i < n; i++)
        {
            var pos = members[i];
            long start = pos.BitOffset;
            long end = pos.IsBitfield ? start + pos.BitfieldSize : start + pos.Size * 8;
            long bitHoles = 0, byteHoles = 0;
            long bitHoleFrom = lastSeenBit;
            if (inBitfield)
            {
                // Trailing bits left in the previous storage unit.
                long bitfieldEnd = Math.Min(start, curBitfieldEnd);
                bitHoles = bitfieldEnd - lastSeenBit;
                lastSeenBit = bitfieldEnd;
            }
            long byteHoleFrom = lastSeenBit / 8 * 8;
            if (pos.IsBitfield)
            {
                long alignedStart = pos.ByteOffset * 8;
                // A new storage unit beyond the last used byte: the bytes in between are a byte hole.
                if (lastSeenBit < alignedStart && alignedStart <= start)
                {
                    byteHoles = pos.ByteOffset - lastSeenBit / 8;
                    byteHoleFrom = lastSeenBit / 8 * 8;
                    lastSeenBit = alignedStart;
                }
                if (bitHoles == 0) bitHoleFrom = lastSeenBit;
                bitHoles += start - lastSeenBit;
            }
            else
            {
                byteHoles = start / 8 - lastSeenBit / 8;
            }
            lastSeenBit = end;

            if (pos.IsBitfield)
            {
                inBitfield = true;
                long unitBits = pos.Size * 8;
                // A new unit, or the same one seen through a bigger type: move the unit's end.
                if (end > curBitfieldEnd || unitBits > curBitfieldSize)
                {
                    curBitfieldSize = unitBits;
                    curBitfieldEnd = pos.ByteOffset * 8 + curBitfieldSize;
                    // A bitfield that borrowed bits from the previous unit ends in the next one.
                    if (end > curBitfieldEnd) curBitfieldEnd += curBitfieldSize;
                }
            }
            else
            {
                inBitfield = false;
                curBitfieldSize = 0;
                curBitfieldEnd = end;
            }

            if (bitHoles < 0) bitHoles = 0;
            if (byteHoles < 0) byteHoles = 0;
            if (i > 0)
            {
                byteHole[i - 1] = byteHoles; byteStart[i - 1] = byteHoleFrom;
                bitHole[i - 1] = bitHoles; bitStart[i - 1] = bitHoleFrom;
            }
            else
            {
                preByte = byteHoles; preByteStart = byteHoleFrom;
                preBit = bitHoles; preBitStart = bitHoleFrom;
            }
            if (bitHoles != 0) bitCount++;
            if (byteHoles != 0) byteCount++;
        }

        long bitPadding = 0;
        if (inBitfield)
        {
            long bitfieldEnd = Math.Min(structSize * 8, curBitfieldEnd);
            bitPadding = bitfieldEnd - lastSeenBit;
            lastSeenBit = bitfieldEnd;
        }
        return new HoleSearch
        {
            ByteHoleAfter = byteHole, BitHoleAfter = bitHole, ByteHoleStart = byteStart, BitHoleStart = bitStart,
            PreByteHole = preByte, PreBitHole = preBit, PreBitHoleStart = preBitStart, PreByteHoleStart = preByteStart,
            Padding = Math.Max(0, structSize - lastSeenBit / 8), BitPadding = Math.Max(0, bitPadding),
            ByteHoleCount = byteCount, BitHoleCount = bitCount,
        };
    }
}
