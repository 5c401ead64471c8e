using BtfNotebooks.Btf.Layout;

namespace BtfNotebooks.Btf.Diff;

/// <summary>
/// One kernel of a <see cref="LayoutDiff"/>: its layout of the type with pahole's totals, or why it has none
/// (the type is missing or only forward-declared there), and how its members changed against the reference.
/// </summary>
public sealed class LayoutDiffColumn
{
    internal LayoutDiffColumn(int index, string name, StructLayout? layout, string? missingReason)
    {
        Index = index;
        Name = name;
        Layout = layout;
        MissingReason = layout is null ? missingReason ?? "the type is missing" : null;
    }

    /// <summary>Position among the diff's kernels; 0 is the reference.</summary>
    public int Index { get; }

    /// <summary>The kernel's label, as the caller named it.</summary>
    public string Name { get; }

    /// <summary>The first kernel: every other column is compared with it.</summary>
    public bool IsReference => Index == 0;

    /// <summary>The kernel's layout of the type, null when it has none.</summary>
    public StructLayout? Layout { get; }

    /// <summary>False when the kernel lacks the type: its column is absent as a whole.</summary>
    public bool HasType => Layout is not null;

    /// <summary>Why the kernel has no layout (the lookup's message), null when it has one.</summary>
    public string? MissingReason { get; }

    /// <summary>"struct file" or "union bpf_attr" as this kernel has it.</summary>
    public string? TypeName => Layout?.Name;

    public bool IsUnion => Layout?.IsUnion ?? false;

    public long Size => Layout?.Size ?? 0;

    /// <summary>pahole's "holes:" / "sum holes:" of the root.</summary>
    public int HoleCount => Layout?.HoleCount ?? 0;
    public long HoleBytes => Layout?.HoleBytes ?? 0;

    /// <summary>pahole's "padding:" (trailing bytes).</summary>
    public long Padding => Layout?.Padding ?? 0;

    public long Cachelines => Layout?.Cachelines ?? 0;

    /// <summary>Changes of this kernel's cells against the reference (all zero for the reference itself).</summary>
    public LayoutChangeCounts Counts { get; internal set; } = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>"size 232, 4 cachelines, 1 hole (4 bytes), padding 0", or "absent: REASON".</summary>
    public string TotalsText => Layout is null
        ? $"absent: {MissingReason}"
        : $"size {Size}, {Plural(Cachelines, "cacheline")}, {Plural(HoleCount, "hole")} ({Plural(HoleBytes, "byte")}), padding {Padding}";

    private static string Plural(long n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";

    public override string ToString() => $"{Name}: {TotalsText}";
}
