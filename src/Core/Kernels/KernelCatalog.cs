using System.Collections;
using System.Diagnostics.CodeAnalysis;
using BtfNotebooks.Btf.Containers;

namespace BtfNotebooks.Kernels;

/// <summary>
/// The kernel BTF files of a folder (searched recursively) or added one by one, by name and in version order.
/// Listing reads no BTF: each <see cref="KernelEntry"/> parses its file on first use, so a notebook can open a
/// folder of many kernels and pay only for the ones it touches. What an entry is (release, architecture, flavour,
/// split module and base) comes from the folder's MANIFEST.tsv when it describes the file, else from BTFHub's
/// <c>DISTRO/VERSION/ARCH/RELEASE.btf.tar.xz</c> layout, else from the file name. Thread-safe.
/// </summary>
public sealed class KernelCatalog : IReadOnlyList<KernelEntry>
{
    private readonly object _gate = new();
    private readonly Dictionary<string, KernelEntry> _byName = new(StringComparer.OrdinalIgnoreCase);
    private volatile KernelEntry[] _ordered = [];

    /// <summary>An empty catalog; fill it with <see cref="Add"/>. Entries extract their BTF through <paramref name="cache"/> when given.</summary>
    public KernelCatalog(BtfBlobCache? cache = null) => Cache = cache;

    /// <summary>The folder <see cref="Open"/> read, or null for a catalog built with <see cref="Add"/> only.</summary>
    public string? Folder { get; private init; }

    public BtfBlobCache? Cache { get; }

    /// <summary>
    /// Every BTF file under <paramref name="folder"/> ("*.btf", "*.btf.xz", "*.btf.tar.xz"...; not MANIFEST.tsv or
    /// other files). Split module BTF gets its base from the manifest ("split; base=FILE" in the format column) or,
    /// for files the manifest does not describe, from the name: "KREL.MODULE.btf.xz" on "KREL.btf.xz" in the same
    /// folder.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="KernelCatalogException">Two files would get one name, a split file's base is missing, or a manifest is malformed.</exception>
    public static KernelCatalog Open(string folder, BtfBlobCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (File.Exists(folder)) throw new DirectoryNotFoundException($"'{folder}' is a file, not a kernel folder; add single files with Add");
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"kernel folder '{folder}' does not exist");
        string root = Path.GetFullPath(folder);
        var catalog = new KernelCatalog(cache) { Folder = root };

