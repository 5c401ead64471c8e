using BtfNotebooks.Btf;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Btf;

public class ModelTests
{
    // From data/kernels/MANIFEST.tsv: type count, task_struct.pid, task_struct.comm, sk_buff.len, sizeof(task_struct).
    [TestCase(TestKernels.Local618, 126610, 1264, 1752, 112, 3264)]
    [TestCase(TestKernels.Debian61, 100750, 2416, 2976, 112, 9792)]
    [TestCase(TestKernels.Debian612Arm, 126516, 1376, 1920, 112, 4736)]
    [TestCase(TestKernels.S390, 77392, 1928, 2360, 112, 4608)]
    [TestCase(TestKernels.I386, 93864, 1108, 1412, 84, 6592)]
    public void KernelFactsMatchTheManifest(string kernel, int types, int pid, int comm, int skbLen, int taskSize)
    {
        var spec = TestKernels.Spec(kernel);
        Assert.That(spec.LocalTypeCount, Is.EqualTo(types));
        Assert.That(spec.ResolveField("task_struct", "pid").ByteOffset, Is.EqualTo((ulong)pid));
        Assert.That(spec.ResolveField("task_struct", "comm").ByteOffset, Is.EqualTo((ulong)comm));
        Assert.That(spec.ResolveField("struct sk_buff", "len").ByteOffset, Is.EqualTo((ulong)skbLen));
        Assert.That(spec.SizeOf(spec.FindType("struct task_struct")), Is.EqualTo(taskSize));
    }

    [Test]
    public void ByteOrderAndPointerSize()
    {
        Assert.That(TestKernels.Spec(TestKernels.S390).IsBigEndian, Is.True);
        Assert.That(TestKernels.Spec(TestKernels.Local618).IsBigEndian, Is.False);
        Assert.That(TestKernels.Spec(TestKernels.I386).PointerSize, Is.EqualTo(4));
        Assert.That(TestKernels.Spec(TestKernels.S390).PointerSize, Is.EqualTo(8));
        var i386 = TestKernels.Spec(TestKernels.I386);
        Assert.That(i386.SizeOf(i386.ResolveField("task_struct", "mm").Type), Is.EqualTo(4));
    }

    [Test]
    public void FieldsResolveThroughAnonymousMembers()
    {
        var spec = TestKernels.Spec(TestKernels.Local618);
        var arg = spec.ResolveField("mm_struct", "arg_start");
        Assert.That(arg.ByteOffset, Is.EqualTo(480)); // DRIFT.tsv
        Assert.That(arg.Steps, Has.Count.GreaterThan(1), "arg_start sits inside an anonymous struct");
        Assert.That(arg.Steps[0].Member.IsAnonymous, Is.True);
        Assert.That(spec.ResolveField("file", "f_path").ByteOffset, Is.EqualTo(64));
        // nested path through an embedded struct: sk_buff's anonymous union holds 'len' at 112 and the embedded
        // struct file.f_path has .dentry at +8
        Assert.That(spec.ResolveField("file", "f_path.dentry").ByteOffset, Is.EqualTo(72));
    }

    [Test]
    public void BitfieldsCarryBitOffsetAndWidth()
    {
        var spec = TestKernels.Spec(TestKernels.Local618);
        var cloned = spec.ResolveField("sk_buff", "cloned");
        Assert.That((cloned.BitOffset, cloned.BitfieldSize), Is.EqualTo((1008UL, 1U)));
        var fclone = spec.ResolveField("sk_buff", "fclone");
        Assert.That((fclone.BitOffset, fclone.BitfieldSize, fclone.IsBitfield), Is.EqualTo((1010UL, 2U, true)));
    }

    [Test]
    public void OldStyleBitfieldWithoutKindFlagComesFromTheInt()
    {
        var b = new BtfBuilder();
        uint i = b.Int("int", 4, BtfIntEncoding.Signed);
        uint bits3 = b.Int("int", 4, BtfIntEncoding.Signed, bits: 3, bitOffset: 2);
        b.Struct("old", 4, ("x", bits3, 0, 0), ("y", i, 0, 0));
        var spec = BtfSpec.Parse(b.ToArray());
        var x = spec.ResolveField("old", "x");
        Assert.That((x.BitOffset, x.BitfieldSize), Is.EqualTo((2UL, 3U)));
    }

    [Test]
    public void KindFlagMeanings()
    {
        var b = new BtfBuilder();
        uint i = b.Int("int", 4, BtfIntEncoding.Signed);
        b.Fwd("maybe_union", union: true);
        b.Fwd("maybe_struct");
        b.Enum("signed_e", 4, true, ("M", -3));
        b.Struct("bf", 4, ("a", i, 0, 0), ("b", i, 3, 4));
        var spec = BtfSpec.Parse(b.ToArray());
        Assert.That(spec.FindByName("maybe_union", BtfKind.Fwd)!.Value.IsUnionForward, Is.True);
        Assert.That(spec.FindByName("maybe_struct", BtfKind.Fwd)!.Value.IsUnionForward, Is.False);
        var e = spec.FindType("enum signed_e");
        Assert.That((e.IsSignedEnum, e.EnumValues[0].SignedValue), Is.EqualTo((true, -3L)));
        var members = spec.FindComposite("bf").Members;
        Assert.That((members[1].BitOffset, members[1].BitfieldSize), Is.EqualTo((3U, 4U)));
    }

