using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Layout;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Btf;

public class BtfSubsetTests
{
    [TestCase("task_struct")]
    [TestCase("sk_buff")]
    [TestCase("mm_struct")]
    public void A_struct_copied_alone_keeps_its_layout(string name)
    {
        var kernel = TestKernels.Spec(TestKernels.Local618);
        var root = kernel.FindComposite($"struct {name}");
        var subset = BtfSubset.Extract(kernel, [root.Id]);
        var copy = BtfSpec.Parse(subset.Btf, source: "subset");

        var copied = copy[subset.IdMap[root.Id]];
        Assert.That(StructLayout.Compute(copy, copied).ToText(), Is.EqualTo(StructLayout.Compute(kernel, root).ToText()));
        // Minimal: pointees become forward declarations, so the copy is a small fraction of the kernel.
        Assert.That(copy.LocalTypeCount, Is.LessThan(kernel.LocalTypeCount / 20), $"{copy.LocalTypeCount} types");
        Assert.That(copy.FindByName("task_struct", BtfKind.Struct) is null || name == "task_struct");
    }

    [Test]
    public void Pointees_reached_directly_are_copied_in_full()
    {
        var kernel = TestKernels.Spec(TestKernels.Local618);
        var task = kernel.FindComposite("struct task_struct");
        var mm = kernel.FindComposite("struct mm_struct");
        var subset = BtfSubset.Extract(kernel, [task.Id, mm.Id]);
        var copy = BtfSpec.Parse(subset.Btf);
        Assert.That(copy[subset.IdMap[mm.Id]].Kind, Is.EqualTo(BtfKind.Struct));
        Assert.That(StructLayout.Compute(copy, copy[subset.IdMap[mm.Id]]).ToText(), Is.EqualTo(StructLayout.Compute(kernel, mm).ToText()));
        // task_struct.mm is a pointer to the full copy, not to a FWD
        var mmMember = copy[subset.IdMap[task.Id]].Members.Single(m => m.Name == "mm");
        Assert.That(copy.SkipModifiers(mmMember.TypeId).Kind, Is.EqualTo(BtfKind.Ptr));
        Assert.That(copy.SkipModifiers(copy.SkipModifiers(mmMember.TypeId).TypeId).Kind, Is.EqualTo(BtfKind.Struct));
    }

    [Test]
    public void Without_forwarding_the_whole_graph_is_copied_and_self_consistent()
    {
        var kernel = TestKernels.Spec(TestKernels.Debian61);
        var root = kernel.FindComposite("struct file");
        var subset = BtfSubset.Extract(kernel, [root.Id], new BtfSubset.Options { PointeesAsForward = false });
        var copy = BtfSpec.Parse(subset.Btf);
        Assert.That(copy.LocalTypeCount, Is.EqualTo(subset.IdMap.Count));
        Assert.That(copy.FindByName("task_struct", BtfKind.Struct), Is.Not.Null, "struct file reaches task_struct through pointers");
        foreach (var (from, to) in subset.IdMap)
        {
            Assert.That(copy[to].Kind, Is.EqualTo(kernel[from].Kind));
            Assert.That(copy[to].Name, Is.EqualTo(kernel[from].Name));
        }
    }

    [Test]
    public void Enum64_bitfields_and_big_endian_survive()
    {
        var b = new BtfBuilder();
        uint u32 = b.Int("unsigned int", 4);
        uint e = b.Enum64("big", 8, signed: true, ("A", 0xffff_ffff_0000_0001), ("B", 5));
        uint s = b.Struct("s", 16, ("x", u32, 0, 3), ("y", u32, 3, 29), ("e", e, 64, 0));
        var source = BtfSpec.Parse(b.ToArray(bigEndian: true));
        var subset = BtfSubset.Extract(source, [s]);
        var copy = BtfSpec.Parse(subset.Btf);
        Assert.That(copy.IsBigEndian);
        Assert.That(BtfRawDump.ToText(copy), Is.EqualTo(BtfRawDump.ToText(source)));
    }
}
