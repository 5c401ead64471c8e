using System.Text.RegularExpressions;
using BtfNotebooks.CoRe.Matrix;

namespace BtfNotebooks.Kernels;

/// <summary>What a kernel's file name or path says about it, when no manifest does.</summary>
internal readonly record struct KernelFileFacts(string Name, string? Release, string? Arch, string? Flavour, KernelMetadataSource Source);

/// <summary>
/// Reading kernel facts out of names: BTFHub's <c>DISTRO/VERSION/ARCH/RELEASE.btf.tar.xz</c> layout, release strings
/// inside file names ("debian-6.1.0-56-amd64", "local-6.18-amd64"), Debian/Ubuntu flavours, and which files are BTF.
/// </summary>
internal static partial class KernelFileNames
{
    private static readonly string[] ContainerSuffixes = [".xz", ".gz", ".zst", ".lz4", ".bz2", ".tar"];

    /// <summary>
    /// True for "*.btf" and "*.btf" followed by compression/archive suffixes (".btf.xz", ".btf.tar.xz"); not for
    /// MANIFEST.tsv, checksums or other files that sit in kernel folders.
    /// </summary>
    public static bool IsBtfFile(string path)
    {
        string name = Path.GetFileName(path);
        bool stripped;
        do
        {
            stripped = false;
            foreach (var suffix in ContainerSuffixes)
                if (name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) { name = name[..^suffix.Length]; stripped = true; }
        } while (stripped);
        return name.Length > 4 && name.EndsWith(".btf", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Facts from the path: BTFHub's layout (the last three folders are distro, version and an architecture, the file
    /// a release) names the kernel "DISTRO-VERSION-ARCH-RELEASE"; anything else is named after its file
    /// (<see cref="CoreMatrixTargetFile.NameOf"/>) with the release found inside that name.
    /// </summary>
    public static KernelFileFacts FromPath(string path)
    {
        string stem = CoreMatrixTargetFile.NameOf(path);
        if (BtfHub(path, stem) is { } hub) return hub;
        string? release = ReleaseInName(stem);
        return new KernelFileFacts(stem, release, KernelArch.FromName(stem), release is null ? null : FlavourOf(release), KernelMetadataSource.FileName);
    }

    private static KernelFileFacts? BtfHub(string path, string stem)
    {
        var full = Path.GetFullPath(path);
        string? archDir = Path.GetDirectoryName(full);
        string? versionDir = archDir is null ? null : Path.GetDirectoryName(archDir);
        string? distroDir = versionDir is null ? null : Path.GetDirectoryName(versionDir);
        if (distroDir is null) return null;
        string arch = Path.GetFileName(archDir!), version = Path.GetFileName(versionDir!), distro = Path.GetFileName(distroDir);
        if (KernelArch.Normalize(arch) is not { } normalized || distro.Length == 0 || version.Length == 0) return null;
        if (!KernelVersion.TryParse(stem, out _)) return null;
        return new KernelFileFacts($"{distro}-{version}-{arch}-{stem}", stem, normalized, FlavourOf(stem), KernelMetadataSource.BtfHubPath);
    }

    /// <summary>
    /// The release inside a file name: from the first "N.N" to the end of the dash-separated words after it
    /// ("generated-debian-6.1.0-50-686-pae.pahole124" gives "6.1.0-50-686-pae"). A trailing architecture word is
    /// part of a Debian/Ubuntu release ("6.1.0-56-amd64", "6.12.117+deb12-amd64") but only a label after a bare
    /// version ("local-6.18-amd64" gives "6.18").
    /// </summary>
    public static string? ReleaseInName(string name)
    {
        var match = ReleasePattern().Match(name);
        if (!match.Success || !KernelVersion.TryParse(match.Value, out var version)) return null;
        string release = match.Value;
        if (version.Abi is null && version.LocalVersion is null)
        {
            var words = release.Split('-').ToList();
            while (words.Count > 1 && KernelArch.IsArchitectureWord(words[^1])) words.RemoveAt(words.Count - 1);
            release = string.Join('-', words);
        }
        return release;
    }

    /// <summary>
    /// The flavour of a Debian/Ubuntu release: the words after the ABI number (or +tag) that are not the
    /// architecture ("cloud" in 6.1.0-56-cloud-amd64, "aws" in 5.4.0-1025-aws, "686-pae", "16k"), "generic" when only
    /// the architecture is left (6.1.0-56-amd64). Null for other shapes (6.18, 3.10.0-1062.el7.x86_64).
    /// </summary>
    public static string? FlavourOf(string release)
    {
        if (!KernelVersion.TryParse(release, out var version) || (version.Abi is null && version.LocalVersion is null)) return null;
        if (version.Suffix is not { } suffix || !FlavourWords().IsMatch(suffix)) return null;
        var words = suffix.Split('-').Where(w => !KernelArch.IsArchitectureWord(w)).ToList();
        return words.Count == 0 ? "generic" : string.Join('-', words);
    }

    /// <summary>
    /// For "BASE.MODULE" (the convention of data/kernels: debian-6.1.0-56-amd64.ext4 on debian-6.1.0-56-amd64), the
    /// BASE and MODULE around the last dot; MODULE is one word with a letter or underscore, so "foo-6.1.5" is never
    /// read as module "5" of "foo-6.1". Whether BASE exists is the caller's question.
    /// </summary>
    public static bool TryModuleSplit(string name, out string baseName, out string module)
    {
        int dot = name.LastIndexOf('.');
        baseName = dot > 0 ? name[..dot] : "";
        module = dot > 0 ? name[(dot + 1)..] : "";
        return dot > 0 && ModuleWord().IsMatch(module);
    }

    [GeneratedRegex(@"(?<![0-9A-Za-z])\d+\.\d+(?:\.\d+)*(?:\+[A-Za-z0-9~]+)?(?:-[A-Za-z0-9_~]+)*")]
    private static partial Regex ReleasePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*$")]
    private static partial Regex FlavourWords();

    [GeneratedRegex(@"^[A-Za-z0-9_-]*[A-Za-z_][A-Za-z0-9_-]*$")]
    private static partial Regex ModuleWord();
}
