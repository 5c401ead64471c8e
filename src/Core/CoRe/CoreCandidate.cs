using BtfNotebooks.Btf;

namespace BtfNotebooks.CoRe;

/// <summary>
/// A target type whose kind and essential name fit a local root type (bpf_core_cand). <see cref="Btf"/> resolves
/// <see cref="Id"/> (a split spec resolves its base's IDs too); <see cref="BtfName"/> says where it was found
/// ("vmlinux" or the module), as libbpf logs it.
/// </summary>
public sealed record CoreCandidate(BtfSpec Btf, uint Id, string BtfName)
{
    public BtfType Type => Btf[Id];
    public override string ToString() => $"[{Id}] {CoreNames.Describe(Type)} in [{BtfName}]";
}

/// <summary>
/// The target of a relocation: a kernel's BTF, or a module's split BTF on its kernel's. Candidate search follows
/// libbpf without a custom target path: the base (vmlinux) first, and only when it has no candidate at all the
/// module's own types.
/// </summary>
public sealed class CoreTarget
{
    public CoreTarget(BtfSpec btf, string? name = null)
    {
        Btf = btf;
        Name = name ?? btf.Source ?? "target";
    }

    /// <summary>The spec to resolve candidate IDs with (the module's when split: it sees the base too).</summary>
    public BtfSpec Btf { get; }
    public string Name { get; }

    /// <summary>
    /// bpf_core_find_cands: every target type of a core-compatible kind (same kind, or ENUM with ENUM64) with a
    /// non-empty name whose essential name equals the local type's, in ID order. The local type is NOT skipped
    /// through typedefs: a typedef only finds typedefs. An anonymous local type cannot be searched for.
    /// </summary>
    public List<CoreCandidate> FindCandidates(BtfType local)
    {
        var localName = local.NameBytes;
        if (localName.IsEmpty)
            throw new CoreRelocationException($"target candidate search failed for [{local.Id}] {CoreNames.Describe(local)}: anonymous types have no candidates");
        var essential = CoreNames.Essential(localName);
        var result = new List<CoreCandidate>();
        if (Btf.Base is { } vmlinux)
        {
            Scan(vmlinux, vmlinux.FirstTypeId, vmlinux.TypeCount, "vmlinux", local, essential, result);
            if (result.Count == 0)
                Scan(Btf, Btf.FirstTypeId, Btf.TypeCount, Btf.Source is { } s ? Path.GetFileName(s) : "module", local, essential, result);
        }
        else
        {
            Scan(Btf, 1, Btf.TypeCount, "vmlinux", local, essential, result);
        }
        return result;
    }

    private void Scan(BtfSpec spec, uint first, uint end, string btfName, BtfType local, ReadOnlySpan<byte> essential, List<CoreCandidate> into)
    {
        for (uint id = first; id < end; id++)
        {
            var t = spec[id];
            if (!CoreNames.KindsCompatible(t, local)) continue;
            var name = t.NameBytes;
            // a cheap prefix test before the essential-name scan
            if (name.Length < essential.Length || !name.StartsWith(essential)) continue;
            if (CoreNames.EssentialLength(name) != essential.Length) continue;
            into.Add(new CoreCandidate(Btf, id, btfName));
        }
    }
}
