using BtfNotebooks.Btf;

namespace BtfNotebooks.CoRe;

/// <summary>
/// libbpf's loose compatibility rules: bpf_core_fields_are_compat (a member found by name in the target) and
/// bpf_core_types_are_compat (type ID/exists/size relocations; names below the root are ignored).
/// </summary>
public static class CoreTypeCompatibility
{
    private const int MaxDepth = 32;

    /// <summary>
    /// Field compatibility, modifiers and typedefs skipped: any two structs/unions; PTR-PTR and FLOAT-FLOAT;
    /// FWD/ENUM/ENUM64 when either essential name is empty or both are equal; INT-INT unless either is a legacy
    /// bitfield int (non-zero BTF_INT_OFFSET); arrays by element type; nothing else.
    /// </summary>
    public static bool FieldsAreCompatible(BtfSpec localBtf, uint localId, BtfSpec targetBtf, uint targetId)
    {
        for (int depth = 0; ; depth++)
        {
            var local = localBtf.SkipModifiers(localId);
            var target = targetBtf.SkipModifiers(targetId);
            if (local.Kind.IsComposite() && target.Kind.IsComposite()) return true;
            if (!CoreNames.KindsCompatible(local, target)) return false;
            switch (local.Kind)
            {
                case BtfKind.Ptr or BtfKind.Float:
                    return true;
                case BtfKind.Fwd or BtfKind.Enum or BtfKind.Enum64:
                {
                    var l = CoreNames.Essential(local.NameBytes);
                    var t = CoreNames.Essential(target.NameBytes);
                    return l.IsEmpty || t.IsEmpty || l.SequenceEqual(t);
                }
                case BtfKind.Int:
                    return local.IntBitOffset == 0 && target.IntBitOffset == 0;
                case BtfKind.Array:
                    // libbpf loops without a bound; BTF validation rules out array cycles, this guards garbage
                    if (depth > 1024) throw new CoreRelocationException("array element chain too deep (a cycle?)");
                    localId = local.ArrayElementTypeId;
                    targetId = target.ArrayElementTypeId;
                    continue;
                default:
                    return false;
            }
        }
    }

    /// <summary>
    /// bpf_core_types_are_compat: null when compatible, else why not. The raw root kinds must be compatible (a
    /// typedef needs a typedef); then, modifiers skipped: void/struct/union/enum/fwd match on kind alone, ints
    /// unless legacy bitfield ints, pointers and arrays by what they refer to, function prototypes by parameter
    /// count and each parameter and the return type. Depth beyond 32 is an error.
    /// </summary>
    public static string? Check(BtfSpec localBtf, uint localId, BtfSpec targetBtf, uint targetId) =>
        Check(localBtf, localId, targetBtf, targetId, MaxDepth);

    private static string? Check(BtfSpec localBtf, uint localId, BtfSpec targetBtf, uint targetId, int level)
    {
        var local = localBtf[localId];
        var target = targetBtf[targetId];
        if (!CoreNames.KindsCompatible(local, target))
            return $"kinds differ: local {CoreNames.Describe(local)}, target {CoreNames.Describe(target)}";
        for (int depth = MaxDepth; ; )
        {
            if (--depth < 0) throw new CoreRelocationException("type compatibility check nested deeper than 32");
            local = localBtf.SkipModifiers(localId);
            target = targetBtf.SkipModifiers(targetId);
            localId = local.Id;
            targetId = target.Id;
            if (!CoreNames.KindsCompatible(local, target))
                return $"kinds differ: local {CoreNames.Describe(local)}, target {CoreNames.Describe(target)}";
            switch (local.Kind)
            {
                case BtfKind.Unknown or BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Enum64 or BtfKind.Fwd:
                    return null;
                case BtfKind.Int:
                    return local.IntBitOffset == 0 && target.IntBitOffset == 0 ? null : "legacy bitfield int (BTF_INT_OFFSET)";
                case BtfKind.Ptr:
                    localId = local.TypeId;
                    targetId = target.TypeId;
                    continue;
                case BtfKind.Array:
                    localId = local.ArrayElementTypeId;
                    targetId = target.ArrayElementTypeId;
                    continue;
                case BtfKind.FuncProto:
                {
                    var lp = local.Params;
                    var tp = target.Params;
                    if (lp.Count != tp.Count) return $"function prototypes have {lp.Count} and {tp.Count} parameters";
                    for (int i = 0; i < lp.Count; i++)
                    {
                        if (level <= 0) throw new CoreRelocationException("type compatibility check nested deeper than 32");
                        var why = Check(localBtf, localBtf.SkipModifiers(lp[i].TypeId).Id, targetBtf, targetBtf.SkipModifiers(tp[i].TypeId).Id, level - 1);
                        if (why is not null) return $"parameter {i}: {why}";
                    }
                    localId = localBtf.SkipModifiers(local.TypeId).Id;
                    targetId = targetBtf.SkipModifiers(target.TypeId).Id;
                    continue;
                }
                default:
                    return $"unexpected kind {CoreNames.KindName(local)}";
            }
        }
    }
}
