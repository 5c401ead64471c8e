using System.Security.Cryptography;
using BtfNotebooks.Btf.Containers;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Containers;

/// <summary>Real kernel BTF from ../shared/kernels next to the repository, when that folder exists.</summary>
public class RealKernelTests
{
    private static string KernelsDirectory()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (!System.IO.File.Exists(Path.Combine(dir.FullName, "BtfNotebooks.sln"))) continue;
            var kernels = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "kernels"));
            if (Directory.Exists(kernels)) return kernels;
            break;
        }
        Assert.Ignore("../shared/kernels (real kernel BTF) is not next to the repository");
        return "";
    }

    /// <summary>sha256 of the raw blob, from MANIFEST.tsv.</summary>
    private static string? ManifestSha256(string kernels, string file)
    {
        var manifest = Path.Combine(kernels, "MANIFEST.tsv");
        if (!System.IO.File.Exists(manifest)) return null;
        var lines = System.IO.File.ReadAllLines(manifest);
        var column = Array.IndexOf(lines[0].Split('\t'), "sha256_raw");
        return lines.Skip(1).Select(l => l.Split('\t')).FirstOrDefault(f => f[0] == file && column >= 0 && column < f.Length)?[column];
    }

    [TestCase("debian-6.1.0-56-amd64.nf_conntrack.btf.xz", new byte[] { 0x9F, 0xEB, 0x01 })]
    [TestCase("debian-6.1.0-56-amd64.btf.xz", new byte[] { 0x9F, 0xEB, 0x01 })]
    [TestCase("generated-debian-6.1.0-50-s390x.pahole124.btf.xz", new byte[] { 0xEB, 0x9F, 0x01 })]
    public void XzBlobFromSharedKernels(string file, byte[] magic)
    {
        var path = Path.Combine(KernelsDirectory(), file);
        if (!System.IO.File.Exists(path)) Assert.Ignore($"{file} is not there");
        var blob = BtfContainer.ExtractFile(path);
        Assert.That(blob.Span[..3].ToArray(), Is.EqualTo(magic));
        Assert.That(blob.Origin, Is.EqualTo("xz > raw BTF"));
        if (ManifestSha256(Path.GetDirectoryName(path)!, file) is { } sha)
            Assert.That(Convert.ToHexStringLower(SHA256.HashData(blob.Span)), Is.EqualTo(sha));
    }
}
