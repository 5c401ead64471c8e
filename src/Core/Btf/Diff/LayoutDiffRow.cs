namespace BtfNotebooks.Btf.Diff;

/// <summary>
/// One member of the diffed type, identified by its C access path (anonymous levels add nothing, so a member that
/// moved into an anonymous union between kernels is still the same row), with a cell per kernel.
/// </summary>
public sealed class LayoutDiffRow
{
    internal LayoutDiffRow(string path, int occurrence, IReadOnlyList<LayoutDiffCell> cells)
    {
        Path = path;
        Occurrence = occurrence;
        Cells = cells;
        var first = cells.First(c => c.Present).Member!;
        Name = first.Name ?? path;
        var shown = cells[0].Member ?? first;
        Depth = shown.Depth;
        TypeName = shown.TypeName;
        foreach (var c in cells) Changes |= c.Change;
    }

    /// <summary>The access path: "f_path", "_sifields._kill._pid", "arg_start".</summary>
    public string Path { get; }

    /// <summary>
    /// 0, or n for the n+1-th member with this path in a kernel (only malformed BTF repeats a name in one scope;
    /// such members are matched by their position among the repeats).
    /// </summary>
    public int Occurrence { get; }

    /// <summary>The member's own name (last part of the path).</summary>
    public string Name { get; }

    /// <summary>Nesting in the reference kernel (or the first kernel that has the member): 0 for the root's members.</summary>
    public int Depth { get; }

    /// <summary>The type in the reference kernel, or in the first kernel that has the member.</summary>
    public string TypeName { get; }

    /// <summary>One per kernel, in the diff's kernel order; cell 0 is the reference.</summary>
    public IReadOnlyList<LayoutDiffCell> Cells { get; }

    /// <summary>Every change any kernel shows for this member.</summary>
    public LayoutChange Changes { get; }

    public bool IsChanged => Changes != LayoutChange.Same;

    public override string ToString() => $"{Path}: {string.Join(" | ", Cells)}";
}
