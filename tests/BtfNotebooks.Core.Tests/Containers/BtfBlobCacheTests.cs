using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Containers;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Containers;

public class BtfBlobCacheTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("btfnb-cache-test").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void A_compressed_kernel_is_extracted_once_then_read_raw()
    {
        var cache = new BtfBlobCache(Path.Combine(_dir, "blobs"));
        string kernel = TestKernels.PathOf(TestKernels.Debian61);
        var first = cache.Extract(kernel);
        Assert.That(first.Origin, Does.StartWith("xz"));
        Assert.That(Directory.GetFiles(cache.Directory), Has.Length.EqualTo(1));

        var second = cache.Extract(kernel);
        Assert.That(second.Origin, Is.EqualTo("cached raw BTF"));
        Assert.That(second.Span.SequenceEqual(first.Span));
        var spec = BtfSpec.Load(kernel, cache: cache);
        Assert.That(spec.LocalTypeCount, Is.EqualTo(TestKernels.Spec(TestKernels.Debian61).LocalTypeCount));
    }

    [Test]
    public void A_changed_file_is_extracted_again()
    {
        var cache = new BtfBlobCache(Path.Combine(_dir, "blobs"));
        string copy = Path.Combine(_dir, "k.btf.xz");
        File.Copy(TestKernels.PathOf(TestKernels.I386), copy);
        cache.Extract(copy);
        File.SetLastWriteTimeUtc(copy, DateTime.UtcNow.AddMinutes(1));
        Assert.That(cache.Extract(copy).Origin, Does.StartWith("xz"), "new mtime: not the cached blob");
        Assert.That(Directory.GetFiles(cache.Directory), Has.Length.EqualTo(2));
    }

    [Test]
    public void Raw_files_are_not_copied_and_an_unwritable_cache_is_skipped()
    {
        string raw = Path.Combine(_dir, "raw.btf");
        File.WriteAllBytes(raw, TestKernels.RawBlob(TestKernels.I386));
        var cache = new BtfBlobCache(Path.Combine(_dir, "blobs"));
        Assert.That(cache.Extract(raw).Origin, Is.EqualTo("raw BTF"));
        Assert.That(Directory.Exists(cache.Directory), Is.False);

        string blocker = Path.Combine(_dir, "a-file");
        File.WriteAllText(blocker, "not a directory");
        var broken = new BtfBlobCache(Path.Combine(blocker, "blobs"));
        Assert.That(broken.Extract(TestKernels.PathOf(TestKernels.I386)).Length, Is.GreaterThan(0));
    }

    [Test]
    public void The_environment_can_turn_it_off_or_move_it()
    {
        string? saved = Environment.GetEnvironmentVariable("BTFNB_CACHE");
        try
        {
            Environment.SetEnvironmentVariable("BTFNB_CACHE", "off");
            Assert.That(BtfBlobCache.FromEnvironment(), Is.Null);
            Environment.SetEnvironmentVariable("BTFNB_CACHE", _dir);
            Assert.That(BtfBlobCache.FromEnvironment()!.Directory, Is.EqualTo(_dir));
        }
        finally
        {
            Environment.SetEnvironmentVariable("BTFNB_CACHE", saved);
        }
    }
}
