namespace BtfNotebooks.Btf.CDump;

/// <summary>
/// Decides which types need a top-level definition and in which order, so the header compiles: a type used by
/// value (embedded member, array element, typedef target) is defined before its user; a named struct reached
/// through a pointer only needs a forward declaration, which breaks cycles. libbpf's btf_dump_order_type,
/// whose "strong"/"weak" results are kept: a link is weak when a pointer and a named type lie on the path.
/// </summary>
internal sealed class CDeclarationOrder
{
    private enum State : byte { NotOrdered, Ordering, Ordered }

    private readonly BtfSpec _spec;
    private readonly State[] _state;
    // Types some other type refers to. An anonymous enum nobody refers to is a list of global constants and
    // gets its own top-level definition; a referenced one is printed inline where it is used.
    private readonly bool[] _referenced;
    // For a non-composite type on the current path: how many composites were open when it was entered
    // (-1 when it is not on the path). Coming back to it with none opened since is a cycle with no struct in
    // it (const -> const -> ..., typedef -> itself), which no C declaration can express.
    private readonly int[] _openCompositesAtEntry;
    private int _openComposites;

    public CDeclarationOrder(BtfSpec spec)
    {
        _spec = spec;
        _state = new State[spec.TypeCount];
        _referenced = new bool[spec.TypeCount];
        _openCompositesAtEntry = new int[spec.TypeCount];
        Array.Fill(_openCompositesAtEntry, -1);
        _state[0] = State.Ordered; // void
    }

    public bool IsReferenced(uint id) => _referenced[id];

    /// <summary>Records the references made by <paramref name="types"/> (libbpf's btf_dump_mark_referenced).</summary>
    public void MarkReferencesFrom(IEnumerable<BtfType> types)
    {
        foreach (var t in types)
        {
            switch (t.Kind)
            {
                case BtfKind.Ptr or BtfKind.Typedef or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict
                    or BtfKind.TypeTag or BtfKind.Func or BtfKind.Var or BtfKind.DeclTag:
                    _referenced[t.TypeId] = true;
                    break;
                case BtfKind.Array:
                    _referenced[t.ArrayElementTypeId] = true;
                    _referenced[t.ArrayIndexTypeId] = true;
                    break;
                case BtfKind.Struct or BtfKind.Union:
                    foreach (var m in t.Members) _referenced[m.TypeId] = true;
                    break;
                case BtfKind.FuncProto:
                    // Parameters only, as libbpf does: an anonymous enum used only as a return type is top-level.
                    foreach (var p in t.Params) _referenced[p.TypeId] = true;
                    break;
                case BtfKind.Datasec:
                    foreach (var v in t.Variables) _referenced[v.TypeId] = true;
                    break;
            }
        }
    }

    /// <summary>Appends to <paramref name="queue"/>, in definition order, the not yet ordered types that <paramref name="id"/> needs, and itself.</summary>
    public void Order(uint id, List<uint> queue) => Visit(id, false, queue, 0);

    // Returns true for a strong link (the caller needs the full definition first), false for a weak one.
    private bool Visit(uint id, bool throughPointer, List<uint> queue, int depth)
    {
        if (_state[id] == State.Ordered) return true;
        var t = _spec[id];
        bool composite = t.Kind.IsComposite();

        if (_state[id] == State.Ordering)
        {
            // A named struct met again through a pointer: a forward declaration will do.
            if (composite && throughPointer && !t.IsAnonymous) return false;
            throw CDumpLimits.Cycle(_spec, id, t.IsAnonymous
                ? "an anonymous struct/union refers back to itself, which C cannot express"
                : "unsatisfiable type cycle: it contains itself by value");
        }
        if (!composite && _openCompositesAtEntry[id] == _openComposites)
            throw CDumpLimits.Cycle(_spec, id, "it refers back to itself without a struct in between (a reference cycle)");
        if (depth > CDumpLimits.MaxDependencyDepth)
            throw CDumpLimits.TooDeep(_spec, id, "the chain of types it depends on");

        int savedEntry = _openCompositesAtEntry[id];
        if (!composite) _openCompositesAtEntry[id] = _openComposites;
        try
        {
            return VisitKind(id, t, throughPointer, queue, depth + 1);
        }
        finally
        {
            if (!composite) _openCompositesAtEntry[id] = savedEntry;
        }
    }

    private bool VisitKind(uint id, BtfType t, bool throughPointer, List<uint> queue, int depth)
    {
        switch (t.Kind)
        {
            case BtfKind.Int or BtfKind.Float:
                _state[id] = State.Ordered;
                return false;

            case BtfKind.Ptr:
            {
                bool strong = Visit(t.TypeId, true, queue, depth);
                _state[id] = State.Ordered;
                return strong;
            }

            case BtfKind.Array:
                return Visit(t.ArrayElementTypeId, false, queue, depth);

            case BtfKind.Struct or BtfKind.Union:
            {
                // Embedded (no pointer on the path) or anonymous (defined inline even behind a pointer):
                // everything its members embed must come first.
                if (throughPointer && !t.IsAnonymous) return false;
                _state[id] = State.Ordering;
                _openComposites++;
                foreach (var m in t.Members) Visit(m.TypeId, false, queue, depth);
                _openComposites--;
                if (!t.IsAnonymous) queue.Add(id);
                _state[id] = State.Ordered;
                return true;
            }

            case BtfKind.Enum or BtfKind.Enum64 or BtfKind.Fwd:
                if (!t.IsAnonymous || !_referenced[id]) queue.Add(id);
                _state[id] = State.Ordered;
                return true;

            case BtfKind.Typedef:
            {
                bool strong = Visit(t.TypeId, throughPointer, queue, depth);
                // Like a struct, a typedef used through a pointer to something only forward-declared can wait.
                if (throughPointer && !strong) return false;
                queue.Add(id);
                _state[id] = State.Ordered;
                return true;
            }

            case BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag:
                return Visit(t.TypeId, throughPointer, queue, depth);

            case BtfKind.FuncProto:
            {
                bool strong = Visit(t.TypeId, throughPointer, queue, depth);
                foreach (var p in t.Params) strong |= Visit(p.TypeId, throughPointer, queue, depth);
                return strong;
            }

            default:
                // FUNC, VAR, DATASEC, DECL_TAG: not part of a C type header.
                _state[id] = State.Ordered;
                return false;
        }
    }
}
