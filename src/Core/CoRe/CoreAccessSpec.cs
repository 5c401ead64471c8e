using System.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.Elf.BtfExt;

namespace BtfNotebooks.CoRe;

/// <summary>
/// One semantically meaningful step of an access path (libbpf's bpf_core_accessor): the root (<c>&amp;p[n]</c>), a
/// named member of composite <see cref="TypeId"/> at member index <see cref="Index"/>, an array subscript
/// (<see cref="TypeId"/> = element type, <see cref="Name"/> null), or for enumerator kinds the enumerator.
/// </summary>
public readonly record struct CoreAccessor(uint TypeId, int Index, string? Name);

/// <summary>
/// libbpf's bpf_core_spec for one side of a relocation: the raw access indices as the string (or the target
/// match) gives them, the high-level accessors (named members and array subscripts only, anonymous members
/// skipped), and the bit offset they add up to.
/// </summary>
public sealed class CoreAccessSpec
{
    /// <summary>libbpf's BPF_CORE_SPEC_MAX_LEN: the longest access path.</summary>
    public const int MaxLength = 64;

    internal CoreAccessSpec(BtfSpec btf, uint rootTypeId, CoreRelocationKind kind)
    {
        Btf = btf;
        RootTypeId = rootTypeId;
        Kind = kind;
    }

    public BtfSpec Btf { get; }
    public uint RootTypeId { get; }
    public CoreRelocationKind Kind { get; }
    internal List<int> RawList { get; } = new();
    internal List<CoreAccessor> AccessorList { get; } = new();
    public IReadOnlyList<int> Raw => RawList;
    public IReadOnlyList<CoreAccessor> Accessors => AccessorList;

    /// <summary>Bit offset of the accessed field from the root pointer (u32 arithmetic, as libbpf keeps it).</summary>
    public uint BitOffset { get; internal set; }

    /// <summary>
    /// Parses a record's access string against the local BTF (bpf_core_parse_spec). Failures are
    /// <see cref="CoreRelocationException"/>s: libbpf fails the object load on them.
    /// </summary>
    public static CoreAccessSpec Parse(BtfSpec local, uint typeId, string access, CoreRelocationKind kind)
    {
        if (access.Length == 0 || access[0] == ':')
            throw new CoreRelocationException($"access string '{access}' is empty or starts with ':'");
        if (!local.Contains(typeId))
            throw new CoreRelocationException($"type [{typeId}] is not in the local BTF");
        var spec = new CoreAccessSpec(local, typeId, kind);
        if (kind.IsTypeBased())
        {
            if (access != "0") throw new CoreRelocationException($"type-based relocation needs access string \"0\", got '{access}'");
            return spec;
        }

        ParseNumbers(access, spec.RawList);

        var root = local.SkipModifiers(typeId);
        int rootIndex = spec.RawList[0];
        spec.AccessorList.Add(new CoreAccessor(root.Id, rootIndex, null));

        if (kind.IsEnumValueBased())
        {
            if (!root.Kind.IsEnum())
                throw new CoreRelocationException($"enumerator relocation on {CoreNames.Describe(root)}, not an enum");
            if (spec.RawList.Count > 1 || rootIndex < 0 || rootIndex >= root.Vlen)
                throw new CoreRelocationException($"enumerator index '{access}' out of range ({root.Vlen} enumerators)");
            spec.AccessorList[0] = new CoreAccessor(root.Id, rootIndex, root.EnumValues[rootIndex].Name);
            return spec;
        }
        if (!kind.IsFieldBased())
            throw new CoreRelocationException($"unrecognized CO-RE relocation kind {(uint)kind}", "EOPNOTSUPP");

        spec.BitOffset = unchecked((uint)(rootIndex * ResolveSize(local, root.Id) * 8));
        uint id = root.Id;
        for (int i = 1; i < spec.RawList.Count; i++)
        {
            var t = local.SkipModifiers(id);
            id = t.Id;
            int index = spec.RawList[i];
            if (t.Kind.IsComposite())
            {
                if (index < 0 || index >= t.Vlen)
                    throw new CoreRelocationException($"member index {index} out of range for {CoreNames.Describe(t)} ({t.Vlen} members)");
                var member = t.Members[index];
                spec.BitOffset = unchecked(spec.BitOffset + member.BitOffset);
                if (!member.IsAnonymous)
                {
                    string name = member.Name;
                    if (name.Length == 0) throw new CoreRelocationException($"member {index} of {CoreNames.Describe(t)} has an empty name");
                    spec.AccessorList.Add(new CoreAccessor(id, index, name));
                }
                id = member.TypeId;
            }
            else if (t.Kind == BtfKind.Array)
            {
                var element = local.SkipModifiers(t.ArrayElementTypeId);
                bool flexible = IsFlexibleArray(local, spec.AccessorList[^1], t);
                if (!flexible && unchecked((uint)index) >= t.ArrayLength)
                    throw new CoreRelocationException($"array index {index} out of range ({t.ArrayLength} elements)");
                id = element.Id;
                spec.AccessorList.Add(new CoreAccessor(id, index, null));
                spec.BitOffset = unchecked((uint)(spec.BitOffset + index * ResolveSize(local, id) * 8));
            }
            else
            {
                throw new CoreRelocationException($"relo for [{typeId}] {access} (at idx {i}) captures type [{id}] of unexpected kind {CoreNames.KindName(t)}");
            }
        }
        return spec;
    }

