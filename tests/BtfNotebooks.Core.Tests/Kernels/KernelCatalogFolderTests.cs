using BtfNotebooks.Btf;
using BtfNotebooks.Kernels;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Kernels;

/// <summary>
/// Catalogs of folders without a manifest (facts from the names), in BTFHub's layout, built file by file, and the
/// errors: missing folder, two files with one name, split BTF without its base, malformed manifests.
/// </summary>
public class KernelCatalogFolderTests
{
    [Test]
    public void WithoutAManifestTheFileNamesSayWhatEachKernelIs()
    {
        using var folder = new TempFolder();
        foreach (var name in new[] { TestKernels.Debian61, TestKernels.NfConntrack61, TestKernels.Local618, TestKernels.I386, TestKernels.Debian612Arm })
            folder.Copy(TestKernels.PathOf(name), $"k/{name}.btf.xz");
        folder.Write("k/README.md", "not a kernel");
        folder.Write("k/vmlinux.btf.sha256", "not a kernel either");

        var catalog = KernelCatalog.Open(folder.Root);
        Assert.That(catalog.Select(e => (e.Name, e.Release, e.DeclaredArch, e.Flavour, e.Module, e.BaseName, e.MetadataSource)), Is.EqualTo(new (string, string?, string?, string?, string?, string?, KernelMetadataSource)[]
        {
            (TestKernels.I386, "6.1.0-50-686-pae", "i386", "686-pae", null, null, KernelMetadataSource.FileName),
            (TestKernels.Debian61, "6.1.0-56-amd64", "amd64", "generic", null, null, KernelMetadataSource.FileName),
            (TestKernels.NfConntrack61, "6.1.0-56-amd64", "amd64", "generic", "nf_conntrack", TestKernels.Debian61, KernelMetadataSource.FileName),
            (TestKernels.Debian612Arm, "6.12.117+deb12-arm64", "arm64", "generic", null, null, KernelMetadataSource.FileName),
            (TestKernels.Local618, "6.18", "amd64", null, null, null, KernelMetadataSource.FileName),
        }));
        // the naming convention made the module split: it loads on its base
        var module = catalog[TestKernels.NfConntrack61];
        Assert.That(module.Spec.Base, Is.SameAs(catalog[TestKernels.Debian61].Spec));
        Assert.That(module.TypeCount, Is.EqualTo(634));
    }

    [Test]
    public void ANameWithoutArchitectureGetsItFromTheBtfOnceLoaded()
    {
        using var folder = new TempFolder();
        folder.Copy(TestKernels.PathOf(TestKernels.S390), "mystery/kernel-a.btf.xz");
        folder.Write("mystery/vmlinux.btf", TinyKernels.WithPtRegs(4, false, ["bx", "orig_ax"]));

        var catalog = KernelCatalog.Open(folder.Root);
        var s390 = catalog["kernel-a"];
        var tiny = catalog["vmlinux"];
        Assert.That(new[] { s390.Arch, s390.DeclaredArch, tiny.Arch, tiny.Release }, Has.All.Null, "nothing in the names, nothing loaded");
        Assert.That(s390.Spec.IsBigEndian, Is.True);
        Assert.That(s390.Arch, Is.EqualTo("s390x"));
        Assert.That(s390.DeclaredArch, Is.Null);
        Assert.That(tiny.InferredArch, Is.EqualTo("i386"));
        Assert.That(tiny.Arch, Is.EqualTo("i386"));
        Assert.That(catalog.Names, Is.EqualTo(new[] { "kernel-a", "vmlinux" }), "without versions, by name");
    }

