using System.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.CDump;

namespace BtfNotebooks.Tests.CDump;

/// <summary>
/// C11 static assertions that the compiler lays out the dumped types exactly as the BTF says: sizeof every
/// struct/union/enum and offsetof every named non-bitfield member (also those reached through anonymous
/// members). Appended to the header, one compiler run checks them all.
/// </summary>
internal static class LayoutAssertions
{
    /// <param name="names">The names the dump gave the types (x___2 ...).</param>
    /// <param name="types">The types to check; each must have been defined by the dump.</param>
    /// <param name="withMembers">Also check member offsets (not only sizes).</param>
    public static string For(BtfSpec spec, CDumpNames names, IEnumerable<BtfType> types, bool withMembers, out int count)
    {
        var sb = new StringBuilder();
        count = 0;
        foreach (var t in types)
        {
            if (t.IsAnonymous || names.ChosenName(t.Id) is not { } name) continue;
            string tag = t.Kind switch
            {
                BtfKind.Struct => "struct",
                BtfKind.Union => "union",
                BtfKind.Enum or BtfKind.Enum64 when t.Vlen > 0 => "enum",
                _ => "",
            };
            if (tag.Length == 0) continue;
            string c = $"{tag} {name}";
            sb.Append($"_Static_assert(sizeof({c}) == {t.Size}, \"sizeof({c}) [{t.Id}]\");\n");
            count++;
            if (withMembers && t.Kind.IsComposite()) count += Members(spec, t, c, 0, sb);
        }
        return sb.ToString();
    }

    private static int Members(BtfSpec spec, BtfType composite, string c, ulong baseBits, StringBuilder sb)
    {
        int n = 0;
        foreach (var m in composite.Members)
        {
            ulong bits = baseBits + m.BitOffset;
            if (m.IsAnonymous)
            {
                var inner = spec.SkipModifiers(m.Type);
                if (inner.Kind.IsComposite() && inner.IsAnonymous) n += Members(spec, inner, c, bits, sb);
                continue;
            }
            if (m.BitfieldSize != 0) continue;
            sb.Append($"_Static_assert(__builtin_offsetof({c}, {m.Name}) == {bits / 8}, \"{c}.{m.Name}\");\n");
            n++;
        }
        return n;
    }
}
