using BtfNotebooks.Kernels;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Kernels;

/// <summary>The text form with paths through pointers: what <c>--ctx</c> would take, the same text on every kernel.</summary>
public class KernelHeapTextTests
{
    private const string Text = "task_struct pid=42 comm=bash real_parent.tgid=7 real_parent->comm=systemd mm.arg_start=0x7ffd0000 files.fd_array[1].f_pos=10";

    [TestCase(TestKernels.Debian61)]
    [TestCase(TestKernels.Debian612)]
    [TestCase(TestKernels.Local618)]
    [TestCase(TestKernels.Debian612Arm)]
    [TestCase(TestKernels.S390)]
    public void ParsesPathsThroughPointersAndReadsBack(string kernel)
    {
        var spec = TestKernels.Spec(kernel);
        var heap = new KernelHeap(spec, new AddressSpace());
        var task = heap.Parse(Text);
        Assert.That(task.Get("pid"), Is.EqualTo(42));
        Assert.That(task.Get("real_parent.tgid"), Is.EqualTo(7));
        Assert.That(task.GetString("real_parent.comm"), Is.EqualTo("systemd"));
        Assert.That(task.GetUnsigned("mm.arg_start"), Is.EqualTo(0x7ffd0000UL));
        Assert.That(task.Get("files.fd_array[1].f_pos"), Is.EqualTo(10));
        Assert.That(heap.Objects.Select(o => o.TypeName), Is.EqualTo(new[] { "task_struct", "task_struct", "mm_struct", "files_struct", "file" }));

        string text = task.ToText();
        Assert.That(text, Is.EqualTo("task_struct pid=42 comm=bash real_parent.tgid=7 real_parent.comm=systemd mm.arg_start=2147287040 files.fd_array[1].f_pos=10"));
        var again = new KernelHeap(spec, new AddressSpace());
        var copy = again.Parse(text);
        Assert.That(copy.ToText(), Is.EqualTo(text));
        for (int i = 0; i < heap.Objects.Count; i++)
        {
            // Same objects in the same order: equal bytes but for the pointers, which hold each heap's addresses
            // (here the same, as both address spaces allocate in the same order).
            Assert.That(again.Objects[i].Bytes, Is.EqualTo(heap.Objects[i].Bytes), heap.Objects[i].TypeName);
        }
        Assert.That(task.GetObject("real_parent")!.ToText(), Is.EqualTo("task_struct tgid=7 comm=systemd"), "the parent lists what was set through it");
    }

    [Test]
    public void PointerValuesArriveAsAddressesAndNull()
    {
        var heap = new KernelHeap(TestKernels.Spec(TestKernels.Debian61), new AddressSpace());
        var parent = heap.New("task_struct");
        var task = heap.Parse($"task_struct real_parent=0x{parent.Address:x} mm=null group_leader=0");
        Assert.That(task.GetObject("real_parent"), Is.SameAs(parent));
        Assert.That(task.GetObject("mm"), Is.Null);
        Assert.That(task.ToText(), Is.EqualTo($"task_struct real_parent=0x{parent.Address:x} mm=null group_leader=null"));
        Assert.That(task.ToString(), Is.EqualTo($"struct task_struct at 0x{task.Address:x} (9792 bytes, {TestKernels.Debian61}): {task.ToText()}"));
    }

    [Test]
    public void ArraysParseAsTypeWithCount()
    {
        var heap = new KernelHeap(TestKernels.Spec(TestKernels.S390), new AddressSpace());
        var args = heap.Parse("u64[3] [0]=1 [2]=0xffffffffffffffff");
        Assert.That(args.TypeName, Is.EqualTo("u64[3]"));
        Assert.That(args.Bytes, Is.EqualTo(new byte[] { 0, 0, 0, 0, 0, 0, 0, 1 }.Concat(new byte[8]).Concat(Enumerable.Repeat((byte)0xff, 8))), "big-endian u64s");
        Assert.That(args.ToText(), Is.EqualTo("u64[3] [0]=1 [2]=18446744073709551615"));
    }

    [TestCase("task_struct mm.arg_strat=1", "column 13: mm.arg_strat=1: struct mm_struct (task_struct.mm) has no member 'arg_strat'; did you mean arg_start?")]
    [TestCase("task_struct real_parent=bash", "column 13: real_parent=bash: task_struct.real_parent is struct task_struct * (64-bit pointer): 'bash' is not an address; write null, 0 or 0x..., or set a member behind it (real_parent.MEMBER=...) to allocate what it points at")]
    [TestCase("task_struct stack.x=1", "column 13: stack.x=1: task_struct.stack is void *: a void pointer does not say what it points at, so nothing can be allocated behind it; point it at a heap object first (Set(\"stack\", heap.New(...)))")]
    [TestCase("u64[x] [0]=1", "column 1: 'u64[x]': 'x' is not an element count")]
    [TestCase("pid_t pid=1", "column 1: 'pid_t' is int, not a struct or union; for a bare value allocate an array of it (pid_t[1])")]
    [TestCase("task_struct mm.arg_start=1 mm->arg_start=2", "column 28: mm->arg_start is already set at column 13")]
    public void ParseRefuses(string text, string message)
    {
        var heap = new KernelHeap(TestKernels.Spec(TestKernels.Debian61), new AddressSpace());
        var e = Assert.Throws<KernelObjectException>(() => heap.Parse(text))!;
        Assert.That(e.Message, Is.EqualTo(message));
    }

    [Test]
    public void ALoneKernelObjectStillRefusesPointers()
    {
        var e = Assert.Throws<KernelObjectException>(() => KernelObject.Parse(TestKernels.Spec(TestKernels.Debian61), "task_struct real_parent.tgid=7"))!;
        Assert.That(e.Message, Is.EqualTo("column 13: real_parent.tgid=7: task_struct.real_parent is a pointer; the object holds no memory for it to point at, so members behind it cannot be set ('tgid' in 'real_parent.tgid')"));
    }
}