    [Test]
    public void BtfHubLayoutNamesKernelsAfterDistroVersionArchAndRelease()
    {
        using var folder = new TempFolder();
        folder.Copy(TinyKernels.BtfHubTarball, "btfhub-archive/ubuntu/20.04/x86_64/5.4.0-1025-aws.btf.tar.xz");
        folder.Copy(TinyKernels.BtfHubTarball, "btfhub-archive/ubuntu/20.04/x86_64/5.4.0-42-generic.btf.tar.xz");
        folder.Copy(TinyKernels.BtfHubTarball, "btfhub-archive/fedora/32/x86_64/5.6.6-300.fc32.x86_64.btf.tar.xz");
        folder.Copy(TinyKernels.BtfHubTarball, "btfhub-archive/amzn/2/arm64/4.14.186-146.268.amzn2.aarch64.btf.tar.xz");
        folder.Write("btfhub-archive/README.md", "BTFHub archive");

        var catalog = KernelCatalog.Open(folder.Root);
        Assert.That(catalog.Select(e => (e.Name, e.Release, e.DeclaredArch, e.Flavour, e.MetadataSource)), Is.EqualTo(new (string, string?, string?, string?, KernelMetadataSource)[]
        {
            ("amzn-2-arm64-4.14.186-146.268.amzn2.aarch64", "4.14.186-146.268.amzn2.aarch64", "arm64", null, KernelMetadataSource.BtfHubPath),
            ("ubuntu-20.04-x86_64-5.4.0-42-generic", "5.4.0-42-generic", "amd64", "generic", KernelMetadataSource.BtfHubPath),
            ("ubuntu-20.04-x86_64-5.4.0-1025-aws", "5.4.0-1025-aws", "amd64", "aws", KernelMetadataSource.BtfHubPath),
            ("fedora-32-x86_64-5.6.6-300.fc32.x86_64", "5.6.6-300.fc32.x86_64", "amd64", null, KernelMetadataSource.BtfHubPath),
        }));
        var expectedTypes = BtfSpec.Parse(File.ReadAllBytes(TinyKernels.TinyRaw)).LocalTypeCount;
        Assert.That(catalog["ubuntu-20.04-x86_64-5.4.0-1025-aws"].Spec.LocalTypeCount, Is.EqualTo(expectedTypes), "the tarball's BTF");
        Assert.That(catalog.Count(e => e.IsLoaded), Is.EqualTo(1));
    }

    [Test]
    public void TheManifestOfASubfolderDescribesItsFiles()
    {
        using var folder = new TempFolder();
        folder.Copy(TestKernels.PathOf(TestKernels.Debian61), "a/vm.btf.xz");
        folder.Copy(TestKernels.PathOf(TestKernels.NfConntrack61), "a/conntrack.btf.xz");
        folder.Write("a/MANIFEST.tsv",
            "file\tkernel_release\tarch\tflavour\tformat\n" +
            "vm.btf.xz\t6.1.0-56-amd64\tx86_64\tgeneric\traw BTF\n" +
            "conntrack.btf.xz\t6.1.0-56-amd64\t-\tgeneric/module:nf_conntrack\tsplit; base=vm.btf.xz\n");
        var catalog = KernelCatalog.Open(folder.Root);
        var module = catalog["conntrack"];
        Assert.That(module.BaseName, Is.EqualTo("vm"));
        Assert.That(module.Module, Is.EqualTo("nf_conntrack"));
        Assert.That(module.DeclaredArch, Is.EqualTo("amd64"), "'-' is unknown and the name says nothing: the base's");
        Assert.That(catalog["vm"].DeclaredArch, Is.EqualTo("amd64"), "x86_64 in the manifest, normalized");
        Assert.That(module.Spec.LocalTypeCount, Is.EqualTo(634));
    }

