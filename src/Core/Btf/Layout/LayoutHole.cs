namespace BtfNotebooks.Btf.Layout;

/// <summary>
/// Unused space between members of a struct (the root or an expanded anonymous struct), found the way pahole's
/// class__find_holes finds it. A byte hole counts whole bytes; a bit hole counts the unused bits of a bitfield
/// storage unit. Unions have no holes.
/// </summary>
public sealed record LayoutHole
{
    /// <summary>Row (in <see cref="StructLayout.Members"/>) the hole follows; -1 for a hole before the first member of its struct.</summary>
    public required int AfterIndex { get; init; }

    /// <summary>Path of that row (an anonymous row's path is its level's; "" when the hole opens the root).</summary>
    public required string After { get; init; }

    /// <summary>Where the hole starts, in bits from the root.</summary>
    public required long BitOffset { get; init; }

    /// <summary>Length in bits (a multiple of 8 for a byte hole).</summary>
    public required long SizeBits { get; init; }

    public required bool IsBitHole { get; init; }

    /// <summary>Nesting of the struct the hole is in: 0 for the root, as <see cref="LayoutMember.Depth"/>.</summary>
    public required int Depth { get; init; }

    /// <summary>Row of the expanded anonymous struct that holds the hole, -1 for the root.</summary>
    public required int ContainerIndex { get; init; }

    public long ByteOffset => BitOffset / 8;
    public long SizeBytes => SizeBits / 8;

    public override string ToString() => IsBitHole
        ? $"{SizeBits}-bit hole after '{After}' at bit {BitOffset}"
        : $"{SizeBytes}-byte hole after '{After}' at {ByteOffset}";
}
