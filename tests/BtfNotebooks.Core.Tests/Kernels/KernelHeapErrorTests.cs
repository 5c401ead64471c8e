using BtfNotebooks.Btf;
using BtfNotebooks.Kernels;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Kernels;

/// <summary>Every refusal of <see cref="KernelHeap"/> and <see cref="HeapObject"/>, with its whole message, on Debian 6.1 amd64.</summary>
public class KernelHeapErrorTests
{
    public sealed record World(KernelHeap Heap, HeapObject Task, HeapObject Parent, HeapObject Args);

    // A task with a parent, a u64[2] array and a packet region that is not a heap object; addresses are fixed by
    // the allocation order: packet 0x100000000, parent 0x200000000, task 0x300000000, u64[2] 0x400000000.
    private static World Make()
    {
        var memory = new AddressSpace();
        var packet = memory.Map("packet", new byte[64], RegionKind.Packet);
        var heap = new KernelHeap(TestKernels.Spec(TestKernels.Debian61), memory);
        var parent = heap.New("task_struct");
        var task = heap.New("task_struct").Set("real_parent", parent);
        var args = heap.NewArray("u64", 2);
        Assert.That(packet.Address, Is.EqualTo(0x1_0000_0000UL));
        Assert.That(task.Address, Is.EqualTo(0x3_0000_0000UL));
        return new World(heap, task, parent, args);
    }