    [Test]
    public void AddBuildsACatalogFileByFile()
    {
        using var folder = new TempFolder();
        var vm = folder.Copy(TestKernels.PathOf(TestKernels.Debian61), "x/base-kernel.btf.xz");
        var mod = folder.Copy(TestKernels.PathOf(TestKernels.NfConntrack61), "y/mod.btf.xz");
        var catalog = new KernelCatalog();
        Assert.That(catalog.Folder, Is.Null);

        var b = catalog.Add(vm, name: "vm61");
        var m = catalog.Add(mod, baseName: "VM61");
        Assert.That(b.Name, Is.EqualTo("vm61"));
        Assert.That(m.Name, Is.EqualTo("mod"));
        Assert.That(m.Base, Is.SameAs(b));
        Assert.That(m.Spec.Base, Is.SameAs(b.Spec));

        // from data/kernels, whose manifest says which file is whose module
        var data = new KernelCatalog();
        var vmlinux = data.Add(TestKernels.PathOf(TestKernels.Debian61));
        var ext4 = data.Add(TestKernels.PathOf(TestKernels.Ext4_61));
        Assert.That(ext4.Base, Is.SameAs(vmlinux));
        Assert.That(ext4.Module, Is.EqualTo("ext4"));
        Assert.That(ext4.MetadataSource, Is.EqualTo(KernelMetadataSource.Manifest));
        Assert.That(data.Names, Is.EqualTo(new[] { TestKernels.Debian61, TestKernels.Ext4_61 }));
    }

    [Test]
    public void AddUsesTheNamingConventionWhenTheBaseIsAlreadyThere()
    {
        using var folder = new TempFolder();
        var vm = folder.Copy(TestKernels.PathOf(TestKernels.Debian61), $"k/{TestKernels.Debian61}.btf.xz");
        var mod = folder.Copy(TestKernels.PathOf(TestKernels.NfConntrack61), $"k/{TestKernels.NfConntrack61}.btf.xz");
        var catalog = new KernelCatalog();
        catalog.Add(vm);
        var entry = catalog.Add(mod);
        Assert.That(entry.BaseName, Is.EqualTo(TestKernels.Debian61));
        Assert.That(entry.Module, Is.EqualTo("nf_conntrack"));
        Assert.That(entry.Release, Is.EqualTo("6.1.0-56-amd64"));
    }

    // ---- errors ----

    [Test]
    public void AMissingFolderIsNamed()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-kernels-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<DirectoryNotFoundException>(() => KernelCatalog.Open(path))!;
        Assert.That(e.Message, Is.EqualTo($"kernel folder '{path}' does not exist"));

