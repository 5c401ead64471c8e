using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Layout;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Layout;

/// <summary>
/// Layouts of shipped kernels with numbers checked against pahole 1.24 once and written down here, so these
/// run without pahole.
/// </summary>
public class StructLayoutTests
{
    private static StructLayout Layout(string kernel, string type) => StructLayout.Compute(TestKernels.Spec(kernel), type);

    private static LayoutMember Row(StructLayout layout, string path) =>
        layout.Find(path) ?? throw new AssertionException($"{layout.Name} has no row '{path}'");

    [Test]
    public void TaskStructOn618()
    {
        var task = Layout(TestKernels.Local618, "struct task_struct");
        Assert.That(task.Name, Is.EqualTo("struct task_struct"));
        Assert.That(task.Size, Is.EqualTo(3264));
        Assert.That(task.Alignment, Is.EqualTo(8), "libbpf's natural alignment; BTF has no __aligned__(64)");
        Assert.That(task.Cachelines, Is.EqualTo(51));
        Assert.That(task.TotalMembers, Is.EqualTo(248));
        Assert.That(task.SumMemberBytes, Is.EqualTo(3160));
        Assert.That((task.HoleCount, task.HoleBytes, task.Padding), Is.EqualTo((17, 72L, 24L)));
        Assert.That(task.Summary.SumBitfieldBits, Is.EqualTo(23));
        Assert.That((task.Summary.BitHoleCount, task.Summary.BitHoleBits), Is.EqualTo((2, 41L)));
        Assert.That((task.Summary.PaddedMembers, task.Summary.SumPaddings), Is.EqualTo((5, 25L)));

        var pid = Row(task, "pid");
        Assert.That((pid.ByteOffset, pid.Size, pid.TypeName, pid.Depth), Is.EqualTo((1264L, 4L, "pid_t", 0)));
        Assert.That(pid.BitOffset, Is.EqualTo(1264 * 8));
        Assert.That(pid.CachelineBoundary, Is.EqualTo(19), "pahole: cacheline 19 boundary (1216 bytes) was 48 bytes ago");

        var comm = Row(task, "comm");
        Assert.That((comm.ByteOffset, comm.Size, comm.TypeName), Is.EqualTo((1752L, 16L, "char[16]")));

        Assert.That(Row(task, "stack").TypeName, Is.EqualTo("void *"));
        Assert.That(Row(task, "cred").TypeName, Is.EqualTo("const struct cred *"));
        Assert.That(Row(task, "restart_block").CrossesCacheline, Is.True, "1208..1263 spans the boundary at 1216");
        Assert.That(Row(task, "prev_cputime").TypePadding, Is.EqualTo(4), "pahole: XXX last struct has 4 bytes of padding");
    }

    [Test]
    public void TaskStructBitfieldsOn618()
    {
        var task = Layout(TestKernels.Local618, "task_struct");
        // pahole: "unsigned int sched_reset_on_fork:1; /* 1188: 0  4 */" ... "init_private_fork_class:4; /* 1192: 4  4 */"
        var first = Row(task, "sched_reset_on_fork");
        Assert.That((first.ByteOffset, first.BitfieldOffset, first.BitfieldSize, first.Size), Is.EqualTo((1188L, 0, 1, 4L)));
        Assert.That(first.BitOffset, Is.EqualTo(1188 * 8));
        Assert.That(first.SizeBits, Is.EqualTo(1));

        var wide = Row(task, "init_private_fork_class");
        Assert.That((wide.ByteOffset, wide.BitfieldOffset, wide.BitfieldSize), Is.EqualTo((1192L, 4, 4)));
        Assert.That(wide.BitOffset, Is.EqualTo(1192 * 8 + 4));

        // pahole: "XXX 28 bits hole" after sched_task_hot; "XXX 13 bits hole" then "XXX 4 bytes hole" after in_nf_duplicate.
        var afterHot = task.HolesAfter(Row(task, "sched_task_hot").Index).ToList();
        Assert.That(afterHot.Select(h => (h.IsBitHole, h.SizeBits, h.BitOffset)), Is.EqualTo(new[] { (true, 28L, 1188L * 8 + 4) }));
        var afterLast = task.HolesAfter(Row(task, "in_nf_duplicate").Index).ToList();
        Assert.That(afterLast.Select(h => (h.IsBitHole, h.SizeBits, h.BitOffset)),
            Is.EqualTo(new[] { (true, 13L, 1192L * 8 + 19), (false, 32L, 1196L * 8) }));
    }

