namespace BtfNotebooks.Btf.CDump;

/// <summary>
/// Bounds on recursion. Valid BTF nests a few dozen levels at most; malformed BTF can contain reference cycles
/// (const -> const -> ...) or absurdly deep chains, and those must end in an exception naming a type, not a
/// hang or a stack overflow.
/// </summary>
internal static class CDumpLimits
{
    /// <summary>Depth of the dependency walk (embedded structs, typedefs, pointers to anonymous types...).</summary>
    public const int MaxDependencyDepth = 1000;

    /// <summary>Anonymous structs/unions/function prototypes printed inside one another.</summary>
    public const int MaxInlineNesting = 200;

    /// <summary>Length of one declarator chain (pointers, modifiers, arrays, prototypes down to a named type).</summary>
    public const int MaxDeclaratorChain = 1000;

    public static BtfFormatException TooDeep(BtfSpec spec, uint id, string what) =>
        new($"{what} nests too deeply while printing C (a reference cycle?)", typeId: id, source: spec.Source);

    public static BtfFormatException Cycle(BtfSpec spec, uint id, string detail) =>
        new($"{BtfSpec.Describe(spec[id])} cannot be written as C: {detail}", typeId: id, source: spec.Source);
}
