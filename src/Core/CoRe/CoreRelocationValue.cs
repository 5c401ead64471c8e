using BtfNotebooks.Btf;
using BtfNotebooks.Elf.BtfExt;

namespace BtfNotebooks.CoRe;

/// <summary>
/// What a relocation decides (libbpf's bpf_core_relo_res): the value the instruction should hold now
/// (<see cref="Original"/>, from the local BTF), the value to write (<see cref="New"/>, from the target), whether
/// the instruction's current value must equal <see cref="Original"/> (<see cref="Validate"/>), poisoning, and for
/// field byte offsets the memory access sizes with the member types that decide whether a load/store may be
/// resized.
/// </summary>
public sealed record CoreRelocationValue(
    ulong Original,
    ulong New,
    bool Poison,
    bool Validate,
    bool FailMemorySizeAdjust,
    uint OriginalSize,
    uint NewSize)
{
    /// <summary>
    /// bpf_core_calc_relo: values for one matching candidate (<paramref name="target"/>) or for none (null).
    /// Poisoning is not an error; bad input (bitfields wider than 64 bits, field kinds on an array subscript,
    /// unsized types) is.
    /// </summary>
    public static CoreRelocationValue Compute(CoreAccessSpec local, CoreAccessSpec? target)
    {
        var kind = local.Kind;
        if (kind.IsFieldBased())
        {
            var orig = Field(kind, local);
            var updated = Field(kind, target);
            if (updated is null) return new CoreRelocationValue(orig!.Value, 0, true, orig.Validate, false, orig.AccessSize, 0);
            bool failAdjust = false;
            if (orig!.AccessSize != updated.AccessSize)
            {
                // Resizing a load/store is safe only for pointers (a 32-bit kernel's pointer read as zero-extended
                // u64) and unsigned integers (zero extension keeps the value); anything else would misread.
                var o = local.Btf[orig.MemberTypeId];
                var n = target!.Btf[updated.MemberTypeId];
                bool pointers = o.Kind == BtfKind.Ptr && n.Kind == BtfKind.Ptr;
                bool unsignedInts = o.Kind == BtfKind.Int && n.Kind == BtfKind.Int
                    && o.IntRawEncoding != (int)BtfIntEncoding.Signed && n.IntRawEncoding != (int)BtfIntEncoding.Signed;
                failAdjust = !(pointers || unsignedInts);
            }
            return new CoreRelocationValue(orig.Value, updated.Value, false, orig.Validate, failAdjust, orig.AccessSize, updated.AccessSize);
        }
        if (kind.IsTypeBased())
            return new CoreRelocationValue(TypeValue(local), target is null ? 0 : TypeValue(target), false, kind != CoreRelocationKind.TargetTypeId, false, 0, 0);
        if (kind.IsEnumValueBased())
        {
            ulong orig = EnumValue(kind, local)!.Value;
            ulong? updated = EnumValue(kind, target);
            return new CoreRelocationValue(orig, updated ?? 0, updated is null, true, false, 0, 0);
        }
        throw new CoreRelocationException($"unrecognized CO-RE relocation kind {(uint)kind}", "EOPNOTSUPP");
    }

    private sealed record FieldValue(ulong Value, bool Validate, uint AccessSize, uint MemberTypeId);

    /// <summary>bpf_core_calc_field_relo for one side; null means "no target: poison".</summary>
    private static FieldValue? Field(CoreRelocationKind kind, CoreAccessSpec? spec)
    {
        if (kind == CoreRelocationKind.FieldExists) return new FieldValue(spec is null ? 0u : 1u, true, 0, 0);
        if (spec is null) return null;
        var btf = spec.Btf;
        var last = spec.Accessors[^1];

        if (last.Name is null)
        {
            // an array subscript (or the bare root): the element is the field
            long size = CoreAccessSpec.ResolveSize(btf, last.TypeId);
            return kind switch
            {
                CoreRelocationKind.FieldByteOffset => new FieldValue(spec.BitOffset / 8, true, (uint)size, last.TypeId),
                CoreRelocationKind.FieldByteSize => new FieldValue((ulong)size, true, 0, 0),
                _ => throw new CoreRelocationException($"relocation {kind.LibbpfName()} can't be applied to array access"),
            };
        }

        var member = btf[last.TypeId].Members[last.Index];
        var memberType = btf.SkipModifiers(member.TypeId);
        uint bitOffset = spec.BitOffset;
        uint bitSize = member.BitfieldSize;
        bool bitfield = bitSize > 0;
        uint byteSize, byteOffset;
        if (bitfield)
        {
            // the smallest power-of-two load, starting at the member type's size, that covers the bits
            byteSize = memberType.Size;
            if (byteSize == 0) throw new CoreRelocationException($"bitfield {last.Name} has a zero-sized type");
            byteOffset = bitOffset / 8 / byteSize * byteSize;
            while (bitOffset + bitSize - byteOffset * 8 > byteSize * 8)
            {
                if (byteSize >= 8) throw new CoreRelocationException($"relocation {kind.LibbpfName()} can't be satisfied for bitfield {last.Name}", "E2BIG");
                byteSize *= 2;
                byteOffset = bitOffset / 8 / byteSize * byteSize;
            }
        }
        else
        {
            byteSize = (uint)CoreAccessSpec.ResolveSize(btf, memberType.Id);
            byteOffset = bitOffset / 8;
            bitSize = byteSize * 8;
        }

        // the compiler may have chosen another load width for a bitfield, so only signedness and the right
        // shift (which depend on the bits alone) are checked against the instruction
        bool validate = !bitfield;
        return kind switch
        {
            CoreRelocationKind.FieldByteOffset => bitfield
                ? new FieldValue(byteOffset, validate, 0, 0)
                : new FieldValue(byteOffset, validate, byteSize, memberType.Id),
            CoreRelocationKind.FieldByteSize => new FieldValue(byteSize, validate, 0, 0),
            CoreRelocationKind.FieldSigned => new FieldValue(IsSigned(memberType) ? 1u : 0u, true, 0, 0),
            // libbpf uses its host's byte order; the oracle (and every supported host) is little-endian
            CoreRelocationKind.FieldLShiftU64 => new FieldValue(unchecked(64u - (bitOffset + bitSize - byteOffset * 8)), validate, 0, 0),
            CoreRelocationKind.FieldRShiftU64 => new FieldValue(unchecked(64u - bitSize), true, 0, 0),
            _ => throw new CoreRelocationException($"unrecognized CO-RE relocation kind {(uint)kind}", "EOPNOTSUPP"),
        };
    }

    /// <summary>
    /// libbpf 1.1: a signed enum (kind_flag), or BTF_INT_SIGNED in the word after the btf_type header, which it
    /// reads whatever the kind (fixed only in 1.3): for a pointer that is the next type's name offset.
    /// </summary>
    private static bool IsSigned(BtfType t)
    {
        if (t.IsVoid) return false;
        if (t.Kind.IsEnum() && t.KindFlag) return true;
        return (WordAfterHeader(t) >> 24 & (uint)BtfIntEncoding.Signed) != 0;
    }

    private static uint WordAfterHeader(BtfType t)
    {
        bool hasTrailer = t.Kind switch
        {
            BtfKind.Int or BtfKind.Array or BtfKind.Var or BtfKind.DeclTag => true,
            BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Enum64 or BtfKind.FuncProto or BtfKind.Datasec => t.Vlen > 0,
            _ => false,
        };
        if (hasTrailer) return (uint)t.IntRawEncoding << 24;
        // no trailer: the next record's name_off (the last type is followed by strings; treated as 0)
        var spec = t.Spec;
        return spec.Contains(t.Id + 1) && t.Id + 1 >= spec.FirstTypeId ? spec[t.Id + 1].NameOffset : 0;
    }

    /// <summary>bpf_core_calc_type_relo for one side (type ID target, exists, matches, size).</summary>
    private static ulong TypeValue(CoreAccessSpec spec) => spec.Kind switch
    {
        CoreRelocationKind.LocalTypeId or CoreRelocationKind.TargetTypeId => spec.RootTypeId,
        CoreRelocationKind.TypeExists or CoreRelocationKind.TypeMatches => 1,
        CoreRelocationKind.TypeSize => (ulong)CoreAccessSpec.ResolveSize(spec.Btf, spec.RootTypeId),
        _ => throw new CoreRelocationException($"unrecognized CO-RE relocation kind {(uint)spec.Kind}", "EOPNOTSUPP"),
    };

    /// <summary>
    /// bpf_core_calc_enumval_relo for one side; null means poison. A 32-bit enumerator is read as a signed int
    /// and sign-extended whatever the enum's signedness (so 0xBBBBBBBB becomes 0xFFFFFFFFBBBBBBBB).
    /// </summary>
    private static ulong? EnumValue(CoreRelocationKind kind, CoreAccessSpec? spec)
    {
        if (kind == CoreRelocationKind.EnumValueExists) return spec is null ? 0u : 1u;
        if (spec is null) return null;
        var accessor = spec.Accessors[0];
        var t = spec.Btf[accessor.TypeId];
        var value = t.EnumValues[accessor.Index].RawValue;
        return t.Kind == BtfKind.Enum ? unchecked((ulong)(long)(int)(uint)value) : value;
    }
}
