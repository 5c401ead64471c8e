using BtfNotebooks.Btf;

namespace BtfNotebooks.CoRe;

/// <summary>
/// bpf_core_types_match, the TYPE_MATCHES relation: stricter than compatibility and name-aware. Modifiers and
/// typedefs are skipped, names must match (essential names; an anonymous target only matches an anonymous local)
/// at every level, ints must agree on size and signedness, arrays on length, enums on size and enumerator names,
/// structs/unions on each local member (by name, recursively) unless behind a pointer, where the kind (or a
/// forward declaration of it) suffices.
/// </summary>
public static class CoreTypeMatcher
{
    private const int MaxLevel = 32;

    /// <summary>Null when the types match, else why not. Nesting deeper than libbpf allows throws.</summary>
    public static string? Match(BtfSpec localBtf, uint localId, BtfSpec targetBtf, uint targetId) =>
        Match(localBtf, localId, targetBtf, targetId, behindPointer: false, MaxLevel);

    private static string? Match(BtfSpec localBtf, uint localId, BtfSpec targetBtf, uint targetId, bool behindPointer, int level)
    {
        if (level <= 0) throw new CoreRelocationException("type match nested deeper than 32");
        for (int depth = MaxLevel; ; )
        {
            if (--depth < 0) throw new CoreRelocationException("type match nested deeper than 32");
            var local = localBtf.SkipModifiers(localId);
            var target = targetBtf.SkipModifiers(targetId);
            if (!CoreNames.TypeMatchNamesEqual(local.NameBytes, target.NameBytes))
                return $"names differ: local {CoreNames.Describe(local)}, target {CoreNames.Describe(target)}";
            var lk = local.IsVoid ? BtfKind.Unknown : local.Kind;
            var tk = target.IsVoid ? BtfKind.Unknown : target.Kind;
            string KindsDiffer() => $"kinds differ: local {CoreNames.Describe(local)}, target {CoreNames.Describe(target)}";
            switch (lk)
            {
                case BtfKind.Unknown:
                    return tk == BtfKind.Unknown ? null : KindsDiffer();
                case BtfKind.Fwd:
                {
                    bool localUnion = local.KindFlag;
                    if (lk == tk) return localUnion == target.KindFlag ? null : "forward declarations of a struct and a union";
                    if (!behindPointer) return KindsDiffer();
                    return (tk == BtfKind.Struct && !localUnion) || (tk == BtfKind.Union && localUnion) ? null : KindsDiffer();
                }
                case BtfKind.Enum or BtfKind.Enum64:
                    return tk is BtfKind.Enum or BtfKind.Enum64 ? EnumsMatch(local, target) : KindsDiffer();
                case BtfKind.Struct or BtfKind.Union:
                    if (behindPointer)
                    {
                        if (lk == tk) return null;
                        if (tk != BtfKind.Fwd) return KindsDiffer();
                        return (lk == BtfKind.Union) == target.KindFlag ? null : KindsDiffer();
                    }
                    return lk == tk ? CompositesMatch(localBtf, local, targetBtf, target, level) : KindsDiffer();
                case BtfKind.Int:
                    if (tk != BtfKind.Int) return KindsDiffer();
                    if (local.Size != target.Size) return $"int sizes differ: {local.Size} and {target.Size}";
                    return ((local.IntRawEncoding ^ target.IntRawEncoding) & (int)BtfIntEncoding.Signed) == 0 ? null : "int signedness differs";
                case BtfKind.Ptr:
                    if (tk != BtfKind.Ptr) return KindsDiffer();
                    behindPointer = true;
                    localId = local.TypeId;
                    targetId = target.TypeId;
                    continue;
                case BtfKind.Array:
                    if (tk != BtfKind.Array) return KindsDiffer();
                    if (local.ArrayLength != target.ArrayLength) return $"array lengths differ: {local.ArrayLength} and {target.ArrayLength}";
                    localId = local.ArrayElementTypeId;
                    targetId = target.ArrayElementTypeId;
                    continue;
                case BtfKind.FuncProto:
                {
                    if (tk != BtfKind.FuncProto) return KindsDiffer();
                    var lp = local.Params;
                    var tp = target.Params;
                    if (lp.Count != tp.Count) return $"function prototypes have {lp.Count} and {tp.Count} parameters";
                    for (int i = 0; i < lp.Count; i++)
                        if (Match(localBtf, lp[i].TypeId, targetBtf, tp[i].TypeId, behindPointer, level - 1) is { } why)
                            return $"parameter {i}: {why}";
                    localId = local.TypeId;
                    targetId = target.TypeId;
                    continue;
                }
                default:
                    return $"unexpected kind {CoreNames.KindName(local)}";
            }
        }
    }

    private static string? EnumsMatch(BtfType local, BtfType target)
    {
        if (local.Size != target.Size) return $"enum sizes differ: {local.Size} and {target.Size}";
        if (local.Vlen > target.Vlen) return $"local enum has more enumerators ({local.Vlen}) than the target ({target.Vlen})";
        foreach (var lv in local.EnumValues)
        {
            bool found = false;
            foreach (var tv in target.EnumValues)
                if (CoreNames.TypeMatchNamesEqual(lv.NameBytes, tv.NameBytes)) { found = true; break; }
            if (!found) return $"no enumerator {lv.Name} in {CoreNames.Describe(target)}";
        }
        return null;
    }

    private static string? CompositesMatch(BtfSpec localBtf, BtfType local, BtfSpec targetBtf, BtfType target, int level)
    {
        if (local.Vlen > target.Vlen) return $"local {CoreNames.Describe(local)} has more members ({local.Vlen}) than the target ({target.Vlen})";
        foreach (var lm in local.Members)
        {
            bool matched = false;
            string? lastWhy = null;
            foreach (var tm in target.Members)
            {
                if (!CoreNames.TypeMatchNamesEqual(lm.NameBytes, tm.NameBytes)) continue;
                lastWhy = Match(localBtf, lm.TypeId, targetBtf, tm.TypeId, behindPointer: false, level - 1);
                if (lastWhy is null) { matched = true; break; }
            }
            if (!matched)
                return lastWhy is null
                    ? $"no member {(lm.IsAnonymous ? "(anon)" : lm.Name)} in {CoreNames.Describe(target)}"
                    : $"member {(lm.IsAnonymous ? "(anon)" : lm.Name)}: {lastWhy}";
        }
        return null;
    }
}
