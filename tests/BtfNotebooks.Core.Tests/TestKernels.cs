using System.Collections.Concurrent;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Containers;

namespace BtfNotebooks.Tests;

/// <summary>Kernel BTF shipped in data/kernels (always there) and, when present, the larger set in ../shared/kernels.</summary>
public static class TestKernels
{
    public const string Local618 = "local-6.18-amd64";
    public const string Debian61 = "debian-6.1.0-56-amd64";
    public const string Debian612 = "debian-6.12.117+deb12-amd64";
    public const string Debian612Arm = "debian-6.12.117+deb12-arm64";
    public const string S390 = "generated-debian-6.1.0-50-s390x.pahole124";
    public const string I386 = "generated-debian-6.1.0-50-686-pae.pahole124";
    public const string NfConntrack61 = "debian-6.1.0-56-amd64.nf_conntrack";
    public const string Ext4_61 = "debian-6.1.0-56-amd64.ext4";

    private static readonly ConcurrentDictionary<string, byte[]> Raw = new();
    private static readonly ConcurrentDictionary<string, BtfSpec> Specs = new();

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string DataDir => Path.Combine(RepoRoot, "data", "kernels");

    /// <summary>../shared/kernels next to the repo, or null when this checkout has none.</summary>
    public static string? SharedDir
    {
        get
        {
            var dir = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "kernels"));
            return Directory.Exists(dir) ? dir : null;
        }
    }

    public static string PathOf(string name) => Path.Combine(DataDir, name + ".btf.xz");

    /// <summary>The decompressed raw blob of a shipped kernel.</summary>
    public static byte[] RawBlob(string name) => Raw.GetOrAdd(name, n => ExtractRaw(PathOf(n)));

    /// <summary>The raw BTF inside a file of any supported form, through the library's own container code.</summary>
    public static byte[] ExtractRaw(string path) => BtfContainer.ExtractFile(path).Span.ToArray();

    /// <summary>A shipped kernel, parsed once per test run. Module names load on top of their vmlinux.</summary>
    public static BtfSpec Spec(string name) => Specs.GetOrAdd(name, n =>
    {
        BtfSpec? baseSpec = BaseOf(n) is { } b ? Spec(b) : null;
        return BtfSpec.Parse(RawBlob(n), baseSpec, n);
    });

    /// <summary>For a module blob "KREL.MODULE", the vmlinux "KREL" it splits from.</summary>
    public static string? BaseOf(string name)
    {
        foreach (var module in new[] { ".nf_conntrack", ".ext4" })
            if (name.EndsWith(module, StringComparison.Ordinal)) return name[..^module.Length];
        return null;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BtfNotebooks.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (BtfNotebooks.sln) above " + AppContext.BaseDirectory);
    }
}
