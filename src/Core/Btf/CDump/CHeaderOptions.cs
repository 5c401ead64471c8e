namespace BtfNotebooks.Btf.CDump;

/// <summary>Knobs for <see cref="CHeaderWriter"/>. The defaults reproduce `bpftool btf dump file X format c`.</summary>
public sealed record CHeaderOptions
{
    public static CHeaderOptions Default { get; } = new();

    /// <summary>
    /// Print BTF_KIND_TYPE_TAG as <c>__attribute__((btf_type_tag("...")))</c> (or, for a tag with kind_flag set,
    /// as the plain attribute it names, e.g. <c>__attribute__((address_space(1)))</c>). Off by default: the
    /// bpftool 7.1 output we compare against has none, and only clang understands the attribute.
    /// </summary>
    public bool EmitTypeTags { get; init; }

    /// <summary>
    /// The include-guard macro. Null picks <c>__VMLINUX_H__</c>, or for <see cref="CHeaderWriter.Write"/> on split
    /// (module) BTF a name derived from the spec's source, so the module header can follow vmlinux.h.
    /// </summary>
    public string? IncludeGuard { get; init; }

    /// <summary>
    /// Wrap the types in <c>#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)</c>
    /// (so CO-RE relocates every field access), inside <c>#ifndef BPF_NO_PRESERVE_ACCESS_INDEX</c>, as bpftool does.
    /// </summary>
    public bool PreserveAccessIndex { get; init; } = true;
}
