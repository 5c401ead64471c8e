using System.Text;

namespace BtfNotebooks.Btf;

public sealed partial class BtfSpec
{
    /// <summary>All types named <paramref name="name"/> (base first, ascending IDs).</summary>
    public List<BtfType> FindByName(string name) => FindByName(name, includeFunctions: true);

    /// <summary>All types whose name is exactly these UTF-8 bytes (names need not be valid UTF-8).</summary>
    public List<BtfType> FindByName(ReadOnlySpan<byte> utf8Name)
    {
        var result = new List<BtfType>();
        CollectByName(utf8Name, result, includeFunctions: true);
        return result;
    }

    /// <summary>The lowest-ID type of the given kind and name, or null (like libbpf's btf__find_by_name_kind).</summary>
    public BtfType? FindByName(string name, BtfKind kind)
    {
        foreach (var t in FindByName(name, includeFunctions: kind == BtfKind.Func))
            if (t.Kind == kind) return t;
        return null;
    }

    private List<BtfType> FindByName(string name, bool includeFunctions)
    {
        var result = new List<BtfType>();
        Span<byte> buffer = name.Length <= 256 ? stackalloc byte[1024] : new byte[Encoding.UTF8.GetMaxByteCount(name.Length)];
        int n = Encoding.UTF8.GetBytes(name, buffer);
        CollectByName(buffer[..n], result, includeFunctions);
        return result;
    }

    private void CollectByName(ReadOnlySpan<byte> name, List<BtfType> into, bool includeFunctions)
    {
        Base?.CollectByName(name, into, includeFunctions);
        int first = into.Count;
        AddMatches(_names, name, into);
        if (includeFunctions) AddMatches(_functionNames.Value, name, into);
        into.Sort(first, into.Count - first, ById);
    }

    private static readonly Comparer<BtfType> ById = Comparer<BtfType>.Create((a, b) => a.Id.CompareTo(b.Id));

    private void AddMatches(BtfNameIndex index, ReadOnlySpan<byte> name, List<BtfType> into)
    {
        foreach (int local in index.Candidates(name))
        {
            var t = new BtfType(this, FirstTypeId + (uint)local, _typeOffsets[local]);
            if (t.NameBytes.SequenceEqual(name)) into.Add(t);
        }
    }

    private BtfNameIndex BuildFunctionIndex()
    {
        var index = new BtfNameIndex(LocalTypeCount);
        for (int i = 0; i < LocalTypeCount; i++)
        {
            int off = _typeOffsets[i];
            uint nameOff = U32(off);
            if (nameOff != 0 && ((U32(off + 4) >> 24) & 0x1f) == (uint)BtfKind.Func)
                index.Add(BtfNameIndex.Hash(StringBytes(nameOff)), i);
        }
        return index;
    }

    /// <summary>
    /// Resolves a C-ish type reference: "struct task_struct", "union bpf_attr", "enum bpf_func_id", "typedef u32",
    /// or a bare name, which prefers a complete struct/union, then an enum, then a typedef, then anything else.
    /// </summary>
    public BtfType FindType(string reference)
    {
        var text = reference.Trim();
        BtfKind? wanted = null;
        foreach (var (prefix, kind) in new[] { ("struct ", BtfKind.Struct), ("union ", BtfKind.Union), ("enum ", BtfKind.Enum), ("typedef ", BtfKind.Typedef) })
            if (text.StartsWith(prefix, StringComparison.Ordinal)) { wanted = kind; text = text[prefix.Length..].Trim(); break; }

        // Functions are only the last resort of a bare name, so their index is not needed for most references.
        var all = FindByName(text, includeFunctions: false);
        if (wanted is null && !all.Any(t => t.Kind.IsComposite() || t.Kind.IsEnum() || t.Kind == BtfKind.Typedef))
            all = FindByName(text, includeFunctions: true);
        BtfType pick = wanted switch
        {
            BtfKind.Enum => First(all, t => t.Kind.IsEnum()),
            // a struct/union known only by a forward declaration is still found (callers can say so)
            BtfKind.Struct => First(all, t => t.Kind == BtfKind.Struct, t => t.Kind == BtfKind.Fwd && !t.IsUnionForward),
            BtfKind.Union => First(all, t => t.Kind == BtfKind.Union, t => t.IsUnionForward),
            BtfKind k => First(all, t => t.Kind == k),
            null => First(all, t => t.Kind.IsComposite(), t => t.Kind.IsEnum(), t => t.Kind == BtfKind.Typedef, t => t.Kind != BtfKind.Fwd, _ => true),
        };
        if (pick.IsVoid)
        {
            string what = wanted is { } w ? $"{KindKeyword(w)} {text}" : $"'{text}'";
            throw new BtfLookupException($"no type {what} in {Source ?? "this BTF"}");
        }
        return pick;
    }

    /// <summary>The first type matching the earliest predicate that matches any (void when none does).</summary>
    private static BtfType First(List<BtfType> types, params Func<BtfType, bool>[] preferences)
    {
        foreach (var p in preferences)
            foreach (var t in types)
                if (p(t)) return t;
        return default;
    }

    /// <summary>Like <see cref="FindType"/> but the result must be a complete struct or union (typedefs are followed).</summary>
    public BtfType FindComposite(string reference)
    {
        var t = FindType(reference);
        var resolved = SkipModifiers(t);
        if (resolved.Kind.IsComposite()) return resolved;
        if (resolved.Kind == BtfKind.Fwd)
            throw new BtfLookupException($"'{reference}' is only forward-declared in {Source ?? "this BTF"}");
        throw new BtfLookupException($"'{reference}' is {Describe(resolved)}, not a struct or union");
    }

    internal static string KindKeyword(BtfKind kind) => kind switch
    {
        BtfKind.Struct => "struct",
        BtfKind.Union => "union",
        BtfKind.Enum or BtfKind.Enum64 => "enum",
        BtfKind.Typedef => "typedef",
        _ => kind.ToBpftoolName().ToLowerInvariant(),
    };

    /// <summary>Short human description: "struct task_struct", "int", "pointer", "anonymous union" ...</summary>
    public static string Describe(BtfType t)
    {
        if (t.IsVoid) return "void";
        return t.Kind switch
        {
            BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Enum64 =>
                t.IsAnonymous ? $"anonymous {KindKeyword(t.Kind)}" : $"{KindKeyword(t.Kind)} {t.Name}",
            BtfKind.Fwd => $"{(t.IsUnionForward ? "union" : "struct")} {t.Name} (forward)",
            BtfKind.Ptr => "a pointer",
            BtfKind.Array => "an array",
            _ => t.IsAnonymous ? t.Kind.ToBpftoolName().ToLowerInvariant() : $"{t.Kind.ToBpftoolName().ToLowerInvariant()} {t.Name}",
        };
    }
}