        var manifests = new Dictionary<string, KernelManifest?>(StringComparer.Ordinal);
        var plans = Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true })
            .Where(KernelFileNames.IsBtfFile)
            .Order(StringComparer.Ordinal)
            .Select(path => Plan.For(path, manifests))
            .ToList();

        var byName = new Dictionary<string, Plan>(StringComparer.OrdinalIgnoreCase);
        foreach (var plan in plans)
        {
            if (byName.TryGetValue(plan.Name, out var other))
                throw new KernelCatalogException($"two kernels in {root} would be named '{plan.Name}': {other.Path} and {plan.Path}; rename one, or build the catalog with Add(path, name)");
            byName[plan.Name] = plan;
        }
        var byPath = plans.ToDictionary(p => p.Path, StringComparer.Ordinal);

        foreach (var plan in plans)
        {
            if (plan.BaseFile is { } baseFile)
            {
                if (!byPath.TryGetValue(baseFile, out var basePlan))
                    throw new KernelCatalogException($"{plan.Path} is split BTF on {baseFile} ({plan.BaseReason}), which is not in {root}; a module's BTF cannot be read without its vmlinux");
                plan.BasePlan = basePlan;
            }
            else if (plan.Source != KernelMetadataSource.Manifest
                && KernelFileNames.TryModuleSplit(plan.Name, out var baseName, out var module)
                && byName.TryGetValue(baseName, out var conventional)
                && string.Equals(Path.GetDirectoryName(conventional.Path), Path.GetDirectoryName(plan.Path), StringComparison.Ordinal))
            {
                plan.BasePlan = conventional;
                plan.Module = module;
                plan.InheritFrom(conventional);
            }
        }

        var built = new Dictionary<Plan, KernelEntry>();
        var entries = plans.Select(plan => Build(plan, built, [], cache)).ToList();
        entries.Sort(VersionOrder);
        foreach (var entry in entries) catalog._byName.Add(entry.Name, entry);
        catalog._ordered = [.. entries];
        return catalog;
    }

    private static KernelEntry Build(Plan plan, Dictionary<Plan, KernelEntry> built, HashSet<Plan> visiting, BtfBlobCache? cache)
    {
        if (built.TryGetValue(plan, out var done)) return done;
        if (!visiting.Add(plan))
            throw new KernelCatalogException($"{plan.Path}: its split-BTF base chain leads back to itself ({string.Join(" -> ", visiting.Select(p => p.Name))} -> {plan.Name})");
        var baseEntry = plan.BasePlan is { } b ? Build(b, built, visiting, cache) : null;
        var entry = new KernelEntry(plan.Name, plan.Path, plan.Release, plan.Arch, plan.Flavour, plan.Module, baseEntry, plan.Source, cache);
        visiting.Remove(plan);
        return built[plan] = entry;
    }

    /// <summary>
    /// Adds every kernel of <paramref name="folder"/>, named and described as <see cref="Open"/> finds them (one
    /// read of the folder and its manifests). A file the catalog already has is kept as it is and returned.
    /// </summary>
    /// <returns>The folder's kernels as entries of this catalog, bases before the split files on them.</returns>
    /// <exception cref="KernelCatalogException">A kernel of the folder would take a name the catalog already gives another file, or what <see cref="Open"/> refuses.</exception>
    public IReadOnlyList<KernelEntry> AddFolder(string folder)
    {
        var found = Open(folder, Cache);
        var result = new List<KernelEntry>();
        lock (_gate)
        {
            var byPath = _ordered.ToDictionary(e => e.Path, StringComparer.Ordinal);
            var basesFirst = found.Where(e => !e.IsSplit).Concat(found.Where(e => e.IsSplit)).ToList();
            // All or nothing: a name clash leaves the catalog as it was.
            foreach (var entry in basesFirst)
            {
                if (!byPath.ContainsKey(entry.Path) && _byName.TryGetValue(entry.Name, out var taken))
                    throw new KernelCatalogException($"the catalog already has a kernel named '{taken.Name}' ({taken.Path}); {entry.Path} of {found.Folder} would take it too");
            }
            foreach (var entry in basesFirst)
            {
                if (byPath.TryGetValue(entry.Path, out var existing)) { result.Add(existing); continue; }
                var adopted = new KernelEntry(entry.Name, entry.Path, entry.Release, entry.DeclaredArch, entry.Flavour, entry.Module,
                    entry.Base is { } b ? byPath[b.Path] : null, entry.MetadataSource, Cache);
                Insert(adopted);
                byPath[adopted.Path] = adopted;
                result.Add(adopted);
            }
        }
        return result;
    }

    /// <summary>
    /// Adds one file. <paramref name="name"/> overrides the name from the file; <paramref name="baseName"/> names the
    /// catalog entry this split BTF continues. Without it the base comes from a MANIFEST.tsv next to the file, or the
    /// "KREL.MODULE" naming convention when the catalog already has "KREL" from the same folder.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="KernelCatalogException">The name is taken, or the base is unknown or missing.</exception>
    public KernelEntry Add(string path, string? name = null, string? baseName = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"kernel BTF file '{path}' does not exist", path);
        if (name is not null && name.Trim().Length == 0) throw new ArgumentException("a kernel name cannot be empty", nameof(name));
        var plan = Plan.For(Path.GetFullPath(path), new Dictionary<string, KernelManifest?>(StringComparer.Ordinal));
        string entryName = name?.Trim() ?? plan.Name;

        lock (_gate)
        {
            if (_byName.TryGetValue(entryName, out var taken))
                throw new KernelCatalogException($"the catalog already has a kernel named '{taken.Name}' ({taken.Path}); pass another name for {plan.Path}");

            KernelEntry? baseEntry = null;
            if (baseName is not null)
            {
                baseEntry = Find(baseName) ?? throw Unknown(baseName, $"the base of {plan.Path}");
                if (plan.Module is null && KernelFileNames.TryModuleSplit(plan.Name, out var b, out var m) && b.Equals(baseEntry.Name, StringComparison.OrdinalIgnoreCase))
                    plan.Module = m;
            }
            else if (plan.BaseFile is { } baseFile)
            {
                baseEntry = _ordered.FirstOrDefault(e => string.Equals(e.Path, baseFile, StringComparison.Ordinal))
                    ?? throw new KernelCatalogException($"{plan.Path} is split BTF on {baseFile} ({plan.BaseReason}), which is not in the catalog; add that file first or pass baseName");
            }
            else if (plan.Source != KernelMetadataSource.Manifest
                && KernelFileNames.TryModuleSplit(plan.Name, out var conventionalBase, out var module)
                && Find(conventionalBase) is { } candidate
                && string.Equals(Path.GetDirectoryName(candidate.Path), Path.GetDirectoryName(plan.Path), StringComparison.Ordinal))
            {
                baseEntry = candidate;
                plan.Module = module;
                if (plan.Source == KernelMetadataSource.FileName)
                {
                    plan.Release = candidate.Release;
                    plan.Arch = candidate.DeclaredArch;
                    plan.Flavour = candidate.Flavour;
                }
            }

            var entry = new KernelEntry(entryName, plan.Path, plan.Release, plan.Arch, plan.Flavour, plan.Module, baseEntry, plan.Source, Cache);
            Insert(entry);
            return entry;
        }
    }

    private void Insert(KernelEntry entry)
    {
        lock (_gate)
        {
            _byName.Add(entry.Name, entry);
            var list = new List<KernelEntry>(_ordered);
            int at = list.BinarySearch(entry, VersionOrder);
            list.Insert(at < 0 ? ~at : at, entry);
            _ordered = [.. list];
        }
    }

    /// <summary>
    /// Version order: by <see cref="KernelEntry.Version"/> (entries without one last), then declared architecture,
    /// flavour, vmlinux before its modules, then name. A total order, so sorting is stable and repeatable.
    /// </summary>
    public static IComparer<KernelEntry> VersionOrder { get; } = Comparer<KernelEntry>.Create(CompareEntries);

    private static int CompareEntries(KernelEntry? a, KernelEntry? b)
    {
        if (ReferenceEquals(a, b)) return 0;
        if (a is null) return -1;
        if (b is null) return 1;
        int c = (a.Version, b.Version) switch
        {
            (null, null) => 0,
            (null, _) => 1,
            (_, null) => -1,
            var (x, y) => x.CompareTo(y),
        };
        if (c != 0) return c;
        c = NullsLast(a.DeclaredArch, b.DeclaredArch);
        if (c != 0) return c;
        c = NullsLast(a.Flavour, b.Flavour);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Module, b.Module); // null (vmlinux) first
        if (c != 0) return c;
        c = string.Compare(a.Name, b.Name, StringComparison.OrdinalIgnoreCase);
        return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
    }

    private static int NullsLast(string? a, string? b) => (a, b) switch
    {
        (null, null) => 0,
        (null, _) => 1,
        (_, null) => -1,
        _ => string.CompareOrdinal(a, b),
    };

    /// <summary>The entries in <see cref="VersionOrder"/>.</summary>
    public IReadOnlyList<KernelEntry> Entries => Array.AsReadOnly(_ordered);

    /// <summary>The names, in <see cref="VersionOrder"/>.</summary>
    public IReadOnlyList<string> Names => [.. _ordered.Select(e => e.Name)];

    public int Count => _ordered.Length;

    /// <summary>The entry at <paramref name="index"/> in <see cref="VersionOrder"/>.</summary>
    public KernelEntry this[int index] => _ordered[index];

    /// <summary>The kernel named <paramref name="name"/> (ignoring case); see <see cref="Get"/>.</summary>
    public KernelEntry this[string name] => Get(name);

    /// <summary>The kernel named <paramref name="name"/> (ignoring case).</summary>
    /// <exception cref="KernelCatalogException">No such kernel; the message suggests close names and lists all.</exception>
    public KernelEntry Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Find(name) ?? throw Unknown(name, null);
    }

    public bool TryGet(string name, [NotNullWhen(true)] out KernelEntry? entry)
    {
        ArgumentNullException.ThrowIfNull(name);
        entry = Find(name);
        return entry is not null;
    }

    public bool Contains(string name) => TryGet(name, out _);

    private KernelEntry? Find(string name)
    {
        lock (_gate) return _byName.TryGetValue(name.Trim(), out var entry) ? entry : null;
    }

    private KernelCatalogException Unknown(string name, string? role)
    {
        var names = Names;
        string where = Folder is null ? "the catalog" : $"the catalog of {Folder}";
        string known = names.Count == 0 ? " It is empty." : $" Known kernels ({names.Count}): {string.Join(", ", names)}.";
        string suggestion = NameSuggestions.DidYouMean(name, names);
        return new KernelCatalogException($"no kernel named '{name}'{(role is null ? "" : $" ({role})")} in {where}{(suggestion.Length == 0 ? "." : suggestion)}{known}");
    }

    public IEnumerator<KernelEntry> GetEnumerator() => ((IEnumerable<KernelEntry>)_ordered).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>What the catalog will make of one file before any entry exists (so Open can check names and bases first).</summary>
    private sealed class Plan
    {
        public required string Path { get; init; }
        public required string Name { get; init; }
        public required KernelMetadataSource Source { get; init; }
        public string? Release { get; set; }
        public string? Arch { get; set; }
        public string? Flavour { get; set; }
        public string? Module { get; set; }
        /// <summary>Full path of the base file the manifest names.</summary>
        public string? BaseFile { get; init; }
        public string? BaseReason { get; init; }
        public Plan? BasePlan { get; set; }

        public static Plan For(string path, Dictionary<string, KernelManifest?> manifests)
        {
            var facts = KernelFileNames.FromPath(path);
            string directory = System.IO.Path.GetDirectoryName(path)!;
            if (!manifests.TryGetValue(directory, out var manifest))
                manifests[directory] = manifest = KernelManifest.TryRead(directory);
            if (manifest?.Row(System.IO.Path.GetFileName(path)) is not { } row)
                return new Plan { Path = path, Name = facts.Name, Source = facts.Source, Release = facts.Release, Arch = facts.Arch, Flavour = facts.Flavour };
            return new Plan
            {
                Path = path,
                Name = facts.Name,
                Source = KernelMetadataSource.Manifest,
                Release = row.Release ?? facts.Release,
                Arch = KernelArch.Normalize(row.Arch) ?? row.Arch ?? facts.Arch,
                Flavour = row.Flavour ?? facts.Flavour,
                Module = row.Module,
                BaseFile = row.BaseFile is null ? null : System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, row.BaseFile)),
                BaseReason = row.BaseFile is null ? null : $"{manifest.Path}, line {row.Line}",
            };
        }

        /// <summary>A module named after its base's file knows only what that base's name says.</summary>
        public void InheritFrom(Plan basePlan)
        {
            if (Source != KernelMetadataSource.FileName) return;
            Release = basePlan.Release;
            Arch = basePlan.Arch;
            Flavour = basePlan.Flavour;
        }
    }
}
