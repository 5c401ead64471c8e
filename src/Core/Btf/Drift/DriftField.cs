namespace BtfNotebooks.Btf.Drift;

/// <summary>
/// One column of a drift table: "struct.member[.member...]" (through anonymous members and embedded records)
/// for a byte offset, or "sizeof:struct" for a size.
/// </summary>
public sealed record DriftField(string Text, string TypeName, string? MemberPath)
{
    public bool IsSizeOf => MemberPath is null;

    public static DriftField Parse(string text)
    {
        var t = text.Trim();
        if (t.StartsWith("sizeof:", StringComparison.Ordinal))
        {
            var type = t["sizeof:".Length..].Trim();
            if (type.Length == 0 || type.Contains('.'))
                throw new ArgumentException($"bad field '{text}': expected sizeof:STRUCT");
            return new DriftField(t, type, null);
        }
        int dot = t.IndexOf('.');
        if (dot <= 0 || dot == t.Length - 1 || t.Contains("..", StringComparison.Ordinal) || t.EndsWith('.'))
            throw new ArgumentException($"bad field '{text}': expected STRUCT.MEMBER[.MEMBER...] or sizeof:STRUCT");
        return new DriftField(t, t[..dot], t[(dot + 1)..]);
    }

    /// <summary>This field in one kernel; absent when the type or member does not exist there.</summary>
    public DriftValue Evaluate(BtfSpec spec)
    {
        BtfType composite;
        try { composite = spec.FindComposite(TypeName); }
        catch (BtfLookupException e) { return DriftValue.Missing(e.Message); }
        if (IsSizeOf) return DriftValue.Bytes(spec.SizeOf(composite), 0); // the value is the size; no member size
        FieldLocation loc;
        try { loc = spec.ResolveField(composite, MemberPath!); }
        catch (BtfLookupException e) { return DriftValue.Missing(e.Message); }
        long size = loc.IsBitfield ? 0 : TrySize(spec, loc.Type);
        return loc.IsBitfield
            ? DriftValue.Bitfield((long)loc.BitOffset, loc.BitfieldSize)
            : DriftValue.Bytes((long)loc.ByteOffset, size);
    }

    private static long TrySize(BtfSpec spec, BtfType t)
    {
        try { return spec.SizeOf(t); }
        catch (BtfLookupException) { return 0; } // e.g. a flexible array of an incomplete type
    }
}

/// <summary>
/// One cell: a byte offset (or size) with the member's size, a bitfield at bit N of width W, or absent (with the
/// reason: which type or member the kernel lacks).
/// </summary>
public readonly record struct DriftValue(bool Present, long Value, long Size, uint BitfieldBits, string? AbsentReason = null)
{
    public static DriftValue Missing(string reason) => new(false, 0, 0, 0, reason);
    public static DriftValue Bytes(long value, long size) => new(true, value, size, 0);
    public static DriftValue Bitfield(long bitOffset, uint bits) => new(true, bitOffset, 0, bits);

    public bool IsBitfield => BitfieldBits != 0;

    /// <summary>As DRIFT.tsv writes it: "1264", "1010:2" for a bitfield at bit 1010, 2 bits wide, "-" when absent.</summary>
    public override string ToString() => !Present ? "-" : IsBitfield ? $"{Value}:{BitfieldBits}" : Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
