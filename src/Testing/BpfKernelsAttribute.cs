using System.Collections;
using System.Collections.Concurrent;
using BtfNotebooks.Btf.Containers;
using BtfNotebooks.Kernels;
using NUnit.Framework;
using NUnit.Framework.Interfaces;

namespace BtfNotebooks.Testing;

/// <summary>
/// Runs a test once per kernel of a folder (every vmlinux BTF in it, in version order), passing its
/// <see cref="KernelEntry"/>: <c>public void Test([BpfKernels("data/kernels")] KernelEntry kernel)</c>. A relative
/// folder is looked up from the test assembly's directory upwards, so a repository's folder is found from bin/.
/// Catalogs are shared by all tests, so each kernel's BTF is read once per test run.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class BpfKernelsAttribute(string folder) : NUnitAttribute, IParameterDataSource
{
    public string Folder { get; } = folder;

    /// <summary>Also pass split module BTF (each on its base).</summary>
    public bool IncludeModules { get; init; }

    /// <summary>
    /// Only kernels of these architectures, comma separated ("amd64,arm64"). The interpreter is a 64-bit
    /// little-endian machine: programs that follow kernel pointers need a kernel of that kind.
    /// </summary>
    public string? Arches { get; init; }

    public IEnumerable GetData(IParameterInfo parameter)
    {
        var kernels = BpfKernels.In(Folder, IncludeModules);
        if (Arches is null) return kernels;
        var wanted = Arches.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return kernels.Where(k => (k.Arch ?? k.InferredArch) is { } arch && wanted.Contains(arch)).ToList();
    }
}

/// <summary>Kernel catalogs for tests: one per folder per test run.</summary>
public static class BpfKernels
{
    private static readonly ConcurrentDictionary<string, KernelCatalog> Catalogs = new(StringComparer.Ordinal);

    /// <summary>The kernels of <paramref name="folder"/> (see <see cref="BpfKernelsAttribute"/>), in version order.</summary>
    public static IReadOnlyList<KernelEntry> In(string folder, bool includeModules = false)
    {
        var catalog = Catalog(folder);
        return [.. catalog.Where(k => includeModules || !k.IsSplit).Order(KernelCatalog.VersionOrder)];
    }

    /// <summary>The catalog of <paramref name="folder"/>, opened once (decompressed blobs cached as btfnb caches them).</summary>
    public static KernelCatalog Catalog(string folder) =>
        Catalogs.GetOrAdd(Locate(folder), path => KernelCatalog.Open(path, BtfBlobCache.FromEnvironment()));

    /// <summary>An absolute path as is; a relative one from the test directory, then each parent, until it exists.</summary>
    public static string Locate(string path)
    {
        if (Path.IsPathRooted(path)) return path;
        string start = TestContext.CurrentContext?.TestDirectory ?? AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, path);
            if (Directory.Exists(candidate) || File.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"'{path}' was not found in {start} or any folder above it");
    }
}
