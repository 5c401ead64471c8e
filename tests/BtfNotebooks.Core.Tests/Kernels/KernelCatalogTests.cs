using BtfNotebooks.Btf;
using BtfNotebooks.Kernels;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Kernels;

/// <summary>The repository's data/kernels as a catalog: what the manifest says, the order, lazy loading and lookup.</summary>
public class KernelCatalogTests
{
    private static readonly string Ext4_61 = TestKernels.Ext4_61;

    // name, release, arch, flavour, module, base: the rows of data/kernels/MANIFEST.tsv
    private static IEnumerable<TestCaseData> ManifestRows()
    {
        TestCaseData C(string name, string release, string arch, string flavour, string? module = null, string? baseName = null) =>
            new TestCaseData(name, release, arch, flavour, module, baseName).SetName($"manifest describes {name}");
        yield return C(TestKernels.Debian61, "6.1.0-56-amd64", "amd64", "generic");
        yield return C(Ext4_61, "6.1.0-56-amd64", "amd64", "generic", "ext4", TestKernels.Debian61);
        yield return C(TestKernels.NfConntrack61, "6.1.0-56-amd64", "amd64", "generic", "nf_conntrack", TestKernels.Debian61);
        yield return C(TestKernels.Debian612, "6.12.117+deb12-amd64", "amd64", "generic");
        yield return C(TestKernels.Debian612Arm, "6.12.117+deb12-arm64", "arm64", "generic");
        yield return C(TestKernels.I386, "6.1.0-50-686-pae", "i386", "686-pae (GENERATED, not shipped)");
        yield return C(TestKernels.S390, "6.1.0-50-s390x", "s390x", "s390x (GENERATED, not shipped)");
        yield return C(TestKernels.Local618, "6.18.44-fc-v669", "amd64", "local");
    }

    [TestCaseSource(nameof(ManifestRows))]
    public void ReadsEachFileFromTheManifest(string name, string release, string arch, string flavour, string? module, string? baseName)
    {
        var catalog = KernelCatalog.Open(TestKernels.DataDir);
        var entry = catalog[name];
        Assert.That(entry.Name, Is.EqualTo(name));
        Assert.That(entry.Path, Is.EqualTo(TestKernels.PathOf(name)));
        Assert.That(entry.MetadataSource, Is.EqualTo(KernelMetadataSource.Manifest));
        Assert.That(entry.Release, Is.EqualTo(release));
        Assert.That(entry.Version!.Text, Is.EqualTo(release));
        Assert.That(entry.DeclaredArch, Is.EqualTo(arch));
        Assert.That(entry.Arch, Is.EqualTo(arch));
        Assert.That(entry.Flavour, Is.EqualTo(flavour));
        Assert.That(entry.Module, Is.EqualTo(module));
        Assert.That(entry.BaseName, Is.EqualTo(baseName));
        Assert.That(entry.IsSplit, Is.EqualTo(baseName is not null));
        Assert.That(entry.FileSize, Is.EqualTo(new FileInfo(entry.Path).Length));
    }

    [Test]
    public void ListsEveryBtfFileOfTheFolderAndNothingElse()
    {
        var catalog = KernelCatalog.Open(TestKernels.DataDir);
        var files = Directory.GetFiles(TestKernels.DataDir).Select(Path.GetFileName).Where(f => f!.EndsWith(".btf.xz", StringComparison.Ordinal)).Select(f => f![..^".btf.xz".Length]);
        Assert.That(catalog.Names, Is.EquivalentTo(files));
        Assert.That(catalog.Names, Is.SupersetOf(ManifestRows().Select(r => (string)r.Arguments[0]!)), "the eight the tests rely on (others may be added)");
        Assert.That(catalog.Folder, Is.EqualTo(Path.GetFullPath(TestKernels.DataDir)));
    }

    [Test]
    public void OrdersByVersionThenArchFlavourAndModule()
    {
        var catalog = KernelCatalog.Open(TestKernels.DataDir);
        var known = ManifestRows().Select(r => (string)r.Arguments[0]!).ToHashSet();
        Assert.That(catalog.Names.Where(known.Contains), Is.EqualTo(new[]
        {
            TestKernels.I386,            // 6.1.0-50-686-pae
            TestKernels.S390,            // 6.1.0-50-s390x
            TestKernels.Debian61,        // 6.1.0-56-amd64, the vmlinux before its modules
            Ext4_61,
            TestKernels.NfConntrack61,
            TestKernels.Debian612,       // 6.12.117+deb12-amd64
            TestKernels.Debian612Arm,    // 6.12.117+deb12-arm64
            TestKernels.Local618,        // 6.18.44
        }));
        var shuffled = catalog.Entries.Reverse().ToList();
        shuffled.Sort(KernelCatalog.VersionOrder);
        Assert.That(shuffled, Is.EqualTo(catalog.Entries));
        Assert.That(Enumerable.Range(0, catalog.Count).Select(i => catalog[i]), Is.EqualTo(catalog.Entries));
    }

