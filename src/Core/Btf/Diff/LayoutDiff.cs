using BtfNotebooks.Btf.Layout;

namespace BtfNotebooks.Btf.Diff;

/// <summary>
/// The layout of one struct or union across N kernels, member by member: which members moved, changed size or
/// type, appeared or disappeared against the first kernel (the reference). Built on <see cref="StructLayout"/>, so
/// offsets, bitfields and totals are pahole's. Rows are matched by access path (<see cref="LayoutMember.Path"/>,
/// through anonymous members), which is what a BPF program names and CO-RE relocates; anonymous members' own
/// rows are containers, not fields, and are left out.
/// </summary>
public sealed partial class LayoutDiff
{
    private LayoutDiff(string typeReference, IReadOnlyList<LayoutDiffColumn> kernels, IReadOnlyList<LayoutDiffRow> rows)
    {
        TypeReference = typeReference;
        Kernels = kernels;
        Rows = rows;
        Name = kernels.First(k => k.HasType).TypeName!;
    }

    /// <summary>The type as it was asked for ("task_struct", "struct file").</summary>
    public string TypeReference { get; }

    /// <summary>"struct file": the name the reference (or first kernel that has the type) gives it.</summary>
    public string Name { get; }

    /// <summary>The kernels in the order given; <see cref="Reference"/> is the first.</summary>
    public IReadOnlyList<LayoutDiffColumn> Kernels { get; }

    /// <summary>The kernel every change is measured against.</summary>
    public LayoutDiffColumn Reference => Kernels[0];

    /// <summary>
    /// Members in a merged order that keeps every kernel's own order: the reference's members, then each later
    /// kernel's new members inserted after their predecessor in that kernel (past rows that kernel lacks, so a
    /// replaced member reads "removed, then added" as in a text diff).
    /// </summary>
    public IReadOnlyList<LayoutDiffRow> Rows { get; }

    /// <summary>Rows where some kernel differs from the reference.</summary>
    public IEnumerable<LayoutDiffRow> ChangedRows => Rows.Where(r => r.IsChanged);

    /// <summary>
    /// Lays out <paramref name="typeReference"/> (as <see cref="StructLayout.Compute(BtfSpec, string)"/> takes it)
    /// in every kernel and compares them with the first. A kernel that lacks the type (or only forward-declares it)
    /// becomes an absent column with the lookup's message.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two kernels.</exception>
    /// <exception cref="BtfLookupException">No kernel has the type: there is nothing to compare.</exception>
    public static LayoutDiff Compute(string typeReference, IEnumerable<(string Name, BtfSpec Spec)> kernels)
    {
        ArgumentNullException.ThrowIfNull(typeReference);
        ArgumentNullException.ThrowIfNull(kernels);
        var layouts = new List<(string, StructLayout?, string?)>();
        foreach (var (name, spec) in kernels)
        {
            try { layouts.Add((name, StructLayout.Compute(spec, typeReference), null)); }
            catch (BtfLookupException e) { layouts.Add((name, null, e.Message)); }
        }
        return Build(typeReference, layouts);
    }

    /// <summary>
    /// Compares layouts already computed (null for a kernel without the type, with the reason); they need not be
    /// of the same name, so two versions of a type in one BTF can be compared too.
    /// </summary>
    public static LayoutDiff Compute(IEnumerable<(string Name, StructLayout? Layout, string? MissingReason)> kernels)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        var list = kernels.ToList();
        string reference = list.FirstOrDefault(k => k.Layout is not null).Layout?.Name ?? "?";
        return Build(reference, list);
    }

    private static LayoutDiff Build(string typeReference, IReadOnlyList<(string Name, StructLayout? Layout, string? MissingReason)> kernels)
    {
        if (kernels.Count < 2)
            throw new ArgumentException($"a layout diff needs at least two kernels, got {kernels.Count}", nameof(kernels));
        if (kernels.All(k => k.Layout is null))
            throw new BtfLookupException($"no kernel has {typeReference}: {kernels[0].MissingReason}");

        var columns = kernels.Select((k, i) => new LayoutDiffColumn(i, k.Name, k.Layout, k.MissingReason)).ToList();
        var members = columns.Select(c => c.Layout is null ? null : MembersByKey(c.Layout)).ToList();
        var order = MergeOrder(members);

        var rows = new List<LayoutDiffRow>(order.Count);
        foreach (var key in order)
        {
            var reference = members[0]?.GetValueOrDefault(key);
            var cells = new LayoutDiffCell[columns.Count];
            for (int k = 0; k < columns.Count; k++)
            {
                var member = members[k]?.GetValueOrDefault(key);
                // A kernel without the type shows its whole column absent; its cells are not "removed" one by one.
                var change = members[k] is null ? LayoutChange.Same : LayoutDiffCell.Compare(reference, member);
                cells[k] = new LayoutDiffCell(member, reference, change);
            }
            rows.Add(new LayoutDiffRow(key.Path, key.Occurrence, cells));
        }
        foreach (var column in columns)
            column.Counts = LayoutChangeCounts.Of(rows.Select(r => r.Cells[column.Index]));
        return new LayoutDiff(typeReference, columns, rows);
    }

    /// <summary>A member's identity across kernels: its path, and which repeat of that path it is.</summary>
    private readonly record struct Key(string Path, int Occurrence);

    /// <summary>The named members of a layout by key, in layout order (a Dictionary keeps insertion order while nothing is removed).</summary>
    private static Dictionary<Key, LayoutMember> MembersByKey(StructLayout layout)
    {
        var byKey = new Dictionary<Key, LayoutMember>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var m in layout.Members)
        {
            if (m.IsAnonymous) continue;
            int n = seen.GetValueOrDefault(m.Path);
            seen[m.Path] = n + 1;
            byKey.Add(new Key(m.Path, n), m);
        }
        return byKey;
    }

    /// <summary>
    /// The reference's order, then for each later kernel every member not placed yet goes right after the member
    /// that precedes it in that kernel, skipping rows that kernel lacks.
    /// </summary>
    private static List<Key> MergeOrder(IReadOnlyList<Dictionary<Key, LayoutMember>?> kernels)
    {
        var merged = new List<Key>();
        var placed = new HashSet<Key>();
        foreach (var kernel in kernels)
        {
            if (kernel is null) continue;
            int previous = -1;
            foreach (var key in kernel.Keys)
            {
                if (placed.Contains(key))
                {
                    previous = merged.IndexOf(key);
                    continue;
                }
                int at = previous + 1;
                while (at < merged.Count && !kernel.ContainsKey(merged[at])) at++;
                merged.Insert(at, key);
                placed.Add(key);
                previous = at;
            }
        }
        return merged;
    }

    public override string ToString() =>
        $"{Name} across {Kernels.Count} kernels: {Rows.Count} members, {Rows.Count(r => r.IsChanged)} changed";
}
