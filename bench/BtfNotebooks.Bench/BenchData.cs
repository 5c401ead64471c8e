using BtfNotebooks.Btf.Containers;

namespace BtfNotebooks.Bench;

/// <summary>Finds the shipped kernels (data/kernels) and decompresses one to a raw file once.</summary>
public static class BenchData
{
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BtfNotebooks.sln"))) return dir.FullName;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BtfNotebooks.sln"))) return dir.FullName;
        throw new InvalidOperationException("run from inside the repository");
    }

    public static string KernelXz(string name) => Path.Combine(RepoRoot(), "data", "kernels", name + ".btf.xz");

    /// <summary>The raw local-6.18 blob (5.5 MB), written to the temp folder for the C harness.</summary>
    public static string LocalRawPath()
    {
        var path = Path.Combine(Path.GetTempPath(), "btfnb-bench-local-6.18-amd64.btf");
        if (!File.Exists(path)) File.WriteAllBytes(path, ExtractRaw(KernelXz("local-6.18-amd64")));
        return path;
    }

    public static byte[] ExtractRaw(string path) => BtfContainer.ExtractFile(path).Span.ToArray();
}
