using NUnit.Framework;

namespace BtfNotebooks.Testing.Tests;

/// <summary>Mistakes in a test's own setup get messages that say what and where.</summary>
public class FrameworkErrorTests
{
    [Test]
    public void A_folder_that_is_nowhere_above_the_test_directory_is_named()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => BpfKernels.Locate("no/such/kernels"))!;
        Assert.That(e.Message, Does.StartWith("'no/such/kernels' was not found in ").And.EndWith(" or any folder above it"));
    }

    [Test]
    public void A_record_shorter_than_its_type_is_refused()
    {
        var obj = BpfTest.Object(Programs.Path("proctrace.o")).Object;
        var e = Assert.Throws<ArgumentException>(() => BpfRecords.Decode(obj.Btf!, "event", new byte[12]))!;
        Assert.That(e.Message, Is.EqualTo("a 12-byte record is shorter than event (40 bytes)"));
        Assert.That(BpfRecords.Decode(obj.Btf!, "event", new byte[40]).Get("pid"), Is.Zero);
    }
}
