using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Containers;
using NUnit.Framework;
using static BtfNotebooks.Tests.Containers.ContainerFixtures;

namespace BtfNotebooks.Tests.Containers;

public class BtfContainerApiTests
{
    [Test]
    public void ExtractFileReadsAndNamesTheFile()
    {
        var path = Path.Combine(ContainerFixtures.Directory, "tiny.btf.zst");
        var blob = BtfContainer.ExtractFile(path);
        AssertYields(blob, Tiny);
        Assert.That(blob.Origin, Is.EqualTo("zstd > raw BTF"), "the origin does not repeat the file name");
    }

    [Test]
    public void ExtractFileOfAMissingFile()
    {
        var path = Path.Combine(ContainerFixtures.Directory, "no-such-file.btf");
        var e = Assert.Throws<FileNotFoundException>(() => BtfContainer.ExtractFile(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("does not exist"));
        Assert.That(e.FileName, Is.EqualTo(path));
    }

    [Test]
    public void ExtractFileOfADirectory()
    {
        var e = Assert.Throws<FileNotFoundException>(() => BtfContainer.ExtractFile(ContainerFixtures.Directory))!;
        Assert.That(e.Message, Does.Contain("is a directory"));
    }

    [Test]
    public void ErrorsCarryTheFileNameAndTheLayers()
    {
        var path = Path.Combine(System.IO.Path.GetTempPath(), $"btfnb-{Guid.NewGuid():N}.deb");
        System.IO.File.WriteAllBytes(path, Load("linux-image-test.deb")[..1900]);
        try
        {
            var e = Assert.Throws<BtfFormatException>(() => BtfContainer.ExtractFile(path))!;
            Assert.That(e.Source, Is.EqualTo(path));
            Assert.That(e.Reason, Does.StartWith("ar member data.tar.xz ("));
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Test]
    public void ContentDecidesNotTheFileName()
    {
        var path = Path.Combine(System.IO.Path.GetTempPath(), $"btfnb-{Guid.NewGuid():N}.tar.gz");
        System.IO.File.WriteAllBytes(path, Load("tiny.btf.bz2"));
        try
        {
            Assert.That(BtfContainer.ExtractFile(path).Origin, Is.EqualTo("bzip2 > raw BTF"));
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }
}
