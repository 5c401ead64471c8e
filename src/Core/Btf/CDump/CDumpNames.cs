namespace BtfNotebooks.Btf.CDump;

/// <summary>
/// C names for BTF types, made unique the way libbpf's btf_dump does: the first type to be printed under a name
/// keeps it, later distinct types with the same name become <c>name___2</c>, <c>name___3</c>... Names are fixed
/// lazily, at first print, so the numbering follows output order (and matches bpftool's when the output does).
/// Struct, union and enum tags share one namespace; typedef names share another with enumerators (both are
/// ordinary identifiers in C).
/// </summary>
internal sealed class CDumpNames
{
    private readonly Dictionary<string, int> _tagCounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _identifierCounts = new(StringComparer.Ordinal);
    // Per type ID: null until first printed, then the name used for it.
    private readonly Dictionary<uint, string> _resolved = new();

    /// <summary>The tag name of a struct, union, enum or forward declaration ("" when anonymous).</summary>
    public string TagName(BtfType t) => Resolve(t, _tagCounts);

    /// <summary>The identifier of a typedef.</summary>
    public string TypedefName(BtfType t) => Resolve(t, _identifierCounts);

    /// <summary>
    /// An enumerator's name in C. Every printing of an enumerator counts as a new definition (libbpf does this
    /// too), so the same constant in two enums becomes <c>X</c> then <c>X___2</c> and the header still compiles.
    /// </summary>
    public string EnumeratorName(string name)
    {
        int count = Count(_identifierCounts, name);
        return count > 1 ? $"{name}___{count}" : name;
    }

    /// <summary>The name already chosen for type <paramref name="id"/>, or null if it has not been printed.</summary>
    public string? ChosenName(uint id) => _resolved.GetValueOrDefault(id);

    private string Resolve(BtfType t, Dictionary<string, int> counts)
    {
        if (t.IsVoid || t.IsAnonymous) return "";
        if (_resolved.TryGetValue(t.Id, out var known)) return known;
        string name = t.Name;
        // Forward declarations and empty enums do not count: they may coexist with the full definition.
        if (t.Kind == BtfKind.Fwd || (t.Kind == BtfKind.Enum && t.Vlen == 0))
            return _resolved[t.Id] = name;
        int count = Count(counts, name);
        return _resolved[t.Id] = count > 1 ? $"{name}___{count}" : name;
    }

    private static int Count(Dictionary<string, int> counts, string name)
    {
        int n = counts.GetValueOrDefault(name) + 1;
        counts[name] = n;
        return n;
    }
}
