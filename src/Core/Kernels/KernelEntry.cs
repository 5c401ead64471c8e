using System.Globalization;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Containers;

namespace BtfNotebooks.Kernels;

/// <summary>Where a catalog entry's release, architecture and flavour came from.</summary>
public enum KernelMetadataSource
{
    /// <summary>A row of the folder's MANIFEST.tsv.</summary>
    Manifest,
    /// <summary>BTFHub's DISTRO/VERSION/ARCH/RELEASE.btf.tar.xz path.</summary>
    BtfHubPath,
    /// <summary>The words of the file name.</summary>
    FileName,
}

/// <summary>
/// One kernel BTF file of a <see cref="KernelCatalog"/>: its name and what is known about it without reading it
/// (release, architecture, flavour, whether it is a module's split BTF), and its <see cref="Spec"/>, parsed on first
/// use, once, however many threads ask. Listing a folder of dozens of 1 MB .btf.xz files therefore costs a
/// directory walk, not seconds of decompression.
/// </summary>
public sealed class KernelEntry
{
    private readonly Lazy<BtfSpec> _spec;
    private readonly Lazy<string?> _inferredArch;

    internal KernelEntry(string name, string path, string? release, string? arch, string? flavour, string? module,
        KernelEntry? baseEntry, KernelMetadataSource source, BtfBlobCache? cache)
    {
        Name = name;
        Path = path;
        // A module's BTF belongs to its vmlinux's kernel: what the module's own row or name leaves open, the base says.
        Release = release ?? baseEntry?.Release;
        Version = KernelVersion.TryParse(Release, out var version) ? version : null;
        DeclaredArch = arch ?? baseEntry?.DeclaredArch;
        Flavour = flavour ?? baseEntry?.Flavour;
        Module = module;
        Base = baseEntry;
        MetadataSource = source;
        FileSize = new FileInfo(path).Length;
        _spec = new Lazy<BtfSpec>(() => BtfSpec.Load(Path, Base?.Spec, cache), LazyThreadSafetyMode.ExecutionAndPublication);
        _inferredArch = new Lazy<string?>(() => KernelArch.Infer(Spec), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Unique in its catalog (compared ignoring case).</summary>
    public string Name { get; }

    /// <summary>Full path of the file.</summary>
    public string Path { get; }

    /// <summary>The kernel release ("6.1.0-56-amd64", "6.12.117+deb12-amd64", "6.18"), or null when nothing names it.</summary>
    public string? Release { get; }

    /// <summary><see cref="Release"/> parsed for ordering; null when there is no release or it is not one.</summary>
    public KernelVersion? Version { get; }

    /// <summary>The architecture the manifest, BTFHub path or file name gives, without reading the BTF.</summary>
    public string? DeclaredArch { get; }

    /// <summary>
    /// <see cref="DeclaredArch"/>, else, once the BTF is loaded, what <see cref="KernelArch.Infer"/> reads from it;
    /// null before that. Never loads the file itself (<see cref="InferredArch"/> does).
    /// </summary>
    public string? Arch => DeclaredArch ?? (IsLoaded ? _inferredArch.Value : null);

    /// <summary>The architecture the BTF itself describes (loads it): a check on <see cref="DeclaredArch"/>.</summary>
    public string? InferredArch => _inferredArch.Value;

    /// <summary>"generic", "cloud", "rt", "686-pae", "aws"..., or null when unknown.</summary>
    public string? Flavour { get; }

    /// <summary>The module whose BTF this is ("ext4"), null for a vmlinux.</summary>
    public string? Module { get; }

    /// <summary>The vmlinux this split BTF continues; its <see cref="Spec"/> is loaded on top of the base's.</summary>
    public KernelEntry? Base { get; }

    public bool IsSplit => Base is not null;

    public string? BaseName => Base?.Name;

    public KernelMetadataSource MetadataSource { get; }

    /// <summary>Bytes of the file on disk (compressed or not).</summary>
    public long FileSize { get; }

    /// <summary>True once <see cref="Spec"/> has been parsed.</summary>
    public bool IsLoaded => _spec.IsValueCreated;

    /// <summary>
    /// The parsed BTF (a split file's sees its base's types). Parsed on first access; a file that fails to parse
    /// fails the same way on every later access.
    /// </summary>
    public BtfSpec Spec => _spec.Value;

    /// <summary>Types this file defines (a module's own, not its base's); null until loaded.</summary>
    public int? TypeCount => IsLoaded ? _spec.Value.LocalTypeCount : null;

    /// <summary>Bytes of raw BTF (after decompression); null until loaded.</summary>
    public int? RawSize => IsLoaded ? _spec.Value.RawSize : null;

    /// <summary>Memory the parsed spec holds (blob, offsets, name index; not the base's); null until loaded.</summary>
    public long? RetainedBytes => IsLoaded ? _spec.Value.RetainedBytes : null;

    /// <summary>"debian-6.1.0-56-amd64: 6.1.0-56-amd64 amd64 generic, 1,046,680 bytes, 100,750 types (4,359,789 bytes of BTF)".</summary>
    public override string ToString()
    {
        var facts = new List<string>();
        if (Release is not null) facts.Add(Release);
        if (Arch is not null) facts.Add(Arch);
        if (Flavour is not null) facts.Add(Flavour);
        if (Module is not null) facts.Add($"module {Module} on {BaseName}");
        string size = FileSize.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
        string loaded = IsLoaded
            ? $", {TypeCount!.Value.ToString("N0", CultureInfo.InvariantCulture)} types ({RawSize!.Value.ToString("N0", CultureInfo.InvariantCulture)} bytes of BTF)"
            : ", not loaded";
        return $"{Name}: {(facts.Count == 0 ? "" : string.Join(' ', facts) + ", ")}{size}{loaded}";
    }
}
