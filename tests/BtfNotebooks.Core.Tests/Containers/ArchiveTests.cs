using System.Formats.Tar;
using BtfNotebooks.Btf.Containers;
using NUnit.Framework;
using static BtfNotebooks.Tests.Containers.ContainerFixtures;

namespace BtfNotebooks.Tests.Containers;

public class ArchiveTests
{
    private const string DebOrigin =
        "ar member data.tar.{0} > {1} > tar member ./boot/vmlinuz-6.1.0-test > bzImage payload at 0x9f0 > xz > ELF64 little-endian .BTF section at 0x98";

    [Test]
    public void BtfHubArchiveWithRawBtf()
    {
        var blob = BtfContainer.Extract(Load("btfhub-raw.btf.tar.xz"));
        AssertYields(blob, Tiny);
        Assert.That(blob.Origin, Is.EqualTo("xz > tar member 5.4.0-test.btf > raw BTF"));
    }

    [Test]
    public void BtfHubArchiveWithElfBtf()
    {
        var blob = BtfContainer.Extract(Load("btfhub-elf.btf.tar.xz"));
        AssertYields(blob, Tiny);
        Assert.That(blob.Origin, Is.EqualTo("xz > tar member 5.4.0-test.btf > ELF64 little-endian .BTF section at 0x98"));
    }

    [TestCase("linux-image-test.deb", "xz", "xz")]
    [TestCase("linux-image-test-zst.deb", "zst", "zstd")]
    public void DebianPackageYieldsTheVmlinuxBtfNotAModule(string file, string extension, string format)
    {
        var blob = BtfContainer.Extract(Load(file));
        AssertYields(blob, Tiny); // the decoy module holds big-endian BTF
        Assert.That(blob.Origin, Is.EqualTo(string.Format(DebOrigin, extension, format)));
    }

    [Test]
    public void InProcessDebWithGzipAndPlainDataTar()
    {
        var bzImage = BzImage(Lz4Legacy(Load("elf64le.o"), appendSize: true));
        var dataTar = Tar(TarEntryFormat.Gnu, ("./boot/config-6.1.0", "CONFIG_X=y\n"u8.ToArray()), ("./boot/vmlinuz-6.1.0", bzImage));
        foreach (var (name, data) in new[] { ("data.tar.gz", Gzip(dataTar)), ("data.tar", dataTar) })
        {
            var deb = Ar(("debian-binary", "2.0\n"u8.ToArray()), ("control.tar.gz", Gzip(Tar(TarEntryFormat.Gnu, ("./control", "x"u8.ToArray())))), (name, data));
            var blob = BtfContainer.Extract(deb);
            AssertYields(blob, Tiny);
            Assert.That(blob.Origin, Does.StartWith($"ar member {name} > ").And.Contain("tar member ./boot/vmlinuz-6.1.0 > bzImage payload at 0x9f0 > lz4 legacy > ELF64"));
        }
    }

    [TestCase(TarEntryFormat.Pax)]
    [TestCase(TarEntryFormat.Gnu)]
    [TestCase(TarEntryFormat.Ustar)]
    public void TarPicksTheBtfMemberEvenWithLongNames(TarEntryFormat format)
    {
        var longName = "btfhub-archive/ubuntu/20.04/x86_64/" + new string('d', 60) + "/5.4.0-1025-aws.btf"; // > 100 chars
        var tar = Tar(format,
            ("README.md", "hello"u8.ToArray()),
            ("lib/modules/decoy.ko", Load("elf64be.o")),
            (longName, Load("elf32le.o")));
        var blob = BtfContainer.Extract(Gzip(tar));
        AssertYields(blob, Tiny);
        Assert.That(blob.Origin, Is.EqualTo($"gzip > tar member {longName} > ELF32 little-endian .BTF section at 0x{blob.Start:x}"));
    }

    [Test]
    public void UncompressedTarAtTopLevel()
    {
        var blob = BtfContainer.Extract(Tar(TarEntryFormat.Ustar, ("x.btf", Tiny)));
        Assert.That(blob.Origin, Is.EqualTo("tar member x.btf > raw BTF"));
    }

