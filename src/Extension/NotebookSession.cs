using System.Runtime.CompilerServices;
using BtfNotebooks.Kernels;

namespace BtfNotebooks.Extension;

/// <summary>
/// What a notebook has loaded: kernels (a <see cref="KernelCatalog"/>) and programs by name. One per root kernel, so
/// two notebooks in one process do not see each other's programs.
/// </summary>
public sealed class NotebookSession
{
    private static readonly ConditionalWeakTable<Microsoft.DotNet.Interactive.Kernel, NotebookSession> Sessions = new();
    private readonly Dictionary<string, NotebookProgram> _programs = new(StringComparer.Ordinal);

    /// <summary>Loaded kernels; decompressed blobs are cached as the CLI caches them (BTFNB_CACHE=off disables it).</summary>
    public KernelCatalog Kernels { get; private set; } = new(Btf.Containers.BtfBlobCache.FromEnvironment());

    public IReadOnlyDictionary<string, NotebookProgram> Programs => _programs;

    /// <summary>The session of the notebook whose root kernel is <paramref name="root"/>.</summary>
    public static NotebookSession Of(Microsoft.DotNet.Interactive.Kernel root) => Sessions.GetValue(root.RootKernel, _ => new NotebookSession());

    /// <summary>The session of the notebook running the current cell: what a C# cell uses to reach loaded kernels and programs.</summary>
    public static NotebookSession Current =>
        Microsoft.DotNet.Interactive.KernelInvocationContext.Current?.HandlingKernel is { } kernel ? Of(kernel)
            : throw new InvalidOperationException("NotebookSession.Current is only available while a notebook cell runs");

    public NotebookProgram Program(string name) =>
        _programs.TryGetValue(name, out var program) ? program
            : throw new NotebookException(_programs.Count == 0
                ? $"no program named '{name}': none is loaded yet (write a #!bpf cell or use #!bpf-load-elf)"
                : $"no program named '{name}'; loaded: {string.Join(", ", _programs.Keys.Order(StringComparer.Ordinal))}");

    internal void Keep(NotebookProgram program) => _programs[program.Name] = program;

    /// <summary>
    /// Adds one kernel file and parses it. Loading the same file under the same name again returns the entry already
    /// there, so re-running a cell is harmless; another file under a taken name is an error. A file that does not
    /// parse is not kept, so the notebook is as it was and the fixed file can be loaded again.
    /// </summary>
    public KernelEntry LoadKernel(string path, string? name = null, string? baseName = null)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (Kernels.FirstOrDefault(e => e.Path == full && (name is null || string.Equals(e.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))) is { } existing)
            return existing;
        var entry = Kernels.Add(path, name, baseName);
        try
        {
            _ = entry.Spec;
        }
        catch
        {
            Forget(entry);
            throw;
        }
        return entry;
    }

    /// <summary>
    /// Drops an entry. A <see cref="KernelCatalog"/> cannot remove one, so the catalog is rebuilt from the other
    /// entries' files, names and bases (bases first); they parse again, from the blob cache, on first use.
    /// </summary>
    private void Forget(KernelEntry dropped)
    {
        var rebuilt = new KernelCatalog(Kernels.Cache);
        foreach (var e in Kernels.Where(e => !e.IsSplit).Concat(Kernels.Where(e => e.IsSplit)))
            if (!ReferenceEquals(e, dropped)) rebuilt.Add(e.Path, e.Name, e.BaseName);
        Kernels = rebuilt;
    }

    /// <summary>
    /// Adds every kernel of a folder (names from MANIFEST.tsv, BTFHub's distro/version/arch layout or file names;
    /// module BTF on its base). Kernels already loaded from the same files are kept as they are.
    /// </summary>
    public IReadOnlyList<KernelEntry> LoadFolder(string folder)
        => Kernels.AddFolder(folder);

    /// <summary>The one loaded kernel, when a command leaves <paramref name="parameter"/> out.</summary>
    public KernelEntry OnlyKernel(string parameter)
    {
        var entries = Kernels;
        return entries.Count switch
        {
            1 => entries[0],
            0 => throw new NotebookException($"no kernel is loaded: use #!btf-load PATH first, or give {parameter}"),
            _ => throw new NotebookException($"{entries.Count} kernels are loaded; choose one with {parameter} ({string.Join(", ", entries.Select(e => e.Name))})"),
        };
    }

    /// <summary>Kernels named in a list parameter, or all loaded ones (vmlinux, not modules) when it is empty.</summary>
    public IReadOnlyList<KernelEntry> KernelsOrAll(IReadOnlyList<string> names, string parameter)
    {
        if (names.Count > 0) return [.. names.Select(Kernels.Get)];
        var all = Kernels.Where(e => !e.IsSplit).ToList();
        return all.Count > 0 ? all : throw new NotebookException($"no kernel is loaded: use #!btf-load first, or name kernels with {parameter}");
    }

    private string[]? _typeNames;
    private int _typeNamesFrom = -1;

    /// <summary>Struct, union and enum names for completions, from the first loaded vmlinux (computed once per kernel set).</summary>
    internal IEnumerable<string> TypeNameCompletions()
    {
        var first = Kernels.FirstOrDefault(e => !e.IsSplit);
        if (first is null) return [];
        if (_typeNames is null || _typeNamesFrom != Kernels.Count)
        {
            var spec = first.Spec;
            _typeNames = [.. spec.LocalTypes.Where(t => t.Kind is Btf.BtfKind.Struct or Btf.BtfKind.Union && t.Name.Length > 0)
                .Select(t => t.Name).Distinct().Order(StringComparer.Ordinal)];
            _typeNamesFrom = Kernels.Count;
        }
        return _typeNames;
    }
}

/// <summary>A mistake in a magic command or cell that the user can fix; the message says what and where.</summary>
public sealed class NotebookException(string message) : Exception(message);
