using System.Buffers.Binary;
using BtfNotebooks.Btf.Containers;
using NUnit.Framework;
using static BtfNotebooks.Tests.Containers.ContainerFixtures;

namespace BtfNotebooks.Tests.Containers;

public class ElfTests
{
    [TestCase("elf64le.o", "ELF64 little-endian", false)]
    [TestCase("elf64be.o", "ELF64 big-endian", true)]
    [TestCase("elf32le.o", "ELF32 little-endian", false)]
    [TestCase("elf32be.o", "ELF32 big-endian", true)]
    public void BtfSectionIsSlicedOutOfTheInput(string file, string kind, bool bigEndian)
    {
        var input = Load(file);
        var blob = BtfContainer.Extract(input);
        AssertYields(blob, bigEndian ? TinyBigEndian : Tiny);
        Assert.That(blob.Data, Is.SameAs(input), "no copy");
        Assert.That(blob.Origin, Is.EqualTo($"{kind} .BTF section at 0x{blob.Start:x}"));
    }

    [TestCase("elf64le-zlib.o", "zlib")]
    [TestCase("elf64le-zstd.o", "zstd")]
    public void CompressedBtfSectionIsDecompressed(string file, string compression)
    {
        var blob = BtfContainer.Extract(Load(file));
        AssertYields(blob, Tiny);
        Assert.That(blob.Origin, Does.StartWith("ELF64 little-endian .BTF section at 0x").And.Contain($"(SHF_COMPRESSED {compression}, 713 bytes)"));
    }

    [Test]
    public void ElfWithoutBtfSectionIsAnError()
    {
        var e = Throws(Load("elf64le-nobtf.o"), "vmlinux");
        Assert.That(e.Reason, Does.StartWith("no .BTF section in ELF (ELF64 little-endian, 4 sections"));
        Assert.That(e.Source, Is.EqualTo("vmlinux"));
    }

    [Test]
    public void ElfWithoutBtfSectionFallsBackToScanningForABtfHeader()
    {
        var blob = BtfContainer.Extract(Load("elf64le-btf-in-rodata.o"));
        AssertYields(blob, Tiny);
        Assert.That(blob.Origin, Does.StartWith("ELF64 little-endian without .BTF section > BTF header found by scan at 0x"));
    }

    [Test]
    public void TruncatedHeader() =>
        Assert.That(Throws(Load("elf64le.o")[..40]).Reason, Is.EqualTo("ELF header truncated (40 of 64 bytes)"));

    [Test]
    public void TruncatedSectionHeaderTable()
    {
        var elf = Load("elf64le.o");
        var e = Throws(elf[..^1]);
        Assert.That(e.Reason, Does.StartWith("ELF section header table runs past end of file"));
        Assert.That(e.Offset, Is.EqualTo(BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(40))));
    }

    [Test]
    public void SectionHeaderOffsetPastEndOfFile()
    {
        var elf = Load("elf64le.o");
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(40), (ulong)elf.Length + 100);
        Assert.That(Throws(elf).Reason, Does.StartWith($"ELF section header table at 0x{elf.Length + 100:x} runs past end of file"));
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(40), ulong.MaxValue);
        Assert.That(Throws(elf).Reason, Does.Contain("runs past end of file"));
    }

    [Test]
    public void TooManySections()
    {
        var elf = Load("elf64le.o");
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(60), 0xFF00);
        Assert.That(Throws(elf).Reason, Does.StartWith("ELF section header table runs past end of file (65280 entries"));
    }

    [Test]
    public void SectionHeaderEntrySizeTooSmall()
    {
        var elf = Load("elf64le.o");
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(58), 10);
        var e = Throws(elf);
        Assert.That(e.Reason, Is.EqualTo("ELF e_shentsize 10 is smaller than a section header (64 bytes)"));
        Assert.That(e.Offset, Is.EqualTo(58));
    }

    [Test]
    public void SectionNameTableIndexOutOfRange()
    {
        var elf = Load("elf64le.o");
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(62), 99);
        Assert.That(Throws(elf).Reason, Is.EqualTo("ELF e_shstrndx 99 does not name a section (5 sections)"));
    }

    [Test]
    public void BadIdentification()
    {
        var elf = Load("elf64le.o");
        elf[4] = 3;
        Assert.That(Throws(elf).Reason, Does.Contain("EI_CLASS 3"));
        elf = Load("elf64le.o");
        elf[5] = 0;
        Assert.That(Throws(elf).Reason, Does.Contain("EI_DATA 0"));
    }

    [Test]
    public void BtfSectionDataPastEndOfFile()
    {
        var elf = Load("elf64le.o");
        var header = SectionHeaderOffset(elf, ".BTF");
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(header + 32), 0x100000); // sh_size
        var e = Throws(elf);
        Assert.That(e.Reason, Does.StartWith(".BTF section (0x100000 bytes at 0x").And.EndsWith("runs past end of file (0x518 bytes)"));
        Assert.That(e.Offset, Is.EqualTo(header));
    }

    [Test]
    public void NoBitsBtfSection()
    {
        var elf = Load("elf64le.o");
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(SectionHeaderOffset(elf, ".BTF") + 4), 8); // SHT_NOBITS
        Assert.That(Throws(elf).Reason, Does.StartWith(".BTF section is SHT_NOBITS"));
    }

    [Test]
    public void SectionNameOutsideNameTable()
    {
        var elf = Load("elf64le.o");
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(SectionHeaderOffset(elf, ".BTF")), 0xFFFF);
        Assert.That(Throws(elf).Reason, Does.Contain("name offset 0xffff is outside the section name table"));
    }

    [Test]
    public void CompressedSectionWithUnknownType()
    {
        var elf = Load("elf64le-zlib.o");
        var data = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(SectionHeaderOffset(elf, ".BTF") + 24));
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(data), 7);
        Assert.That(Throws(elf).Reason, Is.EqualTo("compressed .BTF section uses unknown ch_type 7 (known: 1 zlib, 2 zstd)"));
    }

    [Test]
    public void CompressedSectionSizeMismatch()
    {
        var elf = Load("elf64le-zstd.o");
        var data = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(SectionHeaderOffset(elf, ".BTF") + 24));
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(data + 8), 700); // ch_size smaller than the real 713
        Assert.That(Throws(elf).Reason, Does.Contain("decompresses to more than 700 bytes"));
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(data + 8), 800);
        Assert.That(Throws(elf).Reason, Is.EqualTo("compressed .BTF section decompressed to 713 bytes, header says 800"));
    }

    [Test]
    public void ElfWithoutSectionHeaderTableIsScanned()
    {
        var elf = Load("elf64le.o");
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(40), 0);
        var blob = BtfContainer.Extract(elf);
        AssertYields(blob, Tiny);
        Assert.That(blob.Origin, Does.Contain("without .BTF section > BTF header found by scan"));
    }
}
