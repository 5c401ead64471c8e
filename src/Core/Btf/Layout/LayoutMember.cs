namespace BtfNotebooks.Btf.Layout;

/// <summary>
/// One row of a <see cref="StructLayout"/>: a member of the root, or of an anonymous struct/union expanded in place.
/// Offsets are from the start of the root. Rows come in pahole's order: an expanded member first, then its members.
/// </summary>
public sealed class LayoutMember
{
    /// <summary>Position in <see cref="StructLayout.Members"/>.</summary>
    public required int Index { get; init; }

    /// <summary>
    /// Dotted C access path from the root: "pid", "_sifields._kill._pid", "arg_start" (anonymous levels add nothing,
    /// so a member of an anonymous struct is reached as in C). An anonymous member's own row carries the path of the
    /// level that holds it ("" at the root); array-of-anonymous expansions read "name[0].x".
    /// </summary>
    public required string Path { get; init; }

    /// <summary>The member's name, or null for an anonymous struct/union member.</summary>
    public required string? Name { get; init; }

    public bool IsAnonymous => Name is null;

    /// <summary>The BTF member record and the struct/union it belongs to.</summary>
    public required BtfMember Member { get; init; }
    public required BtfType Parent { get; init; }

    public uint TypeId => Member.TypeId;

    /// <summary>The C spelling of the member's type, without the member name: "char[16]", "void (*)(int)".</summary>
    public required string TypeName { get; init; }

    /// <summary>
    /// pahole's byte offset: for a bitfield the start of its storage unit (the offset rounded down to a multiple
    /// of the declared type's size within the enclosing struct), else the member's own offset.
    /// </summary>
    public required long ByteOffset { get; init; }

    /// <summary>Exact bit offset from the root as BTF records it (for a bitfield, its first bit).</summary>
    public required long BitOffset { get; init; }

    /// <summary>Size in bytes of the member's type (a bitfield's storage unit; 0 for a flexible array).</summary>
    public required long Size { get; init; }

    /// <summary>Width of a bitfield (pahole's ":N"), 0 when the member is not one.</summary>
    public required int BitfieldSize { get; init; }

    /// <summary>Bit position of a bitfield inside its storage unit at <see cref="ByteOffset"/> (pahole's "offset:bit").</summary>
    public required int BitfieldOffset { get; init; }

    public bool IsBitfield => BitfieldSize != 0;

    /// <summary>Bits the member occupies: the bitfield width, else 8 * <see cref="Size"/>.</summary>
    public long SizeBits => IsBitfield ? BitfieldSize : Size * 8;

    /// <summary>Nesting: 0 for a member of the root, n for one inside n expanded anonymous levels.</summary>
    public required int Depth { get; init; }

    /// <summary>The row of the expanded member this one sits in, or -1 at the root.</summary>
    public required int ParentIndex { get; init; }

    /// <summary>Struct or Union when this member's anonymous type is expanded: its members follow as rows at Depth + 1.</summary>
    public BtfKind? ExpandedKind { get; init; }

    public bool IsExpanded => ExpandedKind is not null;

    /// <summary>
    /// The cacheline pahole announces just before this row ("--- cacheline N boundary ---"), or null. pahole
    /// tracks the current line while printing and rewinds it after each member of a union, and so does this.
    /// </summary>
    public int? CachelineBoundary { get; internal set; }

    /// <summary>The member's bytes span a 64-byte cacheline boundary.</summary>
    public bool CrossesCacheline => Size > 1 && ByteOffset / StructLayout.CachelineSize != (ByteOffset + Size - 1) / StructLayout.CachelineSize;

    /// <summary>
    /// For a member whose type is directly a struct (as pahole checks, no typedef): that struct's trailing padding,
    /// which pahole reports as "XXX last struct has N bytes of padding".
    /// </summary>
    public long TypePadding { get; internal set; }

    public override string ToString() =>
        $"{(IsAnonymous ? "(anon)" : Path)}: {TypeName} @{ByteOffset}{(IsBitfield ? $":{BitfieldOffset}" : "")} size {Size}{(IsBitfield ? $" :{BitfieldSize}" : "")}";
}
