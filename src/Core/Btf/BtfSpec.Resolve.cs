namespace BtfNotebooks.Btf;

public sealed partial class BtfSpec
{
    // libbpf gives up on chains longer than this (MAX_RESOLVE_DEPTH); a longer chain is a cycle or garbage.
    private const int MaxResolveDepth = 32;
    private int _pointerSize;

    /// <summary>
    /// Pointer size of the target: the size of the C 'long' INT if the BTF has one (4 on i386, 8 on 64-bit
    /// kernels), else 8. libbpf determines it the same way.
    /// </summary>
    public int PointerSize
    {
        get
        {
            if (_pointerSize != 0) return _pointerSize;
            int size = 8;
            foreach (var name in new[] { "long int", "long unsigned int", "unsigned long", "long", "unsigned long int" })
                if (FindByName(name, BtfKind.Int) is { } t && t.Size is 4 or 8) { size = (int)t.Size; break; }
            return _pointerSize = size;
        }
    }

    /// <summary>Follows TYPEDEF, CONST, VOLATILE, RESTRICT and TYPE_TAG to the first other kind (or void).</summary>
    public BtfType SkipModifiers(BtfType t)
    {
        for (int depth = 0; !t.IsVoid && t.Kind.IsModifierOrTypedef(); depth++)
        {
            if (depth >= MaxResolveDepth)
                throw new BtfFormatException($"modifier/typedef chain longer than {MaxResolveDepth} (a reference cycle?)", typeId: t.Id, source: Source);
            t = this[t.TypeId];
        }
        return t;
    }

    public BtfType SkipModifiers(uint id) => SkipModifiers(this[id]);

    /// <summary>Size in bytes, like libbpf's btf__resolve_size. Types without a size (void, FUNC, FWD...) are an error.</summary>
    public long SizeOf(uint id) => SizeOf(this[id]);

    public long SizeOf(BtfType type)
    {
        long multiplier = 1;
        var t = type;
        for (int depth = 0; ; depth++)
        {
            if (depth > MaxResolveDepth)
                throw new BtfFormatException($"cannot size: reference chain longer than {MaxResolveDepth} (a reference cycle?)", typeId: type.Id, source: Source);
            if (t.IsVoid)
                throw new BtfLookupException($"{Label(type)} has no size (void)");
            switch (t.Kind)
            {
                case BtfKind.Int or BtfKind.Enum or BtfKind.Enum64 or BtfKind.Struct or BtfKind.Union or BtfKind.Datasec or BtfKind.Float:
                    return Checked(multiplier * t.Size);
                case BtfKind.Ptr:
                    return Checked(multiplier * PointerSize);
                case BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.TypeTag or BtfKind.Var or BtfKind.DeclTag:
                    t = this[t.TypeId];
                    break;
                case BtfKind.Array:
                    multiplier = Checked(multiplier * t.ArrayLength);
                    t = this[t.ArrayElementTypeId];
                    break;
                default:
                    throw new BtfLookupException($"{Label(type)} has no size ({Describe(t)})");
            }
        }

        long Checked(long v) => v <= uint.MaxValue
            ? v
            : throw new BtfFormatException($"size overflows 32 bits ({v} bytes)", typeId: type.Id, source: Source);
    }

    /// <summary>Natural alignment in bytes, like libbpf's btf__align_of (packed records report 1).</summary>
    public int AlignOf(BtfType type) => AlignOf(type, 0);

    private int AlignOf(BtfType t, int depth)
    {
        if (depth > MaxResolveDepth)
            throw new BtfFormatException($"cannot align: reference chain longer than {MaxResolveDepth} (a reference cycle?)", typeId: t.Id, source: Source);
        if (t.IsVoid) throw new BtfLookupException("void has no alignment");
        switch (t.Kind)
        {
            case BtfKind.Int or BtfKind.Enum or BtfKind.Enum64 or BtfKind.Float:
                return (int)Math.Min(Math.Max(t.Size, 1), (uint)PointerSize);
            case BtfKind.Ptr:
                return PointerSize;
            case BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.TypeTag:
                return AlignOf(this[t.TypeId], depth + 1);
            case BtfKind.Array:
                return AlignOf(this[t.ArrayElementTypeId], depth + 1);
            case BtfKind.Struct or BtfKind.Union:
            {
                int max = 1;
                foreach (var m in t.Members)
                {
                    int align = AlignOf(m.Type, depth + 1);
                    // A member that is not at a multiple of its natural alignment means the record is packed.
                    if (m.BitfieldSize == 0 && m.BitOffset % (8u * (uint)align) != 0) return 1;
                    max = Math.Max(max, align);
                }
                return t.Size % (uint)max != 0 ? 1 : max;
            }
            default:
                throw new BtfLookupException($"{Label(t)} has no alignment ({Describe(t)})");
        }
    }

    private static string Label(BtfType t) => t.IsVoid ? "void" : $"type [{t.Id}] {Describe(t)}";
}
