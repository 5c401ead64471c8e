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

    // Candidates are the types named exactly like the essential name (the spec's hash index finds them without a
    // scan) plus the flavored types ("x___y") whose essential name it is; the latter are few and listed once per spec.
    // This returns what a scan of every type in ID order would, in the same order.
    private void Scan(BtfSpec spec, uint first, uint end, string btfName, BtfType local, ReadOnlySpan<byte> essential, List<CoreCandidate> into)
    {
        var ids = new List<uint>();
        foreach (var t in spec.FindByName(essential))
            if (t.Id >= first && t.Id < end) ids.Add(t.Id);
        foreach (uint id in FlavoredNames.GetValue(spec, ListFlavored))
        {
            if (id < first || id >= end) continue;
            var name = spec[id].NameBytes;
            if (name.StartsWith(essential) && CoreNames.EssentialLength(name) == essential.Length) ids.Add(id);
        }
        ids.Sort();
        foreach (uint id in ids)
            if (CoreNames.KindsCompatible(spec[id], local)) into.Add(new CoreCandidate(Btf, id, btfName));
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<BtfSpec, uint[]> FlavoredNames = new();

    /// <summary>IDs of the spec's own types whose names carry a flavor suffix.</summary>
    private static uint[] ListFlavored(BtfSpec spec)
    {
        var ids = new List<uint>();
        for (uint id = spec.FirstTypeId; id < spec.TypeCount; id++)
        {
            var name = spec[id].NameBytes;
            if (name.Length > 4 && CoreNames.EssentialLength(name) < name.Length) ids.Add(id);
        }
        return [.. ids];
    }
}