        var file = TestKernels.PathOf(TestKernels.Debian61);
        var e2 = Assert.Throws<DirectoryNotFoundException>(() => KernelCatalog.Open(file))!;
        Assert.That(e2.Message, Is.EqualTo($"'{file}' is a file, not a kernel folder; add single files with Add"));
    }

    [Test]
    public void TwoFilesWithOneNameAreRefusedNamingBoth()
    {
        using var folder = new TempFolder();
        var a = folder.Copy(TinyKernels.TinyRaw, "a/kernel.btf");
        var b = folder.Copy(TinyKernels.TinyRaw, "b/KERNEL.btf");
        var e = Assert.Throws<KernelCatalogException>(() => KernelCatalog.Open(folder.Root))!;
        Assert.That(e.Message, Is.EqualTo($"two kernels in {folder.Root} would be named 'KERNEL': {a} and {b}; rename one, or build the catalog with Add(path, name)"));
    }

    [Test]
    public void ASplitFileWhoseBaseIsMissingIsRefused()
    {
        using var folder = new TempFolder();
        var mod = folder.Copy(TestKernels.PathOf(TestKernels.NfConntrack61), "mod.btf.xz");
        var manifest = folder.Write("MANIFEST.tsv", "file\tformat\nmod.btf.xz\tsplit; base=vmlinux.btf.xz; first_type_id=100751\n");
        var e = Assert.Throws<KernelCatalogException>(() => KernelCatalog.Open(folder.Root))!;
        Assert.That(e.Message, Is.EqualTo($"{mod} is split BTF on {Path.Combine(folder.Root, "vmlinux.btf.xz")} ({manifest}, line 2), which is not in {folder.Root}; a module's BTF cannot be read without its vmlinux"));

        var single = new KernelCatalog();
        var e2 = Assert.Throws<KernelCatalogException>(() => single.Add(TestKernels.PathOf(TestKernels.Ext4_61)))!;
        Assert.That(e2.Message, Does.StartWith($"{TestKernels.PathOf(TestKernels.Ext4_61)} is split BTF on {TestKernels.PathOf(TestKernels.Debian61)}"));
        Assert.That(e2.Message, Does.EndWith("which is not in the catalog; add that file first or pass baseName"));
    }

    [Test]
    public void ASplitChainThatLoopsIsRefused()
    {
        using var folder = new TempFolder();
        folder.Copy(TinyKernels.TinyRaw, "a.btf");
        folder.Copy(TinyKernels.TinyRaw, "b.btf");
        folder.Write("MANIFEST.tsv", "file\tformat\na.btf\tsplit; base=b.btf\nb.btf\tsplit; base=a.btf\n");
        var e = Assert.Throws<KernelCatalogException>(() => KernelCatalog.Open(folder.Root))!;
        Assert.That(e.Message, Is.EqualTo($"{Path.Combine(folder.Root, "a.btf")}: its split-BTF base chain leads back to itself (a -> b -> a)"));
    }

    private static IEnumerable<TestCaseData> BadManifests()
    {
        TestCaseData C(string name, string text, string message) => new TestCaseData(text, message).SetName(name);
        yield return C("empty manifest", "", "empty manifest (expected a header line with a 'file' column)");
        yield return C("no file column", "name\tarch\nk.btf\tamd64\n", "the header has no 'file' column (it has: name, arch)");
        yield return C("short row", "file\tarch\tformat\nk.btf\tamd64\n", "line 2: 2 column(s), but the header has 3");
        yield return C("file twice", "file\tarch\nk.btf\tamd64\n\nk.btf\tarm64\n", "line 4: 'k.btf' is already described on line 2");
        yield return C("empty file cell", "file\tarch\n\tamd64\n", "line 2: empty 'file' cell");
        yield return C("split without base", "file\tformat\nk.btf\tsplit\n", "line 2: the format says split BTF but gives no base=FILE");
        yield return C("empty base", "file\tformat\nk.btf\tsplit; base=\n", "line 2: 'base=' names no file in the format column");
    }

    [TestCaseSource(nameof(BadManifests))]
    public void AMalformedManifestIsRefusedWithItsLine(string text, string message)
    {
        using var folder = new TempFolder();
        folder.Copy(TinyKernels.TinyRaw, "k.btf");
        var manifest = folder.Write("MANIFEST.tsv", text);
        var e = Assert.Throws<KernelCatalogException>(() => KernelCatalog.Open(folder.Root))!;
        Assert.That(e.Message, Is.EqualTo(text.Length == 0 ? $"{manifest}: {message}" : message.StartsWith("line", StringComparison.Ordinal) ? $"{manifest}, {message}" : $"{manifest}: {message}"));
    }

    [Test]
    public void AddRefusesMissingFilesTakenNamesAndUnknownBases()
    {
        using var folder = new TempFolder();
        var tiny = folder.Copy(TinyKernels.TinyRaw, "tiny.btf");
        var catalog = new KernelCatalog();
        catalog.Add(tiny);

        var missing = Path.Combine(folder.Root, "nope.btf");
        var e1 = Assert.Throws<FileNotFoundException>(() => catalog.Add(missing))!;
        Assert.That(e1.Message, Is.EqualTo($"kernel BTF file '{missing}' does not exist"));

        var e2 = Assert.Throws<KernelCatalogException>(() => catalog.Add(tiny, name: "TINY"))!;
        Assert.That(e2.Message, Is.EqualTo($"the catalog already has a kernel named 'tiny' ({tiny}); pass another name for {tiny}"));

        var e3 = Assert.Throws<KernelCatalogException>(() => catalog.Add(tiny, name: "other", baseName: "tinny"))!;
        Assert.That(e3.Message, Is.EqualTo($"no kernel named 'tinny' (the base of {tiny}) in the catalog; did you mean tiny? Known kernels (1): tiny."));

        Assert.Throws<ArgumentException>(() => catalog.Add(tiny, name: "  "));
        Assert.That(catalog.Names, Is.EqualTo(new[] { "tiny" }), "failed adds leave the catalog as it was");
    }
}