    [Test]
    public void AnonymousStructMembersAreExpandedInPlace()
    {
        var mm = Layout(TestKernels.Local618, "struct mm_struct");
        Assert.That((mm.Size, mm.TotalMembers), Is.EqualTo((1472L, 2)));

        var argStart = Row(mm, "arg_start");
        Assert.That((argStart.ByteOffset, argStart.Size, argStart.Depth), Is.EqualTo((480L, 8L, 1)));
        Assert.That(argStart.TypeName, Is.EqualTo("long unsigned int"));
        var holder = mm.Members[argStart.ParentIndex];
        Assert.That((holder.IsAnonymous, holder.ExpandedKind, holder.Path, holder.ByteOffset, holder.Size),
            Is.EqualTo((true, BtfKind.Struct, "", 0L, 1472L)));
        Assert.That(argStart.ByteOffset, Is.EqualTo((long)TestKernels.Spec(TestKernels.Local618).ResolveField(mm.Type, "arg_start").ByteOffset));

        // Two anonymous levels deep: struct { struct { atomic_t mm_count; } __aligned(64); ... }.
        var mmCount = Row(mm, "mm_count");
        Assert.That((mmCount.ByteOffset, mmCount.Depth), Is.EqualTo((0L, 2)));
        // Holes inside an anonymous struct are reported there, not in the root's statistics.
        Assert.That(mm.HoleCount, Is.EqualTo(0));
        Assert.That(mm.Holes.Select(h => (h.After, h.ByteOffset, h.SizeBytes, h.Depth)).Take(2),
            Is.EqualTo(new[] { ("cpus_allowed_lock", 164L, 4L, 1), ("mm_lock_seq", 252L, 4L, 1) }));
        Assert.That((mm.Summary.PaddedMembers, mm.Summary.SumPaddings), Is.EqualTo((1, 28L)), "pahole: paddings: 1, sum paddings: 28");
    }

    [Test]
    public void HolesAndPaddingOfStructPidOn618()
    {
        // pahole -C pid: lock at 8 (4), "XXX 4 bytes hole", an anonymous struct at 16 (48), numbers[] at 144;
        // "sum members: 140, holes: 1, sum holes: 4", "last cacheline: 16 bytes".
        var pid = Layout(TestKernels.Local618, "struct pid");
        Assert.That(pid.Size, Is.EqualTo(144));
        var hole = pid.Holes.Single();
        Assert.That((hole.After, hole.ByteOffset, hole.SizeBytes, hole.IsBitHole, hole.Depth), Is.EqualTo(("lock", 12L, 4L, false, 0)));
        Assert.That((pid.HoleCount, pid.HoleBytes, pid.SumMemberBytes, pid.Padding, pid.LastCachelineBytes), Is.EqualTo((1, 4L, 140L, 0L, 16L)));
        Assert.That((Row(pid, "ino").ByteOffset, Row(pid, "ino").Depth), Is.EqualTo((16L, 1)));
        var numbers = Row(pid, "numbers");
        Assert.That((numbers.ByteOffset, numbers.Size, numbers.TypeName), Is.EqualTo((144L, 0L, "struct upid[0]")));
        Assert.That(Row(pid, "tasks").CachelineBoundary, Is.EqualTo(1));
    }

    [Test]
    public void TrailingPaddingAndBitPadding()
    {
        // pahole -C hrtimer: "size: 64 ... padding: 4"; -C kobject: five 1-bit fields at 60 then "bit_padding: 27 bits".
        var hrtimer = Layout(TestKernels.Local618, "struct hrtimer");
        Assert.That((hrtimer.Padding, hrtimer.HoleCount), Is.EqualTo((4L, 0)));
        Assert.That(Row(hrtimer, "function").TypeName, Is.EqualTo("enum hrtimer_restart (*)(struct hrtimer *)"));

        var kobject = Layout(TestKernels.Local618, "struct kobject");
        Assert.That((kobject.Padding, kobject.Summary.BitPadding, kobject.Summary.SumBitfieldBits), Is.EqualTo((0L, 27L, 5L)));
        Assert.That(Row(kobject, "uevent_suppress").BitOffset, Is.EqualTo(60 * 8 + 4));
    }

    [Test]
    public void PointersAreFourBytesOnI386()
    {
        // pahole -C kobject on the 686-pae kernel: name 0/4, entry 4/8, parent 12/4, ... size 36.
        var kobject = Layout(TestKernels.I386, "struct kobject");
        Assert.That(kobject.Size, Is.EqualTo(36));
        Assert.That(kobject.Alignment, Is.EqualTo(4));
        Assert.That((Row(kobject, "name").ByteOffset, Row(kobject, "name").Size), Is.EqualTo((0L, 4L)));
        Assert.That((Row(kobject, "entry").ByteOffset, Row(kobject, "entry").Size), Is.EqualTo((4L, 8L)));
        Assert.That((Row(kobject, "parent").ByteOffset, Row(kobject, "parent").Size), Is.EqualTo((12L, 4L)));
        Assert.That(Row(kobject, "uevent_suppress").ByteOffset, Is.EqualTo(32));
        Assert.That(kobject.LastCachelineBytes, Is.EqualTo(36));
    }

    [Test]
    public void BigEndianBitfieldsAreReportedAsPaholeDoes()
    {
        // s390x: BTF bit offsets count in memory order; pahole shows "1852: 0  4" for sched_reset_on_fork too.
        var task = Layout(TestKernels.S390, "struct task_struct");
        var first = Row(task, "sched_reset_on_fork");
        Assert.That((first.ByteOffset, first.BitfieldOffset, first.BitfieldSize), Is.EqualTo((1852L, 0, 1)));
    }