    [Test]
    public void ListingLoadsNothingAndEachEntryLoadsOnceOnFirstUse()
    {
        var catalog = KernelCatalog.Open(TestKernels.DataDir);
        Assert.That(catalog.Where(e => e.IsLoaded), Is.Empty);
        Assert.That(catalog.Select(e => e.TypeCount), Has.All.Null);
        Assert.That(catalog.Select(e => e.RawSize), Has.All.Null);
        StringAssert.EndsWith("not loaded", catalog[TestKernels.Debian61].ToString());

        var module = catalog[TestKernels.NfConntrack61];
        var specs = new BtfSpec[8];
        Parallel.For(0, specs.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => specs[i] = module.Spec);
        Assert.That(specs.Distinct().Count(), Is.EqualTo(1), "one parse, shared by every thread");

        // the module loads on its base, which is the catalog's own entry; nothing else was touched
        var vmlinux = catalog[TestKernels.Debian61];
        Assert.That(module.Spec.Base, Is.SameAs(vmlinux.Spec));
        Assert.That(catalog.Where(e => e.IsLoaded).Select(e => e.Name), Is.EquivalentTo(new[] { TestKernels.Debian61, TestKernels.NfConntrack61 }));

        // the manifest's types and raw_size columns
        Assert.That(module.TypeCount, Is.EqualTo(634));
        Assert.That(module.RawSize, Is.EqualTo(28856));
        Assert.That(vmlinux.TypeCount, Is.EqualTo(100750));
        Assert.That(vmlinux.RawSize, Is.EqualTo(4359789));
        Assert.That(vmlinux.RetainedBytes, Is.GreaterThanOrEqualTo(4359789));
        Assert.That(vmlinux.ToString(), Is.EqualTo("debian-6.1.0-56-amd64: 6.1.0-56-amd64 amd64 generic, 1,046,680 bytes, 100,750 types (4,359,789 bytes of BTF)"));
        Assert.That(module.ToString(), Does.Contain("module nf_conntrack on debian-6.1.0-56-amd64"));
        Assert.That(module.Spec.FindComposite("nf_conn").IsVoid, Is.False);
    }

    [Test]
    public void LooksUpNamesIgnoringCase()
    {
        var catalog = KernelCatalog.Open(TestKernels.DataDir);
        Assert.That(catalog["DEBIAN-6.1.0-56-AMD64"], Is.SameAs(catalog[TestKernels.Debian61]));
        Assert.That(catalog.TryGet(" local-6.18-amd64 ", out var local), Is.True);
        Assert.That(local!.Name, Is.EqualTo(TestKernels.Local618));
        Assert.That(catalog.Contains("nope"), Is.False);
        Assert.That(catalog.TryGet("nope", out var none), Is.False);
        Assert.That(none, Is.Null);
    }

    [Test]
    public void AnUnknownNameSuggestsTheCloseOneAndListsAll()
    {
        var catalog = KernelCatalog.Open(TestKernels.DataDir);
        var e = Assert.Throws<KernelCatalogException>(() => _ = catalog["debian-6.1.0-56-amd46"])!;
        Assert.That(e.Message, Does.StartWith($"no kernel named 'debian-6.1.0-56-amd46' in the catalog of {catalog.Folder}; did you mean debian-6.1.0-56-amd64"));
        Assert.That(e.Message, Does.Contain($"Known kernels ({catalog.Count}): " + string.Join(", ", catalog.Names) + "."));

        var empty = new KernelCatalog();
        var e2 = Assert.Throws<KernelCatalogException>(() => empty.Get("x"))!;
        Assert.That(e2.Message, Is.EqualTo("no kernel named 'x' in the catalog. It is empty."));
    }

    [TestCase(TestKernels.I386, "i386")]
    [TestCase(TestKernels.S390, "s390x")]
    [TestCase(TestKernels.Local618, "amd64")]
    public void TheBtfAgreesWithTheManifestsArchitecture(string name, string arch)
    {
        var entry = KernelCatalog.Open(TestKernels.DataDir)[name];
        Assert.That(entry.DeclaredArch, Is.EqualTo(arch));
        Assert.That(entry.InferredArch, Is.EqualTo(arch));
    }

