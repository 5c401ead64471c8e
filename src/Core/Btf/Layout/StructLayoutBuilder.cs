namespace BtfNotebooks.Btf.Layout;

/// <summary>
/// Builds a <see cref="StructLayout"/>: walks the members, expands anonymous struct/union types in place (as pahole
/// prints them), runs pahole's hole search on every struct level and marks the cacheline boundaries.
/// </summary>
internal sealed class StructLayoutBuilder(BtfSpec spec)
{
    // Anonymous types nest a handful of levels in real kernels; deeper means a malformed, self-containing type.
    private const int MaxNesting = 32;

    private readonly List<LayoutMember> _rows = [];
    private readonly List<LayoutHole> _holes = [];
    private readonly Dictionary<uint, long> _structPadding = [];
    // The level each expanded row opens, by row index.
    private readonly Dictionary<int, Level> _levels = [];

    public StructLayout Build(BtfType type)
    {
        var composite = spec.SkipModifiers(type);
        if (composite.Kind == BtfKind.Fwd)
            throw new BtfLookupException($"{(composite.IsUnionForward ? "union" : "struct")} {composite.Name} is only forward-declared in {spec.Source ?? "this BTF"}: its layout is unknown");
        if (!composite.Kind.IsComposite())
            throw new BtfLookupException($"{(type.IsVoid ? "void" : BtfSpec.Describe(type))} is not a struct or union");

        string name = composite.IsAnonymous && !type.IsVoid && type.Kind == BtfKind.Typedef
            ? type.Name
            : CTypeNames.BaseName(composite);

        var top = AddLevel(composite, baseByte: 0, depth: 0, prefix: "", parentIndex: -1);
        var summary = Summarize(composite, top);
        MarkCachelines(top);
        SortHolesInPrintOrder();
        return new StructLayout(spec, composite, name, _rows, _holes, summary);
    }

    /// <summary>
    /// Orders holes as pahole prints them: a level's opening hole right after the level's row, a member's holes
    /// after everything that member expands to (inner levels' holes first), bit holes before byte holes.
    /// </summary>
    private void SortHolesInPrintOrder()
    {
        var lastDescendant = new int[_rows.Count];
        for (int i = 0; i < _rows.Count; i++) lastDescendant[i] = i;
        for (int i = _rows.Count - 1; i >= 0; i--)
            if (_rows[i].ParentIndex >= 0)
                lastDescendant[_rows[i].ParentIndex] = Math.Max(lastDescendant[_rows[i].ParentIndex], lastDescendant[i]);

        var ordered = _holes
            .OrderBy(h => h.AfterIndex >= 0 ? lastDescendant[h.AfterIndex] + 0.75 : h.ContainerIndex + 0.5)
            .ThenByDescending(h => h.Depth)
            .ThenBy(h => h.IsBitHole ? 0 : 1)
            .ToList();
        _holes.Clear();
        _holes.AddRange(ordered);
    }

    /// <summary>The rows of one struct/union level: its members (and the levels they expand), then its holes.</summary>
    private Level AddLevel(BtfType composite, long baseByte, int depth, string prefix, int parentIndex)
    {
        if (depth > MaxNesting)
            throw new BtfFormatException($"anonymous members nest deeper than {MaxNesting} levels (a reference cycle?)", typeId: composite.Id, source: spec.Source);

        var members = composite.Members;
        var indexes = new int[members.Count];
        var geometry = new MemberGeometry[members.Count];
        for (int i = 0; i < members.Count; i++)
        {
            var m = members[i];
            var g = MemberGeometry.Of(spec, composite, m);
            geometry[i] = g;
            string? name = m.IsAnonymous ? null : m.Name;
            string path = name is null ? prefix.TrimEnd('.') : prefix + name;
            var (expand, arraySuffix) = ExpandedType(m.Type);
            var row = new LayoutMember
            {
                Index = _rows.Count,
                Path = path,
                Name = name,
                Member = m,
                Parent = composite,
                TypeName = CTypeNames.Format(spec, m.TypeId),
                ByteOffset = baseByte + g.ByteOffset,
                BitOffset = baseByte * 8 + g.BitOffset,
                Size = g.Size,
                BitfieldSize = g.BitfieldSize,
                BitfieldOffset = g.BitfieldOffset,
                Depth = depth,
                ParentIndex = parentIndex,
                ExpandedKind = expand.IsVoid ? null : expand.Kind,
                TypePadding = !m.Type.IsVoid && m.Type.Kind == BtfKind.Struct ? PaddingOf(m.Type) : 0,
            };
            _rows.Add(row);
            indexes[i] = row.Index;
            if (!expand.IsVoid)
            {
                // Members of an anonymous level are reached through the enclosing path, as C spells them.
                string childPrefix = name is null ? prefix : path + arraySuffix + ".";
                AddLevel(expand, row.ByteOffset, depth + 1, childPrefix, row.Index);
            }
        }

        var level = new Level(composite, baseByte, indexes, geometry, parentIndex, depth);
        if (composite.Kind == BtfKind.Struct) level.Search = RecordHoles(level);
        if (parentIndex >= 0) _levels[parentIndex] = level;
        return level;
    }

