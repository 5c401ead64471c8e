using System.Globalization;
using BtfNotebooks.Btf.Layout;

namespace BtfNotebooks.Btf.Diff;

/// <summary>
/// One member (a row of a <see cref="LayoutDiff"/>) in one kernel: where it sits and what it is there, or that the
/// kernel lacks it, with what changed against the reference kernel. Renderers read the numbers from here and the
/// explanation from <see cref="Describe"/>, so the CLI and the notebook say the same thing.
/// </summary>
public sealed class LayoutDiffCell
{
    internal LayoutDiffCell(LayoutMember? member, LayoutMember? reference, LayoutChange change)
    {
        Member = member;
        ReferenceMember = reference;
        Change = change;
    }

    /// <summary>The member's layout row in this kernel, or null when the kernel lacks it (or the whole type).</summary>
    public LayoutMember? Member { get; }

    /// <summary>The same member in the reference kernel (null when the reference lacks it).</summary>
    public LayoutMember? ReferenceMember { get; }

    public LayoutChange Change { get; }

    /// <summary>Whether this kernel has the member (false also when it lacks the whole type).</summary>
    public bool Present => Member is not null;

    /// <summary>Whether <see cref="Change"/> includes <paramref name="change"/> (never true for <see cref="LayoutChange.Same"/>).</summary>
    public bool Has(LayoutChange change) => (Change & change) == change && change != LayoutChange.Same;

    /// <summary>pahole's byte offset (a bitfield's storage unit); 0 when absent.</summary>
    public long ByteOffset => Member?.ByteOffset ?? 0;

    /// <summary>Exact bit offset from the start of the type; 0 when absent.</summary>
    public long BitOffset => Member?.BitOffset ?? 0;

    /// <summary>Byte size of the member's type (a bitfield's storage unit); 0 when absent.</summary>
    public long Size => Member?.Size ?? 0;

    /// <summary>Bitfield width, 0 for a plain member or when absent.</summary>
    public int BitfieldSize => Member?.BitfieldSize ?? 0;

    /// <summary>A bitfield's first bit within its storage unit.</summary>
    public int BitfieldOffset => Member?.BitfieldOffset ?? 0;

    public bool IsBitfield => Member?.IsBitfield ?? false;

    /// <summary>The member's C type in this kernel ("struct path", "void (*)(int)"), null when absent.</summary>
    public string? TypeName => Member?.TypeName;

    /// <summary>"64", or pahole's "1188:4" (storage unit byte : first bit) for a bitfield; "-" when absent.</summary>
    public string OffsetText => Member is null ? "-" : OffsetOf(Member);

    /// <summary>"16" (bytes), or ":3" (bits) for a bitfield; "-" when absent.</summary>
    public string SizeText => Member is null ? "-" : SizeOf(Member);

    /// <summary>
    /// Each change in words, against the reference: "moved 16 → 64", "resized 32 → 8", "retyped int → long",
    /// "added at 80", "removed (was at 112)". Empty when nothing changed.
    /// </summary>
    public IReadOnlyList<string> Describe(string arrow = "→")
    {
        var notes = new List<string>();
        if (Has(LayoutChange.Added) && Member is not null) notes.Add($"added at {OffsetOf(Member)}");
        if (Has(LayoutChange.Removed) && ReferenceMember is not null) notes.Add($"removed (was at {OffsetOf(ReferenceMember)})");
        if (Member is null || ReferenceMember is null) return notes;
        if (Has(LayoutChange.Moved)) notes.Add($"moved {OffsetOf(ReferenceMember)} {arrow} {OffsetOf(Member)}");
        if (Has(LayoutChange.Resized)) notes.Add($"resized {SizeOf(ReferenceMember)} {arrow} {SizeOf(Member)}");
        if (Has(LayoutChange.Retyped)) notes.Add($"retyped {ReferenceMember.TypeName} {arrow} {Member.TypeName}");
        return notes;
    }

    /// <summary>What changed between <paramref name="reference"/> and <paramref name="member"/> (either may be absent).</summary>
    public static LayoutChange Compare(LayoutMember? reference, LayoutMember? member)
    {
        if (reference is null) return member is null ? LayoutChange.Same : LayoutChange.Added;
        if (member is null) return LayoutChange.Removed;
        var change = LayoutChange.Same;
        if (reference.BitOffset != member.BitOffset) change |= LayoutChange.Moved;
        if (reference.SizeBits != member.SizeBits || reference.IsBitfield != member.IsBitfield) change |= LayoutChange.Resized;
        if (!string.Equals(reference.TypeName, member.TypeName, StringComparison.Ordinal)) change |= LayoutChange.Retyped;
        return change;
    }

    internal static string OffsetOf(LayoutMember m) => m.IsBitfield
        ? string.Create(CultureInfo.InvariantCulture, $"{m.ByteOffset}:{m.BitfieldOffset}")
        : m.ByteOffset.ToString(CultureInfo.InvariantCulture);

    internal static string SizeOf(LayoutMember m) => m.IsBitfield
        ? ":" + m.BitfieldSize.ToString(CultureInfo.InvariantCulture)
        : m.Size.ToString(CultureInfo.InvariantCulture);

    public override string ToString() => Present ? $"{OffsetText} {SizeText} {TypeName} [{Change}]" : $"absent [{Change}]";
}
