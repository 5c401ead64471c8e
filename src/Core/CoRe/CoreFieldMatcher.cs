using BtfNotebooks.Btf;
using BtfNotebooks.Elf.BtfExt;

namespace BtfNotebooks.CoRe;

/// <summary>
/// Matches a local access spec against one candidate (bpf_core_spec_match), building the target spec. Field kinds
/// walk the accessors (named members searched through anonymous members, array bounds checked); enumerator
/// kinds look the enumerator up by essential name; type kinds defer to <see cref="CoreTypeCompatibility"/> and
/// <see cref="CoreTypeMatcher"/>. A mismatch comes with the reason; a malformed BTF throws.
/// </summary>
public static class CoreFieldMatcher
{
    /// <summary>Returns the target spec (possibly partial when it does not match) and null or the reason it does not match.</summary>
    public static (CoreAccessSpec Target, string? Mismatch) Match(CoreAccessSpec local, BtfSpec target, uint candidateId)
    {
        var spec = new CoreAccessSpec(target, candidateId, local.Kind);
        if (local.Kind.IsTypeBased())
        {
            string? why = local.Kind == CoreRelocationKind.TypeMatches
                ? CoreTypeMatcher.Match(local.Btf, local.RootTypeId, target, candidateId)
                : CoreTypeCompatibility.Check(local.Btf, local.RootTypeId, target, candidateId);
            return (spec, why);
        }
        if (local.Kind.IsEnumValueBased()) return (spec, MatchEnumerator(local, spec));
        if (!local.Kind.IsFieldBased()) throw new CoreRelocationException($"unrecognized CO-RE relocation kind {(uint)local.Kind}", "EOPNOTSUPP");
        return (spec, MatchField(local, spec));
    }

    private static string? MatchEnumerator(CoreAccessSpec local, CoreAccessSpec spec)
    {
        var t = spec.Btf.SkipModifiers(spec.RootTypeId);
        if (!t.Kind.IsEnum()) return $"{CoreNames.Describe(t)} is not an enum";
        string localName = local.Accessors[0].Name!;
        var localBytes = System.Text.Encoding.UTF8.GetBytes(localName);
        var values = t.EnumValues;
        for (int i = 0; i < values.Count; i++)
        {
            if (!CoreNames.EssentialNamesEqual(localBytes, values[i].NameBytes)) continue;
            spec.AccessorList.Add(new CoreAccessor(t.Id, i, values[i].Name));
            spec.RawList.Add(i);
            return null;
        }
        return $"no enumerator {CoreNames.Essential(localName)} in {CoreNames.Describe(t)}";
    }

    private static string? MatchField(CoreAccessSpec local, CoreAccessSpec spec)
    {
        var btf = spec.Btf;
        uint targetId = spec.RootTypeId;
        for (int i = 0; i < local.Accessors.Count; i++)
        {
            var localAccessor = local.Accessors[i];
            var targetType = btf.SkipModifiers(targetId);
            targetId = targetType.Id;
            if (localAccessor.Name is not null)
            {
                var found = MatchMember(local.Btf, localAccessor, btf, targetId, spec, out uint next);
                if (found is not null) return found;
                targetId = next;
                continue;
            }
            if (i > 0)
            {
                if (targetType.Kind != BtfKind.Array)
                    return $"{Where(spec)} is {CoreNames.Describe(targetType)}, not an array";
                bool flexible = CoreAccessSpec.IsFlexibleArray(btf, spec.AccessorList[^1], targetType);
                if (!flexible && unchecked((uint)localAccessor.Index) >= targetType.ArrayLength)
                    return $"index {localAccessor.Index} is out of bounds of {Where(spec)} ({targetType.ArrayLength} elements)";
                targetId = btf.SkipModifiers(targetType.ArrayElementTypeId).Id;
            }
            if (spec.RawList.Count == CoreAccessSpec.MaxLength)
                throw new CoreRelocationException("target access path longer than 64 steps", "E2BIG");
            spec.AccessorList.Add(new CoreAccessor(targetId, localAccessor.Index, null));
            spec.RawList.Add(localAccessor.Index);
            // libbpf computes the size as an int here, then adds to the u32 bit offset
            long size = CoreAccessSpec.ResolveSize(btf, targetId);
            spec.BitOffset = unchecked(spec.BitOffset + (uint)(localAccessor.Index * (int)size * 8));
        }
        return null;
    }

    private static string Where(CoreAccessSpec spec) => spec.AccessorList.Count == 0 ? "the root" : spec.ReadablePath();

    /// <summary>
    /// bpf_core_match_member: finds the local member's name in target composite <paramref name="targetId"/>,
    /// depth first through anonymous members, tentatively extending the raw spec and bit offset. The first
    /// member with the name decides: compatible → null (found), else the reason. Not found → a reason too.
    /// </summary>
    private static string? MatchMember(BtfSpec localBtf, CoreAccessor localAccessor, BtfSpec btf, uint targetId, CoreAccessSpec spec, out uint next)
    {
        next = 0;
        var result = Search(localBtf, localAccessor, btf, targetId, spec, ref next);
        return result switch
        {
            MemberSearch.Found => null,
            MemberSearch.Incompatible => $"member {localAccessor.Name} has an incompatible type: local {Describe(localBtf, LocalMemberType(localBtf, localAccessor))}, target {Describe(btf, next)}",
            _ => $"no member {localAccessor.Name} in {CoreNames.Describe(btf.SkipModifiers(targetId))}",
        };
    }

    private enum MemberSearch { NotFound, Found, Incompatible }

    private static uint LocalMemberType(BtfSpec localBtf, CoreAccessor a) => localBtf[a.TypeId].Members[a.Index].TypeId;

    private static string Describe(BtfSpec btf, uint id) => CoreNames.Describe(btf.SkipModifiers(id));

    private static MemberSearch Search(BtfSpec localBtf, CoreAccessor localAccessor, BtfSpec btf, uint targetId, CoreAccessSpec spec, ref uint next)
    {
        var targetType = btf.SkipModifiers(targetId);
        if (!targetType.Kind.IsComposite()) return MemberSearch.NotFound;
        var localName = System.Text.Encoding.UTF8.GetBytes(localAccessor.Name!);
        var members = targetType.Members;
        for (int i = 0; i < members.Count; i++)
        {
            var m = members[i];
            if (spec.RawList.Count == CoreAccessSpec.MaxLength)
                throw new CoreRelocationException("target access path longer than 64 steps", "E2BIG");
            uint bitOffset = m.BitOffset;
            spec.BitOffset = unchecked(spec.BitOffset + bitOffset);
            spec.RawList.Add(i);
            var name = m.NameBytes;
            if (name.IsEmpty)
            {
                var found = Search(localBtf, localAccessor, btf, m.TypeId, spec, ref next);
                if (found != MemberSearch.NotFound) return found;
            }
            else if (name.SequenceEqual(localName))
            {
                next = m.TypeId;
                if (!CoreTypeCompatibility.FieldsAreCompatible(localBtf, LocalMemberType(localBtf, localAccessor), btf, m.TypeId))
                    return MemberSearch.Incompatible;
                spec.AccessorList.Add(new CoreAccessor(targetType.Id, i, m.Name));
                return MemberSearch.Found;
            }
            spec.BitOffset = unchecked(spec.BitOffset - bitOffset);
            spec.RawList.RemoveAt(spec.RawList.Count - 1);
        }
        return MemberSearch.NotFound;
    }
}