    /// <summary>
    /// The anonymous struct/union a member's type shows inline, as pahole does: through qualifiers and arrays
    /// (an array of anonymous structs shows element [0]). Void when the member is not expanded.
    /// </summary>
    private (BtfType Type, string ArraySuffix) ExpandedType(BtfType type)
    {
        string suffix = "";
        var t = type;
        for (int i = 0; i <= MaxNesting && !t.IsVoid; i++)
        {
            if (t.Kind is BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag) t = t.Target;
            else if (t.Kind == BtfKind.Array) { suffix += "[0]"; t = spec[t.ArrayElementTypeId]; }
            else break;
        }
        return !t.IsVoid && t.Kind.IsComposite() && t.IsAnonymous ? (t, suffix) : (default, "");
    }

    private HoleSearch RecordHoles(Level level)
    {
        var search = HoleFinder.Find(level.Geometry, level.Composite.Size);
        long baseBits = level.BaseByte * 8;
        string openingPath = level.ContainerIndex >= 0 ? _rows[level.ContainerIndex].Path : "";
        if (search.PreBitHole > 0) AddHole(-1, openingPath, baseBits + search.PreBitHoleStart, search.PreBitHole, bit: true);
        if (search.PreByteHole > 0) AddHole(-1, openingPath, baseBits + search.PreByteHoleStart, search.PreByteHole * 8, bit: false);
        for (int i = 0; i < level.Indexes.Length; i++)
        {
            int row = level.Indexes[i];
            if (search.BitHoleAfter[i] > 0) AddHole(row, _rows[row].Path, baseBits + search.BitHoleStart[i], search.BitHoleAfter[i], bit: true);
            if (search.ByteHoleAfter[i] > 0) AddHole(row, _rows[row].Path, baseBits + search.ByteHoleStart[i], search.ByteHoleAfter[i] * 8, bit: false);
        }
        return search;

        void AddHole(int after, string path, long bitOffset, long bits, bool bit) => _holes.Add(new LayoutHole
        {
            AfterIndex = after, After = path, BitOffset = bitOffset, SizeBits = bits, IsBitHole = bit,
            Depth = level.Depth, ContainerIndex = level.ContainerIndex,
        });
    }

    /// <summary>The trailing padding pahole reports for a struct used as a member's type ("last struct has N bytes of padding").</summary>
    private long PaddingOf(BtfType structType)
    {
        if (_structPadding.TryGetValue(structType.Id, out long padding)) return padding;
        var geometry = structType.Members.Select(m => MemberGeometry.Of(spec, structType, m)).ToList();
        padding = HoleFinder.Find(geometry, structType.Size).Padding;
        _structPadding[structType.Id] = padding;
        return padding;
    }

    private StructSummary Summarize(BtfType composite, Level top)
    {
        long bytes = 0, bits = 0;
        foreach (var g in top.Geometry)
            if (g.IsBitfield) bits += g.BitfieldSize;
            else bytes += g.Size;
        var search = top.Search;
        long holeBytes = 0, bitHoleBits = 0;
        if (search is not null)
        {
            holeBytes = search.PreByteHole + search.ByteHoleAfter.Sum();
            bitHoleBits = search.PreBitHole + search.BitHoleAfter.Sum();
        }
        int padded = 0;
        long sumPaddings = 0;
        if (composite.Kind == BtfKind.Struct)
            foreach (int i in top.Indexes)
                if (_rows[i].TypePadding > 0) { padded++; sumPaddings += _rows[i].TypePadding; }
        return new StructSummary
        {
            Members = composite.Vlen,
            SumMemberBytes = bytes,
            SumBitfieldBits = bits,
            HoleCount = search?.ByteHoleCount ?? 0,
            HoleBytes = holeBytes,
            BitHoleCount = search?.BitHoleCount ?? 0,
            BitHoleBits = bitHoleBits,
            Padding = search?.Padding ?? 0,
            BitPadding = search?.BitPadding ?? 0,
            PaddedMembers = padded,
            SumPaddings = sumPaddings,
        };
    }

    /// <summary>
    /// pahole announces a cacheline when a row starts past the last announced one. It keeps one running line
    /// through nested levels but rewinds it after each member of a union, so every alternative of a union is
    /// announced from the same starting line.
    /// </summary>
    private void MarkCachelines(Level root)
    {
        long current = 0;
        Walk(root);

        void Walk(Level level)
        {
            long initial = current;
            foreach (int i in level.Indexes)
            {
                var row = _rows[i];
                long line = row.ByteOffset / StructLayout.CachelineSize;
                if (line > current)
                {
                    row.CachelineBoundary = (int)line;
                    current = line;
                }
                if (_levels.TryGetValue(i, out var inner)) Walk(inner);
                if (level.Composite.Kind == BtfKind.Union) current = initial;
            }
        }
    }

    private sealed class Level(BtfType composite, long baseByte, int[] indexes, MemberGeometry[] geometry, int containerIndex, int depth)
    {
        public BtfType Composite { get; } = composite;
        public long BaseByte { get; } = baseByte;
        public int[] Indexes { get; } = indexes;
        public MemberGeometry[] Geometry { get; } = geometry;
        public int ContainerIndex { get; } = containerIndex;
        public int Depth { get; } = depth;
        public HoleSearch? Search { get; set; }
    }
}