    [Test]
    public void UnionMembersAllStartAtZero()
    {
        var sifields = Layout(TestKernels.Local618, "union __sifields");
        Assert.That(sifields.IsUnion, Is.True);
        Assert.That(sifields.Name, Is.EqualTo("union __sifields"));
        var top = sifields.ChildrenOf(-1).Select(i => sifields.Members[i]).ToList();
        Assert.That(top, Has.Count.EqualTo(7));
        Assert.That(top.Select(m => m.ByteOffset), Is.All.EqualTo(0));
        Assert.That(top.Max(m => m.Size), Is.EqualTo(sifields.Size));
        Assert.That((sifields.Padding, sifields.HoleCount), Is.EqualTo((0L, 0)));
        // Named members of anonymous struct type are expanded too and reached through their name.
        var upper = Row(sifields, "_sigfault._addr_bnd._upper");
        Assert.That((upper.ByteOffset, upper.Depth), Is.EqualTo((24L, 3)));
        Assert.That(sifields.Holes.Single().After, Is.EqualTo("_sigchld._status"));
    }

    [Test]
    public void SplitModuleTypesLayOutOnTheirBase()
    {
        // pahole --btf_base vmlinux -C nf_conntrack_net nf_conntrack: a module-only struct with base member types;
        // "XXX 4 bytes hole" after users_bridge, ecache at 32 (104), "sum members: 132, holes: 1, sum holes: 4".
        var net = Layout(TestKernels.NfConntrack61, "struct nf_conntrack_net");
        Assert.That(net.Size, Is.EqualTo(136));
        Assert.That(net.Holes.Select(h => (h.After, h.ByteOffset, h.SizeBytes)), Is.EqualTo(new[] { ("users_bridge", 20L, 4L) }));
        Assert.That((Row(net, "ecache").ByteOffset, Row(net, "ecache").Size), Is.EqualTo((32L, 104L)));
        Assert.That(Row(net, "sysctl_header").TypeName, Is.EqualTo("struct ctl_table_header *"));
        Assert.That((net.SumMemberBytes, net.HoleCount, net.HoleBytes), Is.EqualTo((132L, 1, 4L)));
    }

    [TestCase(TestKernels.Local618)]
    [TestCase(TestKernels.Debian61)]
    [TestCase(TestKernels.I386)]
    [TestCase(TestKernels.S390)]
    public void EveryStructAccountsForEveryBit(string kernel)
    {
        // pahole's own consistency check ("BRAIN FART ALERT" when it fails): members, holes and padding add up
        // to the size, for every struct of the kernel.
        var spec = TestKernels.Spec(kernel);
        int checkedStructs = 0;
        foreach (var type in spec.AllTypes)
        {
            if (type.Kind != BtfKind.Struct || type.Vlen == 0) continue;
            var s = StructLayout.Compute(spec, type).Summary;
            long accounted = s.SumMemberBytes * 8 + s.SumBitfieldBits + s.HoleBytes * 8 + s.BitHoleBits + s.Padding * 8 + s.BitPadding;
            Assert.That(accounted, Is.EqualTo(type.Size * 8), $"{type}: {s}");
            checkedStructs++;
        }
        Assert.That(checkedStructs, Is.GreaterThan(5000));
    }

    [Test]
    public void TypedefsAreLookedThrough()
    {
        var spec = TestKernels.Spec(TestKernels.Local618);
        var viaTypedef = StructLayout.Compute(spec, spec.FindType("typedef atomic_t"));
        Assert.That(viaTypedef.Name, Is.EqualTo("atomic_t"), "an anonymous struct takes the typedef's name");
        Assert.That((viaTypedef.Size, viaTypedef.Members.Single().Name), Is.EqualTo((4L, "counter")));
    }

    [Test]
    public void UnknownTypesAreLookupErrors()
    {
        var spec = TestKernels.Spec(TestKernels.Local618);
        Assert.Throws<BtfLookupException>(() => StructLayout.Compute(spec, "struct no_such_struct_anywhere"));
        var notRecord = Assert.Throws<BtfLookupException>(() => StructLayout.Compute(spec, spec.FindType("int")));
        Assert.That(notRecord!.Message, Does.Contain("not a struct or union"));
    }

    [Test]
    public void ForwardOnlyTypesAreLookupErrors()
    {
        // static_key_mod is only ever forward-declared in this kernel's BTF.
        var spec = TestKernels.Spec(TestKernels.Local618);
        var fwd = spec.FindByName("static_key_mod").Single();
        Assert.That(fwd.Kind, Is.EqualTo(BtfKind.Fwd));
        var direct = Assert.Throws<BtfLookupException>(() => StructLayout.Compute(spec, fwd));
        Assert.That(direct!.Message, Does.Contain("struct static_key_mod is only forward-declared"));
        var byName = Assert.Throws<BtfLookupException>(() => StructLayout.Compute(spec, "struct static_key_mod"));
        Assert.That(byName!.Message, Does.Contain("forward-declared"));
    }
}
