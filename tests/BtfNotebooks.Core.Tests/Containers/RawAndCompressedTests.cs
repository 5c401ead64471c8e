using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Containers;
using NUnit.Framework;
using static BtfNotebooks.Tests.Containers.ContainerFixtures;

namespace BtfNotebooks.Tests.Containers;

public class RawAndCompressedTests
{
    [Test]
    public void RawLittleEndianBtfIsReturnedAsIsWithoutCopying()
    {
        var input = Tiny;
        var blob = BtfContainer.Extract(input);
        Assert.That(blob.Data, Is.SameAs(input));
        Assert.That((blob.Start, blob.Length), Is.EqualTo((0, input.Length)));
        Assert.That(blob.Origin, Is.EqualTo("raw BTF"));
    }

    [Test]
    public void RawBigEndianBtfIsReturnedAsIs()
    {
        var blob = BtfContainer.Extract(TinyBigEndian);
        AssertYields(blob, TinyBigEndian);
        Assert.That(blob.Origin, Is.EqualTo("raw BTF"));
    }

    [TestCase("tiny.btf.gz", "gzip")]
    [TestCase("tiny.btf.xz", "xz")]
    [TestCase("tiny.btf.xz-x86-crc32", "xz")]
    [TestCase("tiny.btf.zst", "zstd")]
    [TestCase("tiny.btf.bz2", "bzip2")]
    [TestCase("tiny.btf.lzma", "lzma")]
    [TestCase("tiny.btf.lz4", "lz4 frame")]
    [TestCase("tiny.btf.lz4-legacy", "lz4 legacy")]
    public void CompressedFixtureYieldsTheRawBtf(string file, string format)
    {
        var blob = BtfContainer.Extract(Load(file));
        AssertYields(blob, Tiny);
        Assert.That(blob.Origin, Is.EqualTo($"{format} > raw BTF"));
    }

    [TestCase("tiny.btf.gz")]
    [TestCase("tiny.btf.xz")]
    [TestCase("tiny.btf.zst")]
    [TestCase("tiny.btf.bz2")]
    [TestCase("tiny.btf.lzma")]
    [TestCase("tiny.btf.lz4")]
    public void TrailingBytesAfterTheStreamAreIgnored(string file)
    {
        var garbage = Code(new Random(3), 200);
        AssertYields(BtfContainer.Extract([.. Load(file), .. U32Le(713), .. garbage]), Tiny);
    }

    [Test]
    public void Lz4LegacyEndsAtTheAppendedSizeOrAnImplausibleBlockSize()
    {
        AssertYields(BtfContainer.Extract(Lz4Legacy(Tiny, appendSize: true)), Tiny);
        AssertYields(BtfContainer.Extract([.. Lz4Legacy(Tiny), .. U32Le(60_000_000), .. Code(new Random(1), 100)]), Tiny);
    }

    [Test]
    public void Lz4LegacyWithManyBlocksAndConcatenatedStreams()
    {
        var data = Code(new Random(5), 5000).Concat(Tiny).ToArray();
        var twoStreams = Lz4Legacy(data[..3000], blockSize: 256).Concat(Lz4Legacy(data[3000..], blockSize: 300)).ToArray();
        var blob = BtfContainer.Extract([.. twoStreams]);
        // the decompressed bytes have no header, so the BTF is found by scanning them
        AssertYields(blob, Tiny);
        Assert.That(blob.Origin, Does.StartWith("lz4 legacy > BTF header found by scan at 0x1388"));
    }

    [Test]
    public void NestedWrappersAreAllUnwrappedAndNamed()
    {
        var blob = BtfContainer.Extract(Gzip(Zstd(Lz4Legacy(Tiny))));
        AssertYields(blob, Tiny);
        Assert.That(blob.Origin, Is.EqualTo("gzip > zstd > lz4 legacy > raw BTF"));
    }

    [Test]
    public void NestingDeeperThanTheLimitIsAnError()
    {
        var data = Tiny;
        for (var i = 0; i < 12; i++) data = Gzip(data);
        Assert.That(Throws(data).Reason, Does.Contain("nested more than 8 deep"));
    }

    [Test]
    public void ADecompressionBombIsRefused()
    {
        var bomb = Gzip(new byte[4 << 20]);
        var limits = new ExtractionLimits(MaxLayerBytes: 1 << 20);
        var e = Assert.Throws<BtfFormatException>(() => BtfContainer.Extract(bomb, "bomb.gz", limits))!;
        Assert.That(e.Reason, Does.Contain("gzip stream decompresses to more than 1048576 bytes"));
        Assert.That(e.Source, Is.EqualTo("bomb.gz"));
    }

    [Test]
    public void TheTotalDecompressionBudgetIsShared()
    {
        var nested = Gzip(Gzip(new byte[600 << 10]));
        var limits = new ExtractionLimits(MaxTotalDecompressedBytes: 500 << 10);
        var e = Assert.Throws<BtfFormatException>(() => BtfContainer.Extract(nested, null, limits))!;
        Assert.That(e.Reason, Does.Contain("decompressed in total"));
    }

    [Test]
    public void CorruptStreamErrorNamesFormatSourceAndOffset()
    {
        var xz = Load("tiny.btf.xz");
        xz[xz.Length / 2] ^= 0x55;
        var e = Throws(xz, "kernel.btf.xz");
        Assert.That(e.Reason, Does.StartWith("xz stream corrupt"));
        Assert.That(e.Source, Is.EqualTo("kernel.btf.xz"));
        Assert.That(e.Offset, Is.Not.Null);
        Assert.That(e.Message, Does.StartWith("kernel.btf.xz, offset 0x"));
    }

    [Test]
    public void TruncatedGzipIsAnErrorNotAShortResult()
    {
        var gz = Load("tiny.btf.gz");
        Assert.That(Throws(gz[..^3]).Reason, Does.StartWith("gzip stream corrupt"));
    }

    [Test]
    public void TruncatedZstdFrameIsReported()
    {
        var zst = Load("tiny.btf.zst");
        Assert.That(Throws(zst[..^10]).Reason, Does.StartWith("zstd stream corrupt").And.Contain("frame truncated"));
    }

    [Test]
    public void TruncatedLz4LegacyBlockIsReported()
    {
        var lz4 = Load("tiny.btf.lz4-legacy");
        Assert.That(Throws(lz4[..^10]).Reason, Does.Contain("truncated"));
    }

    [Test]
    public void Lz4FrameChecksumsAreVerified()
    {
        var lz4 = Load("tiny.btf.lz4");
        lz4[^2] ^= 1; // content checksum
        Assert.That(Throws(lz4).Reason, Does.Contain("content checksum mismatch"));
        lz4 = Load("tiny.btf.lz4");
        lz4[6] ^= 1; // frame descriptor checksum byte
        Assert.That(Throws(lz4).Reason, Does.Contain("descriptor checksum mismatch"));
    }

    [Test]
    public void EmptyAndUnrecognisedInputsSayWhatTheyAre()
    {
        Assert.That(Throws([]).Reason, Is.EqualTo("not BTF: input is empty"));
        var e = Throws("hello, world: this is text"u8.ToArray());
        Assert.That(e.Reason, Does.StartWith("not BTF: unrecognised content (first bytes: 68 65 6c 6c 6f 2c 20 77 6f 72 6c 64 3a 20 74 68 ...)"));
        Assert.That(e.Offset, Is.EqualTo(0));
    }
}
