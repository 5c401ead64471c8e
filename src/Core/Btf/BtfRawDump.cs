namespace BtfNotebooks.Btf;

/// <summary>
/// The text `bpftool btf dump file FILE` prints (raw format, bpftool 7.x), byte for byte: one line per type,
/// then one tab-indented line per member/value/parameter/variable. For split BTF only the split's own types.
/// </summary>
public static class BtfRawDump
{
    public static void Write(BtfSpec spec, Stream output)
    {
        using var o = new Utf8Output(output);
        foreach (var t in spec.LocalTypes) WriteType(spec, t, o);
    }

    public static string ToText(BtfSpec spec)
    {
        using var ms = new MemoryStream();
        Write(spec, ms);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>The bpftool text for one type (with its trailing newline).</summary>
    public static string ToText(BtfSpec spec, BtfType type)
    {
        using var ms = new MemoryStream();
        using (var o = new Utf8Output(ms)) WriteType(spec, type, o);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void Name(BtfSpec spec, uint nameOffset, Utf8Output o)
    {
        o.Write((byte)'\'');
        if (nameOffset == 0) o.Write("(anon)"u8);
        else o.Write(spec.StringBytes(nameOffset));
        o.Write((byte)'\'');
    }

    private static void WriteType(BtfSpec spec, BtfType t, Utf8Output o)
    {
        o.Write((byte)'[');
        o.Write((ulong)t.Id);
        o.Write("] "u8);
        o.Write(t.Kind.ToBpftoolName());
        o.Write((byte)' ');
        Name(spec, t.NameOffset, o);

        switch (t.Kind)
        {
            case BtfKind.Int:
                o.Write(" size="u8); o.Write((ulong)t.Size);
                o.Write(" bits_offset="u8); o.Write((ulong)t.IntBitOffset);
                o.Write(" nr_bits="u8); o.Write((ulong)t.IntBits);
                o.Write(" encoding="u8);
                o.Write(t.IntRawEncoding switch { 0 => "(none)"u8, 1 => "SIGNED"u8, 2 => "CHAR"u8, 4 => "BOOL"u8, _ => "UNKN"u8 });
                break;
            case BtfKind.Ptr or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.Typedef or BtfKind.TypeTag:
                o.Write(" type_id="u8); o.Write((ulong)t.TypeId);
                break;
            case BtfKind.Array:
                o.Write(" type_id="u8); o.Write((ulong)t.ArrayElementTypeId);
                o.Write(" index_type_id="u8); o.Write((ulong)t.ArrayIndexTypeId);
                o.Write(" nr_elems="u8); o.Write((ulong)t.ArrayLength);
                break;
            case BtfKind.Struct or BtfKind.Union:
                o.Write(" size="u8); o.Write((ulong)t.Size);
                o.Write(" vlen="u8); o.Write((ulong)t.Vlen);
                foreach (var m in t.Members)
                {
                    o.Write("\n\t"u8); Name(spec, m.NameOffset, o);
                    o.Write(" type_id="u8); o.Write((ulong)m.TypeId);
                    o.Write(" bits_offset="u8); o.Write((ulong)m.BitOffset);
                    if (m.BitfieldSize != 0) { o.Write(" bitfield_size="u8); o.Write((ulong)m.BitfieldSize); }
                }
                break;
            case BtfKind.Enum or BtfKind.Enum64:
                bool signed = t.KindFlag, is64 = t.Kind == BtfKind.Enum64;
                o.Write(signed ? " encoding=SIGNED"u8 : " encoding=UNSIGNED"u8);
                o.Write(" size="u8); o.Write((ulong)t.Size);
                o.Write(" vlen="u8); o.Write((ulong)t.Vlen);
                foreach (var v in t.EnumValues)
                {
                    o.Write("\n\t"u8); Name(spec, v.NameOffset, o);
                    o.Write(" val="u8);
                    if (signed) o.Write(v.SignedValue); else o.Write(v.UnsignedValue);
                    if (is64) o.Write(signed ? "LL"u8 : "ULL"u8);
                }
                break;
            case BtfKind.Fwd:
                o.Write(t.KindFlag ? " fwd_kind=union"u8 : " fwd_kind=struct"u8);
                break;
            case BtfKind.Func:
                o.Write(" type_id="u8); o.Write((ulong)t.TypeId);
                o.Write(" linkage="u8);
                o.Write(t.Vlen switch { 0 => "static"u8, 1 => "global"u8, 2 => "extern"u8, _ => "(unknown)"u8 });
                break;
            case BtfKind.FuncProto:
                o.Write(" ret_type_id="u8); o.Write((ulong)t.TypeId);
                o.Write(" vlen="u8); o.Write((ulong)t.Vlen);
                foreach (var p in t.Params)
                {
                    o.Write("\n\t"u8); Name(spec, p.NameOffset, o);
                    o.Write(" type_id="u8); o.Write((ulong)p.TypeId);
                }
                break;
            case BtfKind.Var:
                o.Write(" type_id="u8); o.Write((ulong)t.TypeId);
                o.Write(", linkage="u8);
                o.Write((uint)t.Linkage switch { 0 => "static"u8, 1 => "global"u8, 2 => "extern"u8, _ => "(unknown)"u8 });
                break;
            case BtfKind.Datasec:
                o.Write(" size="u8); o.Write((ulong)t.Size);
                o.Write(" vlen="u8); o.Write((ulong)t.Vlen);
                foreach (var v in t.Variables)
                {
                    o.Write("\n\ttype_id="u8); o.Write((ulong)v.TypeId);
                    o.Write(" offset="u8); o.Write((ulong)v.Offset);
                    o.Write(" size="u8); o.Write((ulong)v.Size);
                    if (v.TypeId < spec.TypeCount)
                    {
                        var vt = spec[v.TypeId];
                        o.Write(" ("u8); o.Write(vt.IsVoid ? "UNKNOWN" : vt.Kind.ToBpftoolName()); o.Write((byte)' ');
                        Name(spec, vt.NameOffset, o);
                        o.Write((byte)')');
                    }
                }
                break;
            case BtfKind.Float:
                o.Write(" size="u8); o.Write((ulong)t.Size);
                break;
            case BtfKind.DeclTag:
                o.Write(" type_id="u8); o.Write((ulong)t.TypeId);
                o.Write(" component_idx="u8); o.Write((long)t.ComponentIndex);
                break;
        }
        o.Write((byte)'\n');
    }
}
