namespace BtfNotebooks.Btf.CDump;

/// <summary>
/// Layout decisions for printing a struct so that a C compiler lays it out exactly as the BTF says: when to add
/// <c>__attribute__((packed))</c> and which anonymous bitfields (<c>long: 64;</c>, <c>int: 0;</c>...) fill the
/// gaps the compiler would not create by itself. Same rules as libbpf's btf_dump.
/// </summary>
internal static class CStructLayout
{
    /// <summary>One anonymous padding bitfield: <c>Type: Bits;</c> (Bits 0 forces alignment to Type).</summary>
    public readonly record struct Pad(string Type, long Bits);

    /// <summary>Natural alignment like libbpf's btf__align_of; 0 for types that have none (void, FWD, FUNC_PROTO).</summary>
    public static int AlignOf(BtfSpec spec, uint typeId)
    {
        try { return spec.AlignOf(spec[typeId]); }
        catch (BtfLookupException) { return 0; }
    }

    /// <summary>Size in bytes like libbpf's btf__resolve_size, but 0 where it has none.</summary>
    public static long SizeOf(BtfSpec spec, uint typeId)
    {
        try { return spec.SizeOf(typeId); }
        catch (BtfLookupException) { return 0; }
    }

    /// <summary>
    /// Whether a struct or union needs <c>__attribute__((packed))</c>: some non-bitfield member is not at a
    /// multiple of its natural alignment, or the size is not a multiple of the largest member alignment. (A type
    /// the source marked packed but which happens to be naturally aligned is correctly printed without it.)
    /// Two cases libbpf misses, where its output has the wrong layout, are added: libbpf asks this of structs only,
    /// and so prints a packed union such as <c>union { u64 a; u8 b[18]; } __packed</c> 24 bytes long instead of
    /// 18; and it does not look at bitfields, but a bitfield that crosses the boundary of its type's storage unit
    /// (s390's <c>struct pgid</c>: <c>u32 cpu_id:24</c> at bit 24) is moved to the next unit unless packed.
    /// </summary>
    public static bool IsPacked(BtfSpec spec, BtfType composite)
    {
        int maxAlign = 1;
        foreach (var m in composite.Members)
        {
            int align = AlignOf(spec, m.TypeId);
            maxAlign = Math.Max(maxAlign, align);
            if (align == 0) continue;
            long alignBits = 8L * align;
            if (m.BitfieldSize == 0)
            {
                if (m.BitOffset % alignBits != 0) return true;
            }
            else if (BitfieldCrossesUnit(m.BitOffset, m.BitfieldSize, alignBits, SizeOf(spec, m.TypeId) * 8)) return true;
        }
        return composite.Size % (uint)maxAlign != 0;
    }

    // A bitfield lives in a storage unit of its type's size starting at a multiple of its type's alignment;
    // one that does not fit in the unit its first bit falls in would be moved by the compiler.
    private static bool BitfieldCrossesUnit(long bitOffset, long bits, long alignBits, long unitBits) =>
        unitBits > 0 && bitOffset - bitOffset % alignBits + unitBits < bitOffset + bits;

    /// <summary>
    /// Padding that moves the next field from bit <paramref name="from"/> to bit <paramref name="to"/>.
    /// The compiler already aligns the next field to <paramref name="nextAlign"/> bytes, so only what it would
    /// not do is spelled out: first (if needed) a zero-width or partial bitfield of the widest of
    /// long/int/short/char that reaches an aligned boundary, then whole-width fillers, then the smallest type that
    /// covers the remainder. <paramref name="inBitfield"/>: the previous member was a bitfield, so the compiler
    /// would pack the next bitfield straight after it and the gap must be counted out in bits.
    /// </summary>
    public static List<Pad> Padding(int pointerSize, long from, long to, int nextAlign, bool inBitfield)
    {
        var pads = new List<Pad>();
        if (from >= to) return pads;
        (string Name, int Bits)[] widths = [("long", pointerSize * 8), ("int", 32), ("short", 16), ("char", 8)];

        long cur = from, aligned = 0;
        string padType = "";
        int padBits = 0;
        foreach (var (name, bits) in widths)
        {
            padType = name;
            padBits = bits;
            aligned = RoundUp(cur, bits);
            if (aligned <= to) break;
        }

        if (aligned > cur && aligned <= to)
        {
            // The marker is needed when the compiler would not get to `aligned` by itself: the next field sits
            // exactly there but is less aligned than the marker type, or a full `type: N` filler would fit in
            // the hole before `aligned` and be swallowed by it. Inside a bitfield run the gap is counted in bits.
            long nextAlignBits = Math.Max(nextAlign, 1) * 8L;
            if (inBitfield
                || (aligned == to && RoundUp(cur, nextAlignBits) != aligned)
                || (aligned != to && to - aligned <= aligned - cur))
                pads.Add(new Pad(padType, inBitfield ? aligned - cur : 0));
            cur = aligned;
        }

        while (cur != to)
        {
            long bits = Math.Min(to - cur, padBits);
            if (bits == padBits)
            {
                pads.Add(new Pad(padType, padBits));
                cur += bits;
                continue;
            }
            // The remainder: the smallest type wide enough, which says how big the hole is.
            for (int i = widths.Length - 1; i >= 0; i--)
            {
                (padType, padBits) = widths[i];
                if (padBits < bits) continue;
                pads.Add(new Pad(padType, bits));
                cur += bits;
                break;
            }
        }
        return pads;
    }

    /// <summary>
    /// Padding that makes a union as large as its BTF size when its members alone would make it smaller (the
    /// kernel's <c>__bpf_md_ptr</c>: <c>union { T *p; __u64 :64; } __aligned(8)</c>, 8 bytes on 32-bit too; the
    /// unnamed bitfield is not in BTF). libbpf pads structs only. Union members all start at offset 0, so one
    /// unnamed bitfield of the full width is enough when a type is that wide; otherwise the fillers go in an
    /// anonymous struct. Unnamed bitfields add size but no alignment, so nothing else moves.
    /// </summary>
    /// <returns>No pads when none are needed; one pad to print as a member; or several to wrap in <c>struct { ... };</c>.</returns>
    public static List<Pad> UnionTailPadding(BtfSpec spec, BtfType union, bool packed, int pointerSize)
    {
        long end = 0;
        int maxAlign = 1;
        foreach (var m in union.Members)
        {
            long width = m.BitfieldSize != 0 ? m.BitfieldSize : Math.Max(0, SizeOf(spec, m.TypeId)) * 8;
            end = Math.Max(end, m.BitOffset + width);
            maxAlign = Math.Max(maxAlign, AlignOf(spec, m.TypeId));
        }
        long naturalBytes = RoundUp(RoundUp(end, 8) / 8, packed ? 1 : maxAlign);
        long wantedBits = union.Size * 8L;
        if (naturalBytes * 8 >= wantedBits) return [];

        (string Name, int Bits)[] single = [("char", 8), ("short", 16), ("int", 32), ("long", pointerSize * 8), ("long long", 64)];
        foreach (var (name, bits) in single)
            if (bits >= wantedBits) return [new Pad(name, wantedBits)];
        return Padding(pointerSize, 0, wantedBits, 1, false);
    }

    private static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;
}
