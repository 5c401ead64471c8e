using System.Diagnostics;
using NUnit.Framework;

namespace BtfNotebooks.Tests;

/// <summary>Runs reference tools (bpftool, pahole, clang) that CI installs; tests skip cleanly where one is missing.</summary>
public static class ExternalTool
{
    public static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin", "/usr/bin"]))
        {
            var p = Path.Combine(dir, name);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    /// <summary>The tool's path, or Assert.Ignore when it is not installed.</summary>
    public static string Require(string name) =>
        Find(name) ?? throw new IgnoreException($"{name} is not installed (CI installs it)");

    public static (int Exit, byte[] Stdout, string Stderr) Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        using var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        return (p.ExitCode, ms.ToArray(), stderr.Result);
    }

    /// <summary>A temporary file holding <paramref name="bytes"/>, deleted with the returned handle.</summary>
    public static TempFile Temp(byte[] bytes, string suffix = ".btf")
    {
        var path = Path.Combine(Path.GetTempPath(), $"btfnb-{Guid.NewGuid():N}{suffix}");
        File.WriteAllBytes(path, bytes);
        return new TempFile(path);
    }

    public sealed class TempFile(string path) : IDisposable
    {
        public string Path { get; } = path;
        public void Dispose() { try { File.Delete(Path); } catch (IOException) { } }
    }
}
