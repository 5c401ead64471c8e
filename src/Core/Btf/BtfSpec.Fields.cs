namespace BtfNotebooks.Btf;

/// <summary>One hop of a field path: a member of <see cref="Parent"/>, at <see cref="BitOffset"/> from the root.</summary>
public readonly record struct FieldStep(BtfType Parent, BtfMember Member, ulong BitOffset);

/// <summary>Where a (possibly nested) field sits inside a root struct/union.</summary>
public sealed record FieldLocation(BtfType Root, string Path, IReadOnlyList<FieldStep> Steps, ulong BitOffset, uint BitfieldSize, BtfType Type)
{
    public bool IsBitfield => BitfieldSize != 0;
    public ulong ByteOffset => BitOffset / 8;
    public BtfMember Member => Steps[^1].Member;
}

public sealed partial class BtfSpec
{
    /// <summary>
    /// Resolves "member[.member...]" inside <paramref name="root"/>: each name is searched among the members and,
    /// depth first, inside anonymous struct/union members (mm_struct.arg_start lives in an anonymous struct).
    /// Intermediate members must be embedded structs/unions; offsets accumulate from the root.
    /// </summary>
    public FieldLocation ResolveField(BtfType root, string path)
    {
        var composite = SkipModifiers(root);
        if (!composite.Kind.IsComposite())
            throw new BtfLookupException($"{Describe(composite)} is not a struct or union");
        var segments = path.Split('.');
        var steps = new List<FieldStep>();
        ulong bitBase = 0;
        var current = composite;
        for (int i = 0; i < segments.Length; i++)
        {
            string name = segments[i];
            if (name.Length == 0)
                throw new BtfLookupException($"empty member name in '{path}'");
            if (!FindMember(current, name, bitBase, steps, 0))
                throw new BtfLookupException($"{Describe(current)} has no member '{name}'{(i > 0 ? $" (in '{path}')" : "")}");
            var last = steps[^1];
            if (i < segments.Length - 1)
            {
                var next = SkipModifiers(last.Member.Type);
                if (!next.Kind.IsComposite())
                    throw new BtfLookupException($"'{string.Join('.', segments[..(i + 1)])}' is {Describe(next)}, not an embedded struct or union, so '{segments[i + 1]}' cannot be reached inside it");
                current = next;
                bitBase = last.BitOffset;
            }
        }

        var final = steps[^1];
        uint bits = final.Member.BitfieldSize;
        ulong bitOffset = final.BitOffset;
        if (bits == 0 && !final.Parent.KindFlag)
        {
            // Old-style bitfield (no kind_flag): the INT itself carries bit offset and width.
            var it = SkipModifiers(final.Member.Type);
            if (it.Kind == BtfKind.Int && (it.IntBitOffset != 0 || it.IntBits != it.Size * 8))
            {
                bits = (uint)it.IntBits;
                bitOffset += (uint)it.IntBitOffset;
            }
        }
        return new FieldLocation(composite, path, steps, bitOffset, bits, final.Member.Type);
    }

    public FieldLocation ResolveField(string typeReference, string path) => ResolveField(FindComposite(typeReference), path);

    private bool FindMember(BtfType composite, string name, ulong bitBase, List<FieldStep> steps, int depth)
    {
        if (depth > MaxResolveDepth)
            throw new BtfFormatException("anonymous members nest too deeply (a reference cycle?)", typeId: composite.Id, source: Source);
        foreach (var m in composite.Members)
        {
            ulong at = bitBase + m.BitOffset;
            if (!m.IsAnonymous)
            {
                if (m.Name == name) { steps.Add(new FieldStep(composite, m, at)); return true; }
                continue;
            }
            var inner = SkipModifiers(m.Type);
            if (!inner.Kind.IsComposite()) continue;
            steps.Add(new FieldStep(composite, m, at));
            if (FindMember(inner, name, at, steps, depth + 1)) return true;
            steps.RemoveAt(steps.Count - 1);
        }
        return false;
    }
}
