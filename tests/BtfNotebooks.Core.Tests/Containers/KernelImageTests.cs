using System.Buffers.Binary;
using System.Diagnostics;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Containers;
using NUnit.Framework;
using static BtfNotebooks.Tests.Containers.ContainerFixtures;

namespace BtfNotebooks.Tests.Containers;

public class KernelImageTests
{
    [Test]
    public void BzImageFixtureFromTheScript()
    {
        var blob = BtfContainer.Extract(Load("vmlinuz-xz.bzImage"));
        AssertYields(blob, Tiny);
        Assert.That(blob.Origin, Is.EqualTo("bzImage payload at 0x9f0 > xz > ELF64 little-endian .BTF section at 0x98"));
    }

    [TestCase("lz4 legacy")]
    [TestCase("zstd")]
    [TestCase("gzip")]
    [TestCase("xz")]
    [TestCase("none")]
    public void BzImagePayloadInEachCompression(string compression)
    {
        var elf = Load("elf64le.o");
        var payload = compression switch
        {
            "lz4 legacy" => Lz4Legacy(elf, appendSize: true),
            "zstd" => [.. Zstd(elf), .. U32Le((uint)elf.Length)],
            "gzip" => Gzip(elf),
            "xz" => Load("elf64le.o.xz-payload"),
            _ => elf, // CONFIG_KERNEL_UNCOMPRESSED
        };
        var blob = BtfContainer.Extract(BzImage(payload, setupSects: 0, payloadOffset: 0x321));
        AssertYields(blob, Tiny);
        var start = 5 * 512 + 0x321; // setup_sects 0 means 4
        var inner = compression == "none" ? "" : $"{compression} > ";
        Assert.That(blob.Origin, Is.EqualTo($"bzImage payload at 0x{start:x} > {inner}ELF64 little-endian .BTF section at 0x98"));
    }

    [Test]
    public void WrongPayloadFieldsFallBackToTheMagicScan()
    {
        var image = BzImage(Load("elf64le.o.xz-payload"));
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x248), 0x10); // payload_offset now points into code
        var blob = BtfContainer.Extract(image);
        AssertYields(blob, Tiny);
        Assert.That(blob.Origin, Is.EqualTo("xz stream found by scan at 0x9f0 > ELF64 little-endian .BTF section at 0x98"));
    }

    [Test]
    public void OldBootProtocolIsScanned()
    {
        var blob = BtfContainer.Extract(BzImage(Zstd(Load("elf64le.o")), version: 0x0206));
        AssertYields(blob, Tiny);
        Assert.That(blob.Origin, Does.StartWith("zstd stream found by scan at 0x9f0"));
    }

    [Test]
    public void CorruptPayloadIsReportedWithTheHeaderPathReason()
    {
        var payload = Load("elf64le.o.xz-payload");
        payload[300] ^= 0xFF;
        var e = Throws(BzImage(payload), "vmlinuz");
        Assert.That(e.Reason, Does.StartWith("no BTF found in kernel image (bzImage payload at 0x9f0: xz stream corrupt"));
        Assert.That(e.Source, Is.EqualTo("vmlinuz"));
        Assert.That(e.InnerException, Is.InstanceOf<BtfFormatException>());
    }

    [Test]
    public void RawImageScanKeepsTheLargestValidBlob()
    {
        var (image, offset) = RawImage();
        var blob = BtfContainer.Extract(image);
        Assert.That(blob.Data, Is.SameAs(image));
        Assert.That(blob.Start, Is.EqualTo(offset));
        AssertYields(blob, Tiny);
        Assert.That(blob.Origin, Is.EqualTo($"BTF header found by scan at 0x{offset:x} (little-endian, {Tiny.Length} bytes, largest of 2 candidates)"));
    }

    [Test]
    public void RawImageWithOnlyTheDecoyYieldsTheDecoy()
    {
        var (image, offset) = RawImage();
        image[offset] = 0; // break the real blob's magic
        var blob = BtfContainer.Extract(image);
        Assert.That(blob.Start, Is.EqualTo(DecoyOffset));
        AssertYields(blob, SmallValidBtf());
    }

    [Test]
    public void BigEndianBlobInRawImage()
    {
        var image = Code(new Random(2), 4096);
        TinyBigEndian.CopyTo(image, 1001);
        var blob = BtfContainer.Extract(image);
        Assert.That(blob.Start, Is.EqualTo(1001));
        Assert.That(blob.Origin, Does.Contain("(big-endian"));
    }

    [Test]
    public void GzipImageOfARawImage()
    {
        var (image, offset) = RawImage();
        var blob = BtfContainer.Extract(Gzip(image)); // arm64 Debian vmlinuz = Image.gz
        AssertYields(blob, Tiny);
        Assert.That(blob.Origin, Does.StartWith($"gzip > BTF header found by scan at 0x{offset:x}"));
    }

    [Test]
    public void EfiZbootImage()
    {
        var (image, offset) = RawImage();
        var blob = BtfContainer.Extract(EfiZboot(Gzip(image), "gzip"));
        AssertYields(blob, Tiny);
        Assert.That(blob.Origin, Does.StartWith($"EFI zboot gzip payload at 0x40 > BTF header found by scan at 0x{offset:x}"));
    }

    [Test]
    public void CompressedStreamInsideUnknownBytesIsFoundByScan()
    {
        var rng = new Random(9);
        var image = Code(rng, 5000).Concat(Zstd(Load("elf32be.o"))).Concat(Code(rng, 3000)).ToArray();
        var blob = BtfContainer.Extract(image);
        AssertYields(blob, TinyBigEndian);
        Assert.That(blob.Origin, Does.StartWith("zstd stream found by scan at 0x1388 > ELF32 big-endian .BTF section"));
    }

    [Test]
    public void UnknownBytesWithFailingCandidatesListThem()
    {
        var rng = new Random(4);
        var image = Code(rng, 1000).Concat(Zstd(Code(rng, 3000))).Concat(Code(rng, 100)).ToArray();
        var e = Throws(image);
        Assert.That(e.Reason, Does.StartWith("not BTF: unrecognised content (first bytes: "));
        Assert.That(e.Reason, Does.Contain("1 compressed stream candidate(s) failed (zstd at 0x3e8: not BTF: unrecognised content"));
    }

    [Test]
    public void ThirtyMegabyteImageScansQuickly()
    {
        var image = Code(new Random(11), 30 << 20);
        Tiny.CopyTo(image, image.Length - Tiny.Length - 12345);
        var watch = Stopwatch.StartNew();
        var blob = BtfContainer.Extract(image);
        watch.Stop();
        AssertYields(blob, Tiny);
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(3)), "the scan uses vectorised IndexOf");
    }
}
