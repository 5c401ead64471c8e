using BtfNotebooks.Btf;

namespace BtfNotebooks.CoRe;

/// <summary>
/// libbpf's name rules for CO-RE: the "essential" name drops a <c>___flavor</c> suffix, so that
/// <c>task_struct___v2</c> in a program matches <c>task_struct</c> in a kernel.
/// </summary>
public static class CoreNames
{
    /// <summary>
    /// Length of the essential part of <paramref name="name"/> (libbpf's bpf_core_essential_name_len): the last
    /// "X___Y" separator (exactly three underscores between two non-underscore characters) cuts the name after X.
    /// </summary>
    public static int EssentialLength(ReadOnlySpan<byte> name)
    {
        for (int i = name.Length - 5; i >= 0; i--)
            if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' && name[i + 3] == '_' && name[i + 4] != '_')
                return i + 1;
        return name.Length;
    }

    public static ReadOnlySpan<byte> Essential(ReadOnlySpan<byte> name) => name[..EssentialLength(name)];

    /// <summary>The essential name of a string (for reports and tests).</summary>
    public static string Essential(string name)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(name);
        return System.Text.Encoding.UTF8.GetString(bytes, 0, EssentialLength(bytes));
    }

    /// <summary>Equal essential names (what candidate search and enumerator matching compare).</summary>
    public static bool EssentialNamesEqual(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => Essential(a).SequenceEqual(Essential(b));

    /// <summary>
    /// bpf_core_names_match (TYPE_MATCHES): an anonymous target only matches an anonymous local; otherwise the
    /// essential names must be equal.
    /// </summary>
    public static bool TypeMatchNamesEqual(ReadOnlySpan<byte> local, ReadOnlySpan<byte> target) =>
        target.IsEmpty ? local.IsEmpty : EssentialNamesEqual(local, target);

    /// <summary>btf_kind_core_compat: the same kind, or both enums (ENUM and ENUM64 mix).</summary>
    public static bool KindsCompatible(BtfType a, BtfType b) =>
        a.Kind == b.Kind || (a.Kind.IsEnum() && b.Kind.IsEnum());

    /// <summary>libbpf's lower-case kind name (btf_kind_str): struct, union, enum64, func_proto, void ...</summary>
    public static string KindName(BtfType t) => t.IsVoid ? "void" : t.Kind switch
    {
        BtfKind.Unknown => "void",
        BtfKind.FuncProto => "func_proto",
        BtfKind.DeclTag => "decl_tag",
        BtfKind.TypeTag => "type_tag",
        var k => k.ToBpftoolName().ToLowerInvariant(),
    };

    /// <summary>A type as libbpf logs it and the oracle's local_type column shows it: <c>struct task_struct</c>, <c>typedef u32</c>, <c>struct &lt;anon&gt;</c>.</summary>
    public static string Describe(BtfType t) => $"{KindName(t)} {(t.IsVoid || t.Name.Length == 0 ? "<anon>" : t.Name)}";
}
