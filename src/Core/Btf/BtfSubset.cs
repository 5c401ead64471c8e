namespace BtfNotebooks.Btf;

/// <summary>
/// Copies chosen types, and every type they reference, out of one BTF into a new, self-contained BTF: the
/// "minimal local BTF" a CO-RE record needs (an assembly file written against a reference kernel carries only
/// the types its accesses name). With <see cref="Options.PointeesAsForward"/>, a pointer to a struct or union not
/// otherwise needed points at a FWD of the same name instead of pulling in its whole graph.
/// </summary>
public static class BtfSubset
{
    public sealed record Options
    {
        /// <summary>Pointers to composites that are not roots (or reached other than through a pointer) get a FWD target.</summary>
        public bool PointeesAsForward { get; init; } = true;

        /// <summary>Strings to add to the string section (e.g. the section names and access strings .BTF.ext refers to).</summary>
        public IReadOnlyList<string> Strings { get; init; } = [];
    }

    /// <summary>
    /// The new BTF (raw bytes); for every copied source type ID, its ID in the new BTF; and the offsets of
    /// <see cref="Options.Strings"/> in its string section.
    /// </summary>
    public sealed record Result(byte[] Btf, IReadOnlyDictionary<uint, uint> IdMap, IReadOnlyDictionary<string, uint> StringOffsets);

    /// <summary>Copies <paramref name="roots"/> (type IDs of <paramref name="source"/>) and what they reference.</summary>
    public static Result Extract(BtfSpec source, IEnumerable<uint> roots, Options? options = null)
    {
        options ??= new Options();
        var full = new HashSet<uint>();      // copied with their contents
        var forward = new HashSet<uint>();   // composites reached only through pointers: copied as FWD
        var work = new Stack<(uint Id, bool ThroughPointer)>();
        foreach (uint r in roots)
        {
            if (!source.Contains(r)) throw new ArgumentOutOfRangeException(nameof(roots), $"type [{r}] is not in {source.Source ?? "the BTF"}");
            work.Push((r, false));
        }
        while (work.Count > 0)
        {
            var (id, throughPointer) = work.Pop();
            if (id == 0 || full.Contains(id)) continue;
            var t = source[id];
            if (throughPointer && options.PointeesAsForward && t.Kind.IsComposite())
            {
                forward.Add(id);
                continue;
            }
            full.Add(id);
            forward.Remove(id);
            foreach (var (next, viaPointer) in References(t))
                work.Push((next, viaPointer || (throughPointer && IsModifierLike(t.Kind))));
        }

        // New IDs follow source order, so the copy reads like the original; FWDs take the composite's place.
        var order = full.Concat(forward).Order().ToList();
        var map = new Dictionary<uint, uint>();
        for (int i = 0; i < order.Count; i++) map[order[i]] = (uint)(i + 1);
        uint Map(uint id) => id == 0 ? 0 : map[id];

        var b = new BtfBuilder();
        foreach (uint id in order)
        {
            var t = source[id];
            if (forward.Contains(id))
            {
                b.Fwd(t.Name, union: t.Kind == BtfKind.Union);
                continue;
            }
            Copy(b, t, Map);
        }
        var strings = options.Strings.Distinct().ToDictionary(x => x, b.String);
        return new Result(b.ToArray(source.IsBigEndian), map, strings);
    }

    // Typedefs and qualifiers of a pointee are part of "reached through a pointer" (e.g. `const struct x *`).
    private static bool IsModifierLike(BtfKind kind) =>
        kind is BtfKind.Typedef or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag;

    private static IEnumerable<(uint Id, bool ThroughPointer)> References(BtfType t)
    {
        switch (t.Kind)
        {
            case BtfKind.Ptr:
                yield return (t.TypeId, true);
                break;
            case BtfKind.Typedef or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag
                or BtfKind.Func or BtfKind.Var or BtfKind.DeclTag:
                yield return (t.TypeId, false);
                break;
            case BtfKind.Array:
                yield return (t.ArrayElementTypeId, false);
                yield return (t.ArrayIndexTypeId, false);
                break;
            case BtfKind.Struct or BtfKind.Union:
                foreach (var m in t.Members) yield return (m.TypeId, false);
                break;
            case BtfKind.FuncProto:
                yield return (t.TypeId, false);
                foreach (var p in t.Params) yield return (p.TypeId, false);
                break;
            case BtfKind.Datasec:
                foreach (var v in t.Variables) yield return (v.TypeId, false);
                break;
        }
    }

    private static void Copy(BtfBuilder b, BtfType t, Func<uint, uint> map)
    {
        switch (t.Kind)
        {
            case BtfKind.Int:
                b.AddRaw(BtfKind.Int, t.Name, 0, false, t.Size, ((uint)t.IntRawEncoding << 24) | ((uint)t.IntBitOffset << 16) | (uint)t.IntBits);
                break;
            case BtfKind.Float:
                b.Float(t.Name, t.Size);
                break;
            case BtfKind.Fwd:
                b.Fwd(t.Name, t.IsUnionForward);
                break;
            case BtfKind.Ptr or BtfKind.Typedef or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag:
                b.AddRaw(t.Kind, t.Name, 0, false, map(t.TypeId));
                break;
            case BtfKind.Func:
                b.AddRaw(BtfKind.Func, t.Name, t.Vlen, false, map(t.TypeId));
                break;
            case BtfKind.Var:
                b.AddRaw(BtfKind.Var, t.Name, 0, false, map(t.TypeId), (uint)t.Linkage);
                break;
            case BtfKind.DeclTag:
                b.AddRaw(BtfKind.DeclTag, t.Name, 0, false, map(t.TypeId), (uint)t.ComponentIndex);
                break;
            case BtfKind.Array:
                b.Array(map(t.ArrayElementTypeId), map(t.ArrayIndexTypeId), t.ArrayLength);
                break;
            case BtfKind.Struct or BtfKind.Union:
            {
                // Keep the source's kind_flag encoding exactly (bitfield sizes live in the offset word with it).
                var words = new List<uint>();
                foreach (var m in t.Members)
                {
                    words.Add(m.IsAnonymous ? 0 : b.String(m.Name));
                    words.Add(map(m.TypeId));
                    words.Add(t.KindFlag ? (m.BitfieldSize << 24) | m.BitOffset : m.BitOffset);
                }
                b.AddRaw(t.Kind, t.Name, t.Vlen, t.KindFlag, t.Size, [.. words]);
                break;
            }
            case BtfKind.Enum or BtfKind.Enum64:
            {
                bool is64 = t.Kind == BtfKind.Enum64;
                var words = new List<uint>();
                foreach (var v in t.EnumValues)
                {
                    words.Add(b.String(v.Name));
                    words.Add((uint)v.RawValue);
                    if (is64) words.Add((uint)(v.RawValue >> 32));
                }
                b.AddRaw(t.Kind, t.Name, t.Vlen, t.KindFlag, t.Size, [.. words]);
                break;
            }
            case BtfKind.FuncProto:
                b.FuncProto(map(t.TypeId), [.. t.Params.Select(p => (p.Name, map(p.TypeId)))]);
                break;
            case BtfKind.Datasec:
                b.Datasec(t.Name, t.Size, [.. t.Variables.Select(v => (map(v.TypeId), v.Offset, v.Size))]);
                break;
            default:
                throw new BtfFormatException($"cannot copy a {t.Kind} type", typeId: t.Id, source: t.Spec.Source);
        }
    }
}
