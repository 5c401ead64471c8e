using BtfNotebooks.Btf;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Btf;

public class SplitBtfTests
{
    [Test]
    public void ModuleIdsAndStringsContinueAfterTheBase()
    {
        var vmlinux = TestKernels.Spec(TestKernels.Debian61);
        var module = TestKernels.Spec(TestKernels.NfConntrack61);
        Assert.That(module.Base, Is.SameAs(vmlinux));
        Assert.That(module.FirstTypeId, Is.EqualTo(100751)); // MANIFEST: first_type_id=100751
        Assert.That(module.LocalTypeCount, Is.EqualTo(634));
        Assert.That(module.StringStart, Is.EqualTo(vmlinux.TotalStringLength));
        var nfConn = module.FindType("struct nf_conntrack_helper"); // defined by the module only
        Assert.That(nfConn.Id, Is.GreaterThanOrEqualTo(module.FirstTypeId));
        // base types are visible through the module, and the module's members refer to them
        Assert.That(module.FindType("struct task_struct").Id, Is.LessThan(module.FirstTypeId));
        Assert.That(module[1].Name, Is.EqualTo(vmlinux[1].Name));
        Assert.That(nfConn.Members.Any(m => m.TypeId < module.FirstTypeId), Is.True);
    }

    [TestCase(TestKernels.Local618)]
    [TestCase(TestKernels.Debian612)]
    [TestCase(TestKernels.Debian612Arm)]
    [TestCase(TestKernels.I386)]
    [TestCase(TestKernels.S390)]
    public void AWrongBaseIsAnErrorNotGarbage(string wrongBase)
    {
        foreach (var module in new[] { TestKernels.NfConntrack61, TestKernels.Ext4_61 })
        {
            var ex = Assert.Throws<BtfFormatException>(() => BtfSpec.Parse(TestKernels.RawBlob(module), TestKernels.Spec(wrongBase), module));
            Assert.That(ex!.Message, Does.Contain("base"), ex.Message);
            Assert.That(ex.TypeId, Is.GreaterThanOrEqualTo(TestKernels.Spec(wrongBase).TypeCount));
            Assert.That(ex.Offset, Is.Not.Null);
        }
    }

    [Test]
    public void EverySharedModuleLoadsOnlyOnItsOwnBase()
    {
        var dir = TestKernels.SharedDir ?? throw new IgnoreException("../shared/kernels is not present");
        var modules = Directory.GetFiles(dir, "*.btf.xz").Select(f => Path.GetFileName(f)[..^7]).Where(n => TestKernels.BaseOf(n) is not null).ToArray();
        var bases = modules.Select(m => TestKernels.BaseOf(m)!).Distinct()
            .ToDictionary(b => b, b => BtfSpec.Parse(TestKernels.ExtractRaw(Path.Combine(dir, b + ".btf.xz")), null, b));
        Assert.That(modules, Has.Length.GreaterThanOrEqualTo(6));
        foreach (var m in modules)
        {
            var raw = TestKernels.ExtractRaw(Path.Combine(dir, m + ".btf.xz"));
            foreach (var (name, spec) in bases)
            {
                if (name == TestKernels.BaseOf(m))
                    Assert.DoesNotThrow(() => BtfSpec.Parse(raw, spec, m), $"{m} on its own base");
                else
                    Assert.Throws<BtfFormatException>(() => BtfSpec.Parse(raw, spec, m), $"{m} on {name}");
            }
        }
    }
}
