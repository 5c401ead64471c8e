namespace BtfNotebooks.Btf.Layout;

/// <summary>Where one member of a struct sits, relative to that struct, in the terms pahole's hole search uses.</summary>
internal readonly record struct MemberGeometry(long BitOffset, long ByteOffset, long Size, int BitfieldSize, int BitfieldOffset)
{
    public bool IsBitfield => BitfieldSize != 0;

    /// <summary>The geometry of <paramref name="member"/> of <paramref name="composite"/>, relative to the composite.</summary>
    public static MemberGeometry Of(BtfSpec spec, BtfType composite, BtfMember member)
    {
        long size = SizeOfMember(spec, composite, member);
        long bitOffset = member.BitOffset;
        int bits = (int)member.BitfieldSize;
        if (bits == 0 && !composite.KindFlag)
        {
            // Old-style bitfield (no kind_flag on the parent): the INT itself carries the width and a bit offset.
            var it = spec.SkipModifiers(member.Type);
            if (it.Kind == BtfKind.Int && (it.IntBitOffset != 0 || it.IntBits != it.Size * 8))
            {
                bits = it.IntBits;
                bitOffset += it.IntBitOffset;
            }
        }
        if (bits == 0 || size == 0)
            return new MemberGeometry(bitOffset, bitOffset / 8, size, bits, 0);
        // pahole (btf_loader's class__fixup_btf_bitfields) places a bitfield in the storage unit of its declared
        // type that contains its first bit: the offset rounded down to a multiple of the type's size.
        long unitBits = size * 8;
        long byteOffset = bitOffset / unitBits * unitBits / 8;
        return new MemberGeometry(bitOffset, byteOffset, size, bits, (int)(bitOffset - byteOffset * 8));
    }

    private static long SizeOfMember(BtfSpec spec, BtfType composite, BtfMember member)
    {
        try
        {
            return spec.SizeOf(member.Type);
        }
        catch (BtfLookupException e)
        {
            // A member must have a complete type; one that cannot be sized is a malformed record, not a bad query.
            string name = member.IsAnonymous ? $"#{member.Index} (anonymous)" : $"'{member.Name}'";
            throw new BtfFormatException($"member {name} of {BtfSpec.Describe(composite)} has an unsized type: {e.Message}", typeId: composite.Id, source: spec.Source, inner: e);
        }
    }
}