    [Test]
    public void TarWithoutBtfNamedMemberFallsBackToOtherMembersThenModules()
    {
        var blob = BtfContainer.Extract(Tar(TarEntryFormat.Pax, ("notes.txt", "n"u8.ToArray()), ("a.ko", Load("elf64be.o")), ("blob.bin", Tiny)));
        Assert.That(blob.Origin, Is.EqualTo("tar member blob.bin > raw BTF"), "a non-module beats a module");
        blob = BtfContainer.Extract(Tar(TarEntryFormat.Pax, ("notes.txt", "n"u8.ToArray()), ("a.ko", Load("elf64be.o"))));
        AssertYields(blob, TinyBigEndian);
        Assert.That(blob.Origin, Does.StartWith("tar member a.ko > ELF64 big-endian"));
    }

    [Test]
    public void TarWithoutBtf()
    {
        var e = Throws(Tar(TarEntryFormat.Gnu, ("README", "nothing here"u8.ToArray())), "x.tar");
        Assert.That(e.Reason, Does.StartWith("tar: no .btf file in archive (1 regular files"));
        Assert.That(e.Source, Is.EqualTo("x.tar"));
    }

    [Test]
    public void BrokenBtfMemberReportsItsOwnError()
    {
        var e = Throws(Tar(TarEntryFormat.Gnu, ("README", "r"u8.ToArray()), ("k.btf", Load("elf64le.o")[..600])), "k.tar");
        Assert.That(e.Reason, Does.StartWith("ELF section header table"));
        Assert.That(e.Source, Is.EqualTo("k.tar > tar member k.btf"));
    }

    [Test]
    public void TarHeaderCorruption()
    {
        var tar = Tar(TarEntryFormat.Gnu, ("README", "r"u8.ToArray()), ("k.btf", Tiny));
        var corrupt = (byte[])tar.Clone();
        corrupt[1024 + 3] ^= 1; // second header's name: checksum no longer matches
        var e = Throws(corrupt);
        Assert.That(e.Reason, Does.StartWith("tar header checksum mismatch"));
        Assert.That(e.Offset, Is.EqualTo(1024));
        Assert.That(Throws(tar[..(1024 + 300)]).Reason, Is.EqualTo("tar header truncated (300 of 512 bytes)"));
        Assert.That(Throws(tar[..(1536 + 100)]).Reason, Is.EqualTo("tar member k.btf truncated (100 of 713 bytes)"));
    }

    [Test]
    public void ArWithoutDataTarTriesEveryMember()
    {
        var blob = BtfContainer.Extract(Ar(("notes", "n"u8.ToArray()), ("vmlinux.btf", Tiny)));
        Assert.That(blob.Origin, Is.EqualTo("ar member vmlinux.btf > raw BTF"));
        Assert.That(Throws(Ar(("notes", "n"u8.ToArray()))).Reason, Does.StartWith("ar: no data.tar member and no member holds BTF"));
    }

    [Test]
    public void ArStructureErrors()
    {
        var ar = Ar(("debian-binary", "2.0\n"u8.ToArray()), ("data.tar", Tar(TarEntryFormat.Gnu, ("x.btf", Tiny))));
        var e = Throws(ar[..(8 + 60 + 4 + 30)]);
        Assert.That(e.Reason, Is.EqualTo("ar member header truncated (30 of 60 bytes)"));
        Assert.That(e.Offset, Is.EqualTo(72));
        Assert.That(Throws(ar[..(8 + 60 + 4 + 60 + 10)]).Reason, Does.StartWith("ar member data.tar (").And.Contain(" bytes at 0x84) runs past end of file"));
        var badSize = (byte[])ar.Clone();
        badSize[8 + 48] = (byte)'x';
        Assert.That(Throws(badSize).Reason, Is.EqualTo("ar member size field is not a decimal number"));
        var badEnd = (byte[])ar.Clone();
        badEnd[8 + 58] = (byte)'!';
        Assert.That(Throws(badEnd).Reason, Does.StartWith("ar member header does not end with"));
    }
}