    [Test]
    public void LookupsByNameAndKind()
    {
        var spec = TestKernels.Spec(TestKernels.Local618);
        Assert.That(spec.FindType("struct task_struct").Kind, Is.EqualTo(BtfKind.Struct));
        Assert.That(spec.FindType("union bpf_attr").Kind, Is.EqualTo(BtfKind.Union));
        Assert.That(spec.FindType("enum bpf_func_id").Kind, Is.EqualTo(BtfKind.Enum));
        Assert.That(spec.FindType("u32").Kind, Is.EqualTo(BtfKind.Typedef));
        Assert.That(spec.SkipModifiers(spec.FindType("u32")).Name, Is.EqualTo("unsigned int"));
        Assert.That(spec.FindByName("task_struct"), Is.Not.Empty);
        Assert.That(spec.FindByName("no_such_type_anywhere"), Is.Empty);
        var ex = Assert.Throws<BtfLookupException>(() => spec.FindType("struct no_such_type"));
        Assert.That(ex!.Message, Does.Contain("struct no_such_type"));
        Assert.Throws<BtfLookupException>(() => spec.ResolveField("task_struct", "no_such_member"));
        var notEmbedded = Assert.Throws<BtfLookupException>(() => spec.ResolveField("task_struct", "mm.arg_start"));
        Assert.That(notEmbedded!.Message, Does.Contain("pointer"));
    }

    [Test]
    public void FunctionsAreFoundByNameAndKind()
    {
        var spec = BtfSpec.Parse(TestKernels.RawBlob(TestKernels.Local618), null, "fresh"); // function index not built yet
        var func = spec.FindByName("bpf_prog_run_array", BtfKind.Func) ?? spec.FindByName("schedule", BtfKind.Func);
        Assert.That(func, Is.Not.Null);
        Assert.That(func!.Value.Kind, Is.EqualTo(BtfKind.Func));
        Assert.That(spec.FindByName("schedule").Select(t => t.Kind), Does.Contain(BtfKind.Func));
        Assert.That(spec.FindType("schedule").Kind, Is.EqualTo(BtfKind.Func), "a bare name that is only a function");
        Assert.That(spec.FindByName("task_struct", BtfKind.Func), Is.Null);
    }

    [Test]
    public void EveryNamedTypeIsFoundByItsName()
    {
        var spec = TestKernels.Spec(TestKernels.Debian61);
        int checkedCount = 0;
        foreach (var t in spec.LocalTypes)
        {
            if (t.IsAnonymous || t.Id % 5 != 0) continue; // a fifth of them keeps the test fast
            Assert.That(spec.FindByName(t.Name), Does.Contain(t), t.ToString());
            checkedCount++;
        }
        Assert.That(checkedCount, Is.GreaterThan(10_000));
    }

    [Test]
    public void SizesAndAlignmentFollowLibbpf()
    {
        var b = new BtfBuilder();
        uint i = b.Int("int", 4, BtfIntEncoding.Signed);
        uint c = b.Int("char", 1);
        uint l = b.Int("long int", 8, BtfIntEncoding.Signed);
        uint arr = b.Array(i, i, 10);
        uint packed = b.Struct("packed", 5, ("c", c, 0, 0), ("i", i, 8, 0));
        uint normal = b.Struct("normal", 16, ("c", c, 0, 0), ("l", l, 64, 0));
        uint td = b.Typedef("arr_t", arr);
        var spec = BtfSpec.Parse(b.ToArray());
        Assert.That(spec.SizeOf(td), Is.EqualTo(40));
        Assert.That(spec.AlignOf(spec[packed]), Is.EqualTo(1));
        Assert.That(spec.AlignOf(spec[normal]), Is.EqualTo(8));
        Assert.That(spec.AlignOf(spec[arr]), Is.EqualTo(4));
        Assert.Throws<BtfLookupException>(() => spec.SizeOf(0));
    }

    [Test]
    public void MemoryOfALoadedVmlinuxIsAtMostTwiceItsRawSize()
    {
        var raw = TestKernels.RawBlob(TestKernels.Local618);
        BtfSpec.Parse(raw); // warm up: the measurement below should not count JIT work
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var spec = BtfSpec.Parse(raw, null, "local");
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        // the blob itself (kept, not copied) plus everything parsing allocated, on every thread
        Assert.That(raw.Length + allocated, Is.LessThanOrEqualTo(2L * raw.Length), $"allocated {allocated} bytes");
        Assert.That(spec.RetainedBytes, Is.LessThanOrEqualTo(2L * spec.RawSize));
        TestContext.Out.WriteLine($"raw {raw.Length} bytes, parse allocated {allocated} bytes: {(raw.Length + allocated) / (double)raw.Length:F2}x");
    }
}