    private static IEnumerable<TestCaseData> Refusals()
    {
        TestCaseData C(string name, Action<World> act, string message) => new TestCaseData(act, message).SetName(name);
        yield return C("unknown member, close names suggested", w => w.Task.Set("pdi", 1),
            "struct task_struct has no member 'pdi'; did you mean pid?");
        yield return C("unknown member behind a pointer names the pointer", w => w.Task.Set("mm.arg_strat", 1),
            "struct mm_struct (task_struct.mm) has no member 'arg_strat'; did you mean arg_start?");
        yield return C("unknown member behind a set pointer", w => w.Task.Get("real_parent.tigd"),
            "struct task_struct (task_struct.real_parent) has no member 'tigd'; did you mean tgid?");
        yield return C("unknown nested member", w => w.Task.Set("se.vruntim", 1),
            "struct sched_entity (task_struct.se) has no member 'vruntim'; did you mean vruntime?");
        yield return C("reading through a NULL pointer", w => w.Task.Get("mm.arg_start"),
            "task_struct.mm is NULL: there is no 'arg_start' behind it to read ('mm.arg_start'); set a member behind it to allocate the struct mm_struct, or point it at a heap object");
        yield return C("GetObject of a pointer to non-heap memory", w => w.Task.Set("real_parent", 0x1_0000_0010UL).GetObject("real_parent"),
            "task_struct.real_parent holds 0x100000010, which is in the VM's packet region 'packet' 0x100000000..0x100000040 (64 bytes), not a heap object; 'real_parent' cannot be followed");
        yield return C("reading through a pointer to non-heap memory", w => w.Task.Set("real_parent", 0x1234UL).Get("real_parent.pid"),
            "task_struct.real_parent holds 0x1234, which is no VM address (heap objects live at 4 GiB and above); 'real_parent.pid' cannot be followed");
        yield return C("writing through a pointer past a heap object's end", w => w.Task.Set("real_parent", w.Parent.Address + 20000).Set("real_parent.pid", 1),
            "task_struct.real_parent holds 0x200004e20, which is 20000 bytes into the 9792-byte task_struct at 0x200000000: past its end; 'real_parent.pid' cannot be followed");
        yield return C("a pointer into an object too small for its type", w => w.Task.Set("real_parent", w.Parent.Address + 9700).Get("real_parent.pid"),
            "task_struct.real_parent.pid (pid_t) lies at byte 12116 of the task_struct at 0x200000000, past its end: the pointer that leads there points at something smaller than its type");
        yield return C("a pointer to an object of another type", w => w.Task.Set("mm", w.Parent),
            "task_struct.mm is struct mm_struct *, but the task_struct at 0x200000000 is struct task_struct; to store its address anyway, set the pointer to its Address");
        yield return C("a heap object into an integer", w => w.Task.Set("pid", w.Parent),
            "task_struct.pid is pid_t (32 bits, signed), not a pointer: it cannot hold the task_struct at 0x200000000");
        yield return C("a heap object into a u64 slot", w => w.Args.Set("[0]", w.Task),
            "u64[2][0] is u64 (64 bits, unsigned), not a pointer: it cannot hold the task_struct at 0x300000000");
        yield return C("a whole struct", w => w.Task.Set("se", 1),
            "task_struct.se is struct sched_entity, not a single value; set one of its members (e.g. se.load, se.run_node, se.group_node, se.on_rq)");
        yield return C("a whole struct behind a pointer", w => w.Task.Set("real_parent.se", "x"),
            "task_struct.real_parent.se is struct sched_entity, not a single value; set one of its members (e.g. real_parent.se.load, real_parent.se.run_node, real_parent.se.group_node, real_parent.se.on_rq)");
        yield return C("an array of longs without an index", w => w.Task.Set("numa_faults_locality", 1),
            "task_struct.numa_faults_locality is long unsigned int[3], an array of long unsigned int; set its elements (numa_faults_locality[0])");
        yield return C("index out of range", w => w.Task.Set("numa_faults_locality[3]", 1),
            "task_struct.numa_faults_locality[3]: index 3 is out of range: task_struct.numa_faults_locality is long unsigned int[3] (0..2)");
        yield return C("index of an array object out of range", w => w.Args.Set("[2]", 1),
            "u64[2][2]: index 2 is out of range: u64[2] has 2 elements (0..1)");
        yield return C("an element of an empty array object", w => w.Heap.NewArray("u64", 0).Get("[0]"),
            "u64[0][0]: u64[0] has no elements");
        yield return C("a member of an array object", w => w.Args.Set("x", 1),
            "u64[2] is an array, not a struct: index it ([0]); 'x' in 'x' names no element");
        yield return C("index on a scalar", w => w.Task.Set("pid[0]", 1),
            "task_struct.pid is pid_t: only arrays and pointers take an index ('[0]' in 'pid[0]')");
        yield return C("member of a scalar", w => w.Task.Set("pid.x", 1),
            "task_struct.pid is pid_t, not a struct, union or pointer ('x' in 'pid.x')");
        yield return C("member of an array", w => w.Task.Set("comm.x", 1),
            "task_struct.comm is char[16], an array, not a struct, union or pointer: index it (comm[0]) ('x' in 'comm.x')");
        yield return C("allocating behind a void pointer", w => w.Task.Set("stack.x", 1),
            "task_struct.stack is void *: a void pointer does not say what it points at, so nothing can be allocated behind it; point it at a heap object first (Set(\"stack\", heap.New(...)))");
        yield return C("a function pointer", w => w.Task.Set("real_parent.sched_class.enqueue_task.x", 1),
            "task_struct.real_parent.sched_class.enqueue_task is a function pointer (void (*)(struct rq *, struct task_struct *, int)): there is no data behind it");
        yield return C("text that is not an address", w => w.Task.Set("mm", "bash"),
            "task_struct.mm is struct mm_struct * (64-bit pointer): 'bash' is not an address; write null, 0 or 0x..., or set a member behind it (mm.MEMBER=...) to allocate what it points at");
        yield return C("a negative address", w => w.Task.Set("mm", -1),
            "task_struct.mm is struct mm_struct * (64-bit pointer): -1 is not an address");
        yield return C("GetObject of an integer", w => w.Task.GetObject("pid"),
            "task_struct.pid is pid_t (32 bits, signed), not a pointer");
        yield return C("a value out of range through a pointer names the whole path", w => w.Task.Set("real_parent.pid", 2147483648),
            "task_struct.real_parent.pid is pid_t (32 bits, signed): 2147483648 does not fit (-2147483648..2147483647, or 0x0..0xffffffff as a bit pattern)");
        yield return C("a string too long through a pointer", w => w.Task.Set("real_parent.comm", "0123456789abcdef"),
            "task_struct.real_parent.comm is char[16]: \"0123456789abcdef\" is 16 byte(s), but it holds at most 15 plus the terminating NUL");
        yield return C("a number into a char array", w => w.Task.Set("comm", 7),
            "task_struct.comm is char[16], a char array: it takes a string, not the number 7");
        yield return C("GetString of an integer", w => w.Task.GetString("real_parent.pid"),
            "task_struct.real_parent.pid is pid_t (32 bits, signed), not a char array: read it with Get");
        yield return C("empty member in a path", w => w.Task.Set("real_parent..pid", 1),
            "'real_parent..pid' has an empty member name; write fields as member.member");
        yield return C("path ending in a dot", w => w.Task.Set("real_parent.", 1),
            "'real_parent.' has an empty member name; write fields as member.member");
        yield return C("unclosed index", w => w.Task.Set("comm[1", 1),
            "'comm[1': the '[' at column 5 has no closing ']'");
        yield return C("index that is not a number", w => w.Task.Set("comm[x]", 1),
            "'comm[x]': 'x' is not an index; write a number from 0 (comm[0])");
        yield return C("negative index", w => w.Task.Set("comm[-1]", 1),
            "'comm[-1]': '-1' is not an index; write a number from 0 (comm[0])");
        yield return C("not a member name", w => w.Task.Set("p+d", 1),
            "'p+d' in 'p+d' is not a member name (letters, digits and _)");
        yield return C("empty path", w => w.Task.Set(" ", 1),
            $"empty field name for struct task_struct at 0x300000000 (9792 bytes, {TestKernels.Debian61})");
        yield return C("unknown type", w => w.Heap.New("task_strcut"),
            $"no type 'task_strcut' in {TestKernels.Debian61}; did you mean task_struct?");
        yield return C("a scalar type", w => w.Heap.New("pid_t"),
            "'pid_t' is int, not a struct or union; for a bare value allocate an array of it (pid_t[1])");
        yield return C("an unknown array element type", w => w.Heap.NewArray("u65", 2),
            $"no type 'u65' in {TestKernels.Debian61}");
        yield return C("a bad element count", w => w.Heap.New("u64[x]"),
            "'u64[x]': 'x' is not an element count");
        yield return C("a negative element count", w => w.Heap.NewArray("u64", -1),
            "an array of u64 cannot have -1 elements");
    }