    [Test]
    public void TheSharedKernelsSortInReleaseOrderWhereTextOrderWouldNot()
    {
        var shared = TestKernels.SharedDir;
        if (shared is null)
        {
            Assert.Ignore("no ../shared/kernels in this checkout");
            return;
        }
        var catalog = KernelCatalog.Open(shared);
        Assert.That(catalog.Where(e => e.IsSplit).Select(e => e.Module).Distinct(), Is.EquivalentTo(new[] { "ext4", "nf_conntrack" }));
        var misnamed = catalog.Where(e => e.IsSplit && !e.Name.StartsWith(e.BaseName + ".", StringComparison.Ordinal)).Select(e => e.Name);
        Assert.That(misnamed, Is.Empty, "each module is KREL.MODULE on KREL");
        Assert.That(catalog.Select(e => e.MetadataSource), Has.All.EqualTo(KernelMetadataSource.Manifest));
        var generic = catalog.Where(e => e.DeclaredArch == "amd64" && e.Flavour == "generic" && !e.IsSplit).Select(e => e.Release);
        Assert.That(generic, Is.EqualTo(new[]
        {
            "6.1.0-47-amd64", "6.1.0-48-amd64", "6.1.0-49-amd64", "6.1.0-50-amd64", "6.1.0-51-amd64", "6.1.0-52-amd64",
            "6.1.0-53-amd64", "6.1.0-54-amd64", "6.1.0-55-amd64", "6.1.0-56-amd64",
            "6.12.95+deb12-amd64", "6.12.100+deb12-amd64", "6.12.117+deb12-amd64",
        }));
        Assert.That(catalog.First().Release, Is.EqualTo("6.1.0-44-arm64"));
        Assert.That(catalog.Last().Name, Is.EqualTo(TestKernels.Local618));
    }

    [Test]
    public void UsesTheBlobCacheWhenGiven()
    {
        using var folder = new TempFolder();
        var cache = new BtfNotebooks.Btf.Containers.BtfBlobCache(Path.Combine(folder.Root, "cache"));
        var catalog = KernelCatalog.Open(TestKernels.DataDir, cache);
        Assert.That(catalog.Cache, Is.SameAs(cache));
        var spec = catalog[TestKernels.NfConntrack61].Spec;
        Assert.That(spec.LocalTypeCount, Is.EqualTo(634));
        Assert.That(Directory.GetFiles(cache.Directory, "*.btf"), Has.Length.EqualTo(2), "the module and its base, extracted once");
    }

    [Test]
    public void AddFolderAdoptsTheFoldersKernelsWithTheirManifestFactsAndKeepsFilesItHas()
    {
        var catalog = new KernelCatalog();
        var kept = catalog.Add(TestKernels.PathOf(TestKernels.Debian61), "my-6.1");
        var added = catalog.AddFolder(TestKernels.DataDir);
        var opened = KernelCatalog.Open(TestKernels.DataDir);

        Assert.That(added.Select(e => e.Path), Is.EquivalentTo(opened.Select(e => e.Path)));
        Assert.That(added, Does.Contain(kept), "the file the catalog had stays under its own name");
        Assert.That(catalog, Has.Count.EqualTo(opened.Count));
        foreach (var e in added.Where(e => !ReferenceEquals(e, kept)))
        {
            var o = opened[e.Name];
            Assert.That((e.Release, e.DeclaredArch, e.Flavour, e.Module, e.MetadataSource), Is.EqualTo((o.Release, o.DeclaredArch, o.Flavour, o.Module, o.MetadataSource)), e.Name);
        }
        // Split files continue this catalog's entries, not the ones of the catalog the folder was read into.
        var ext4 = catalog[Ext4_61];
        Assert.That(ext4.Base, Is.SameAs(kept));
        Assert.That(added.ToList().IndexOf(kept), Is.LessThan(added.ToList().IndexOf(ext4)), "bases come first");
        Assert.That(catalog.AddFolder(TestKernels.DataDir), Is.EqualTo(added), "adding the folder again adds nothing");
    }

    [Test]
    public void AddFolderRefusesANameAnotherFileHas()
    {
        var catalog = new KernelCatalog();
        catalog.Add(TestKernels.PathOf(TestKernels.Local618), TestKernels.Debian61);
        var e = Assert.Throws<KernelCatalogException>(() => catalog.AddFolder(TestKernels.DataDir))!;
        Assert.That(e.Message, Does.Contain($"already has a kernel named '{TestKernels.Debian61}'").And.Contain(TestKernels.Local618));
        Assert.That(catalog, Has.Count.EqualTo(1), "nothing of the folder was added");
    }
}

