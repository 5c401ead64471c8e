namespace BtfNotebooks.Btf.Diff;

/// <summary>
/// How one member in one kernel differs from the same member (same access path) in the reference kernel. Flags,
/// because a member often changes in several ways at once (moved and resized when a pointer becomes 4 bytes).
/// </summary>
[Flags]
public enum LayoutChange
{
    /// <summary>Same offset, size, bit width and type as the reference (or absent in both).</summary>
    Same = 0,
    /// <summary>The member's exact bit offset differs.</summary>
    Moved = 1,
    /// <summary>The bits it occupies differ: byte size, or bit width for a bitfield.</summary>
    Resized = 2,
    /// <summary>Its C type, as spelled by <see cref="Layout.CTypeNames"/>, differs.</summary>
    Retyped = 4,
    /// <summary>Absent in the reference, present here.</summary>
    Added = 8,
    /// <summary>Present in the reference, absent here.</summary>
    Removed = 16,
}

/// <summary>How many rows of a diff changed in each way for one kernel, against the reference.</summary>
public sealed record LayoutChangeCounts(int Same, int Moved, int Resized, int Retyped, int Added, int Removed, int Changed)
{
    /// <summary>Counts over the cells of one column.</summary>
    public static LayoutChangeCounts Of(IEnumerable<LayoutDiffCell> cells)
    {
        int same = 0, moved = 0, resized = 0, retyped = 0, added = 0, removed = 0, changed = 0;
        foreach (var c in cells)
        {
            if (!c.Present && !c.Has(LayoutChange.Removed)) continue; // absent in both: not a row of this kernel
            if (c.Change == LayoutChange.Same) same++;
            else changed++;
            if (c.Has(LayoutChange.Moved)) moved++;
            if (c.Has(LayoutChange.Resized)) resized++;
            if (c.Has(LayoutChange.Retyped)) retyped++;
            if (c.Has(LayoutChange.Added)) added++;
            if (c.Has(LayoutChange.Removed)) removed++;
        }
        return new LayoutChangeCounts(same, moved, resized, retyped, added, removed, changed);
    }

    /// <summary>"3 moved, 1 added" (only the nonzero kinds), or "no changes".</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Moved > 0) parts.Add($"{Moved} moved");
        if (Resized > 0) parts.Add($"{Resized} resized");
        if (Retyped > 0) parts.Add($"{Retyped} retyped");
        if (Added > 0) parts.Add($"{Added} added");
        if (Removed > 0) parts.Add($"{Removed} removed");
        return parts.Count == 0 ? "no changes" : string.Join(", ", parts);
    }
}
