namespace BtfNotebooks.Btf.Layout;

/// <summary>
/// The memory layout of a struct or union as pahole shows it, computed from BTF alone: every member with its
/// offset and size (anonymous struct/union members expanded in place), the holes between them, the trailing
/// padding, cacheline boundaries and pahole's summary numbers. Render with <see cref="ToText"/> or <see cref="ToJson"/>.
/// </summary>
public sealed partial class StructLayout
{
    public const int CachelineSize = 64;

    private readonly IReadOnlyList<int>[] _children;
    private readonly IReadOnlyList<int> _rootChildren;
    private readonly ILookup<int, LayoutHole> _holesAfter;
    private readonly ILookup<int, LayoutHole> _holesOpening;

    internal StructLayout(BtfSpec spec, BtfType type, string name, IReadOnlyList<LayoutMember> members, IReadOnlyList<LayoutHole> holes, StructSummary summary)
    {
        Spec = spec;
        Type = type;
        Name = name;
        Members = members;
        Holes = holes;
        Summary = summary;
        Alignment = spec.AlignOf(type);

        var children = new List<int>[members.Count];
        var root = new List<int>();
        foreach (var m in members)
            (m.ParentIndex < 0 ? root : children[m.ParentIndex] ??= []).Add(m.Index);
        _children = Array.ConvertAll(children, c => (IReadOnlyList<int>?)c ?? Array.Empty<int>());
        _rootChildren = root;
        _holesAfter = holes.Where(h => h.AfterIndex >= 0).ToLookup(h => h.AfterIndex);
        _holesOpening = holes.Where(h => h.AfterIndex < 0).ToLookup(h => h.ContainerIndex);
    }

    /// <summary>Lays out <paramref name="type"/> (typedefs and qualifiers are looked through).</summary>
    /// <exception cref="BtfLookupException">The type is not a struct or union, or only forward-declared.</exception>
    public static StructLayout Compute(BtfSpec spec, BtfType type) => new StructLayoutBuilder(spec).Build(type);

    /// <summary>Lays out a type named like <see cref="BtfSpec.FindComposite"/> takes it: "struct task_struct", "task_struct".</summary>
    public static StructLayout Compute(BtfSpec spec, string typeReference)
    {
        BtfType type;
        try
        {
            type = spec.FindComposite(typeReference);
        }
        catch (BtfLookupException) when (ForwardDeclaration(spec, typeReference) is { } fwd)
        {
            // FindType("struct x") skips FWD records and reports "no type"; say what is really missing.
            type = fwd;
        }
        return Compute(spec, type);
    }

    private static BtfType? ForwardDeclaration(BtfSpec spec, string typeReference)
    {
        string name = typeReference.Trim();
        foreach (var keyword in new[] { "struct ", "union " })
            if (name.StartsWith(keyword, StringComparison.Ordinal)) name = name[keyword.Length..].Trim();
        return spec.FindByName(name, BtfKind.Fwd);
    }

    public BtfSpec Spec { get; }

    /// <summary>The struct or union laid out (typedefs already resolved).</summary>
    public BtfType Type { get; }

    public bool IsUnion => Type.Kind == BtfKind.Union;

    /// <summary>"struct task_struct", "union bpf_attr"; an anonymous type reached through a typedef takes the typedef's name.</summary>
    public string Name { get; }

    public long Size => Type.Size;

    /// <summary>Natural alignment (libbpf's btf__align_of: 1 for a packed record).</summary>
    public int Alignment { get; }

    /// <summary>Every member, anonymous struct/union members expanded recursively, in pahole's order.</summary>
    public IReadOnlyList<LayoutMember> Members { get; }

    /// <summary>Every hole of the root and of expanded anonymous structs, ordered by position in <see cref="Members"/>.</summary>
    public IReadOnlyList<LayoutHole> Holes { get; }

    /// <summary>pahole's numbers for the root ("size:", "sum members:", "padding:" ...).</summary>
    public StructSummary Summary { get; }

    /// <summary>Trailing bytes after the last member (pahole's "padding:"); always 0 for a union.</summary>
    public long Padding => Summary.Padding;

    /// <summary>Members of the root itself, anonymous ones counted once (pahole's "members:").</summary>
    public int TotalMembers => Summary.Members;

    /// <summary>Bytes of the root's non-bitfield members (pahole's "sum members:").</summary>
    public long SumMemberBytes => Summary.SumMemberBytes;

    /// <summary>Byte holes directly in the root (pahole's "holes:"); nested ones are in <see cref="Holes"/> too.</summary>
    public int HoleCount => Summary.HoleCount;

    /// <summary>Total bytes of those holes (pahole's "sum holes:").</summary>
    public long HoleBytes => Summary.HoleBytes;

    /// <summary>Cachelines the type spans (pahole's "cachelines:").</summary>
    public long Cachelines => (Size + CachelineSize - 1) / CachelineSize;

    /// <summary>Bytes used in the last cacheline, 0 when the size is a multiple of the cacheline (pahole's "last cacheline:").</summary>
    public long LastCachelineBytes => Size % CachelineSize;

    /// <summary>Rows directly inside the expanded row <paramref name="index"/>, or directly in the root for -1.</summary>
    public IReadOnlyList<int> ChildrenOf(int index) => index < 0 ? _rootChildren : _children[index];

    /// <summary>Holes that follow row <paramref name="index"/>.</summary>
    public IEnumerable<LayoutHole> HolesAfter(int index) => _holesAfter[index];

    /// <summary>Holes before the first member of the expanded row <paramref name="containerIndex"/> (-1: of the root).</summary>
    public IEnumerable<LayoutHole> HolesOpening(int containerIndex) => _holesOpening[containerIndex];

    /// <summary>The first row with this path that is not an anonymous member's own row.</summary>
    public LayoutMember? Find(string path)
    {
        foreach (var m in Members)
            if (!m.IsAnonymous && m.Path == path) return m;
        return null;
    }

    public override string ToString() => $"{Name}: size {Size}, {Members.Count} rows, {HoleCount} holes, padding {Padding}";
}