    /// <summary>
    /// The access string as libbpf's sscanf("%d") loop reads it: numbers separated by single ':' (a number may
    /// carry leading blanks and a sign; libbpf 1.1 accepts negative numbers), at most <see cref="MaxLength"/>.
    /// </summary>
    private static void ParseNumbers(string access, List<int> into)
    {
        int at = 0;
        while (at < access.Length)
        {
            if (access[at] == ':') at++;
            int start = at;
            while (at < access.Length && char.IsWhiteSpace(access[at])) at++;
            bool negative = false;
            if (at < access.Length && access[at] is '+' or '-') negative = access[at++] == '-';
            int digits = at;
            long value = 0;
            while (at < access.Length && access[at] is >= '0' and <= '9')
            {
                value = Math.Min(value * 10 + (access[at] - '0'), long.MaxValue / 16);
                at++;
            }
            if (at == digits)
                throw new CoreRelocationException($"access string '{access}' is not a ':'-separated list of numbers (at '{access[start..]}')");
            if (into.Count == MaxLength)
                throw new CoreRelocationException($"access string '{access}' is longer than {MaxLength} steps", "E2BIG");
            // glibc converts with strtol and narrows to int
            into.Add(unchecked((int)(negative ? -value : value)));
        }
        if (into.Count == 0) throw new CoreRelocationException($"access string '{access}' has no numbers");
    }

    /// <summary>
    /// A flexible array member: no elements, reached through a named member that is the last of its struct.
    /// Such an array can be indexed past its (zero) length.
    /// </summary>
    internal static bool IsFlexibleArray(BtfSpec btf, CoreAccessor previous, BtfType array)
    {
        if (previous.Name is null || array.ArrayLength > 0) return false;
        return previous.Index == btf[previous.TypeId].Vlen - 1;
    }

    /// <summary>btf__resolve_size; a type without a size is an error libbpf fails the load on.</summary>
    internal static long ResolveSize(BtfSpec btf, uint id)
    {
        try { return btf.SizeOf(id); }
        catch (Exception e) when (e is BtfLookupException or BtfFormatException)
        {
            throw new CoreRelocationException($"cannot size [{id}] {CoreNames.Describe(btf[id])}: {e.Message}");
        }
    }

    /// <summary>
    /// libbpf's bpf_core_format_spec, as its log prints a spec: <c>[7] struct s.a[2] (0:1:2 @ offset 12)</c>,
    /// <c>[3] enum e::B = 2</c>, <c>[5] struct s</c>.
    /// </summary>
    public string Format()
    {
        var root = Btf[RootTypeId];
        var text = new StringBuilder();
        text.Append($"[{RootTypeId}] {CoreNames.Describe(root)}");
        if (Kind.IsTypeBased()) return text.ToString();
        if (Kind.IsEnumValueBased())
        {
            if (RawList.Count == 0) return text.ToString();
            var e = Btf.SkipModifiers(RootTypeId);
            var value = e.EnumValues[RawList[0]];
            bool signed = e.KindFlag;
            string number = e.Kind == BtfKind.Enum
                ? (signed ? ((int)(uint)value.RawValue).ToString() : ((uint)value.RawValue).ToString())
                : (signed ? ((long)value.RawValue).ToString() : value.RawValue.ToString());
            return text.Append($"::{value.Name} = {number}").ToString();
        }
        AppendPath(text);
        text.Append(" (").Append(string.Join(':', RawList));
        text.Append(BitOffset % 8 != 0 ? $" @ offset {BitOffset / 8}.{BitOffset % 8})" : $" @ offset {BitOffset / 8})");
        return text.ToString();
    }

    /// <summary>
    /// The access as C-like text: <c>task_struct.pid</c>, <c>s.arr[3]</c>, <c>s[1].a</c>, <c>bpf_func_id::BPF_FUNC_loop</c>,
    /// or just the type name for type-based kinds.
    /// </summary>
    public string ReadablePath()
    {
        var root = Btf[RootTypeId];
        var text = new StringBuilder(root.Name.Length == 0 ? "<anon>" : root.Name);
        if (Kind.IsTypeBased()) return text.ToString();
        if (Kind.IsEnumValueBased()) return AccessorList.Count > 0 ? text.Append("::").Append(AccessorList[0].Name).ToString() : text.ToString();
        AppendPath(text);
        return text.ToString();
    }

    // Named accessors as .name, subscripts as [i]; the root subscript only when it is not 0.
    private void AppendPath(StringBuilder text)
    {
        for (int i = 0; i < AccessorList.Count; i++)
        {
            var a = AccessorList[i];
            if (a.Name is not null) text.Append('.').Append(a.Name);
            else if (i > 0 || a.Index > 0) text.Append('[').Append(unchecked((uint)a.Index)).Append(']');
        }
    }

    public override string ToString() => Format();
}