    [TestCaseSource(nameof(Refusals))]
    public void Refuses(Action<World> act, string message)
    {
        var world = Make();
        var e = Assert.Throws<KernelObjectException>(() => act(world))!;
        Assert.That(e.Message, Is.EqualTo(message));
    }

    [Test]
    public void ObjectsOfAnotherHeapAreRefused()
    {
        var spec = TestKernels.Spec(TestKernels.Debian61);
        var a = new KernelHeap(spec, new AddressSpace());
        var b = new KernelHeap(spec, new AddressSpace());
        var task = a.New("task_struct");
        var stranger = b.New("task_struct");
        var e = Assert.Throws<KernelObjectException>(() => task.Set("real_parent", stranger))!;
        Assert.That(e.Message, Is.EqualTo("task_struct.real_parent: the task_struct at 0x100000000 belongs to another KernelHeap (another VM's memory or another kernel's BTF); its address means nothing here"));
    }

    [Test]
    public void AnUnknownArchitectureIsRefused()
    {
        var e = Assert.Throws<KernelObjectException>(() => new KernelHeap(TestKernels.Spec(TestKernels.Debian61), new AddressSpace(), "vax"))!;
        Assert.That(e.Message, Is.EqualTo("'vax' names no architecture (known: amd64/x86_64, arm64/aarch64, i386, s390x, ppc64el, ppc64, riscv64)"));
    }

    [Test]
    public void AllocatingBehindAPointerToAForwardDeclaredStructIsRefused()
    {
        var b = new BtfBuilder();
        uint int_ = b.Int("int", 4, BtfIntEncoding.Signed);
        uint fwd = b.Fwd("opaque");
        b.Struct("holder", 16, ("x", int_, 0, 0), ("p", b.Ptr(fwd), 64, 0));
        var spec = BtfSpec.Parse(b.ToArray(), source: "tiny");
        var heap = new KernelHeap(spec, new AddressSpace());
        var e = Assert.Throws<KernelObjectException>(() => heap.New("holder").Set("p.y", 1))!;
        Assert.That(e.Message, Is.EqualTo("holder.p is struct opaque *, and struct opaque (forward) is only forward-declared in tiny: its layout is unknown, so nothing can be allocated behind it"));
    }

    [Test]
    public void AByteSwappedPointerOnABigEndianKernelIsNamed()
    {
        var heap = new KernelHeap(TestKernels.Spec(TestKernels.S390), new AddressSpace());
        var parent = heap.New("task_struct");
        var task = heap.New("task_struct").Set("real_parent", System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(parent.Address));
        var e = Assert.Throws<KernelObjectException>(() => task.Get("real_parent.pid"))!;
        Assert.That(e.Message, Is.EqualTo("task_struct.real_parent holds 0x1000000, which is no VM address (heap objects live at 4 GiB and above)" +
            " (byte-swapped it would be a heap object's address: was it written in the wrong byte order?); 'real_parent.pid' cannot be followed"));
    }
}
