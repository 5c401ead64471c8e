namespace BtfNotebooks.Btf.Layout;

/// <summary>
/// pahole's closing statistics for a struct, over the root's own members (an expanded anonymous member counts
/// once, with its whole size), exactly as pahole's __class__fprintf sums them.
/// </summary>
public sealed record StructSummary
{
    /// <summary>"members:": the root's member count (BTF vlen).</summary>
    public required int Members { get; init; }

    /// <summary>"sum members:": bytes of the non-bitfield members.</summary>
    public required long SumMemberBytes { get; init; }

    /// <summary>"sum bitfield members:": bits of the bitfield members.</summary>
    public required long SumBitfieldBits { get; init; }

    /// <summary>"holes:" and "sum holes:": byte holes directly in the root.</summary>
    public required int HoleCount { get; init; }
    public required long HoleBytes { get; init; }

    /// <summary>"bit holes:" and "sum bit holes:".</summary>
    public required int BitHoleCount { get; init; }
    public required long BitHoleBits { get; init; }

    /// <summary>"padding:": bytes after the last member. 0 for unions (pahole searches no holes in them).</summary>
    public required long Padding { get; init; }

    /// <summary>"bit_padding:": unused bits at the end of a trailing bitfield unit.</summary>
    public required long BitPadding { get; init; }

    /// <summary>"paddings:" and "sum paddings:": struct-typed members whose struct has trailing padding.</summary>
    public required int PaddedMembers { get; init; }
    public required long SumPaddings { get; init; }
}
