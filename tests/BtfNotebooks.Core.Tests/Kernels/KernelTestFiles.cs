using BtfNotebooks.Btf;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Kernels;

/// <summary>Temporary kernel folders and tiny hand-made kernel BTF for the catalog and arch tests.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Root = Path.Combine(Path.GetTempPath(), "btfnb-kernels-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>Copies <paramref name="source"/> to ROOT/<paramref name="relative"/> (folders made as needed); returns the new path.</summary>
    public string Copy(string source, string relative)
    {
        var target = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(source, target);
        return target;
    }

    public string Write(string relative, byte[] bytes)
    {
        var target = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.WriteAllBytes(target, bytes);
        return target;
    }

    public string Write(string relative, string text) => Write(relative, System.Text.Encoding.UTF8.GetBytes(text));

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { /* a leftover temp folder is harmless */ }
    }
}

internal static class TinyKernels
{
    /// <summary>The raw BTF fixture inside the BTFHub-style tarball of the container tests.</summary>
    public static string BtfHubTarball => Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "containers", "btfhub-raw.btf.tar.xz");

    public static string TinyRaw => Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "containers", "tiny.btf");

    /// <summary>
    /// A minimal "kernel": a C long of <paramref name="longSize"/> bytes and a struct pt_regs with the given members
    /// (each an unsigned long), plus <c>struct user_pt_regs</c> when <paramref name="userRegs"/> are given.
    /// </summary>
    public static byte[] WithPtRegs(int longSize, bool bigEndian, string[] regs, string[]? userRegs = null)
    {
        var b = new BtfBuilder();
        uint ulong_ = b.Int("long unsigned int", (uint)longSize);
        b.Int("long int", (uint)longSize, BtfIntEncoding.Signed);
        if (regs.Length > 0)
            b.Struct("pt_regs", (uint)(regs.Length * longSize), [.. regs.Select((r, i) => (r, ulong_, (uint)(i * longSize * 8), 0u))]);
        if (userRegs is not null)
            b.Struct("user_pt_regs", (uint)(userRegs.Length * longSize), [.. userRegs.Select((r, i) => (r, ulong_, (uint)(i * longSize * 8), 0u))]);
        return b.ToArray(bigEndian);
    }
}
