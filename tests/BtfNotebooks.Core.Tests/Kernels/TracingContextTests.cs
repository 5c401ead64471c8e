using System.Buffers.Binary;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Drift;
using BtfNotebooks.Kernels;
using BtfNotebooks.Kernels.Contexts;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Kernels;

/// <summary>
/// Contexts that are arrays of u64: raw tracepoints (unchecked), and fentry/fexit/tp_btf typed by the kernel's BTF
/// prototype; each argument a value or a heap object's address, in the kernel's byte order. Programs read the
/// slots and follow the pointers in them.
/// </summary>
public class TracingContextTests
{
    private static IEnumerable<TestCaseData> Kernels()
    {
        TestCaseData C(string kernel) => new TestCaseData(kernel).SetName($"{{m}}({kernel})");
        yield return C(TestKernels.Debian61);
        yield return C(TestKernels.Local618);
        yield return C(TestKernels.Debian612Arm);
        yield return C(TestKernels.S390);
    }

    private static int Offset(BtfSpec spec, string field) => (int)DriftField.Parse(field).Evaluate(spec).Value;

    private static ulong Slot(HeapObject slots, int index, bool bigEndian) => bigEndian
        ? BinaryPrimitives.ReadUInt64BigEndian(slots.Bytes.AsSpan(index * 8))
        : BinaryPrimitives.ReadUInt64LittleEndian(slots.Bytes.AsSpan(index * 8));

    private static string Swap(bool bigEndian, string register, int bits) => bigEndian ? $"{register} = be{bits} {register}" : "";

    [TestCaseSource(nameof(Kernels))]
    public void RawTracepointArgsAreU64sAndPointersFollowed(string kernel)
    {
        var spec = TestKernels.Spec(kernel);
        bool big = spec.IsBigEndian;
        string program = $"""
            r2 = *(u64 *)(r1 + 0)
            {Swap(big, "r2", 64)}
            r0 = *(u32 *)(r2 + {Offset(spec, "task_struct.pid")})
            {Swap(big, "r0", 32)}
            r3 = *(u64 *)(r1 + 8)
            {Swap(big, "r3", 64)}
            r0 += r3
            exit
            """;
        var vm = new BpfVm(Assembler.Assemble(program).Instructions);
        var heap = new KernelHeap(spec, vm);
        var task = heap.New("task_struct").Set("pid", 42);
        var context = RawTracepointContext.Create(heap, [task, 5, -1]);
        var slots = context.Object!;
        Assert.That(context.Kind, Is.EqualTo(KernelContextKind.RawTracepoint));
        Assert.That(slots.TypeName, Is.EqualTo("u64[3]"));
        Assert.That(Slot(slots, 0, big), Is.EqualTo(task.Address));
        Assert.That(Slot(slots, 1, big), Is.EqualTo(5UL));
        Assert.That(Slot(slots, 2, big), Is.EqualTo(ulong.MaxValue), "-1 as two's complement");
        Assert.That(context.Description, Is.EqualTo($"raw tracepoint struct bpf_raw_tracepoint_args: args[0] = &task_struct at 0x{task.Address:x}, args[1] = 5, args[2] = -1"));
        Assert.That(vm.Run(context.Address).R0, Is.EqualTo(47UL));
    }

    [TestCaseSource(nameof(Kernels))]
    public void FentryAndFexitFollowTheFunctionsPrototype(string kernel)
    {
        var spec = TestKernels.Spec(kernel);
        bool big = spec.IsBigEndian;
        var prototype = TracingPrototype.ForFunction(spec, "do_unlinkat");
        Assert.That(prototype.Declaration, Is.EqualTo("int do_unlinkat(int dfd, struct filename *name)"));
        Assert.That(prototype.Parameters.Select(p => p.Name), Is.EqualTo(new[] { "dfd", "name" }));

        // r0 = (int)ctx[0] + name->uptr + ctx[2] (fexit's return value)
        string program = $"""
            r0 = *(u64 *)(r1 + 0)
            {Swap(big, "r0", 64)}
            r2 = *(u64 *)(r1 + 8)
            {Swap(big, "r2", 64)}
            r3 = *(u64 *)(r2 + {Offset(spec, "filename.uptr")})
            {Swap(big, "r3", 64)}
            r0 += r3
            r4 = *(u64 *)(r1 + 16)
            {Swap(big, "r4", 64)}
            r0 += r4
            exit
            """;
        var vm = new BpfVm(Assembler.Assemble(program).Instructions);
        var heap = new KernelHeap(spec, vm);
        var name = heap.New("filename").Set("uptr", 0x7fff_0000UL);
        var context = TracingContext.Fexit(heap, "do_unlinkat", [-100, name], -2);
        var slots = context.Object!;
        Assert.That(context.Kind, Is.EqualTo(KernelContextKind.Fexit));
        Assert.That(slots.ArrayLength, Is.EqualTo(3), "two arguments and the return value");
        Assert.That(Slot(slots, 0, big), Is.EqualTo(unchecked((ulong)-100L)), "an int argument sign-extended to its u64 slot");
        Assert.That(Slot(slots, 1, big), Is.EqualTo(name.Address));
        Assert.That(Slot(slots, 2, big), Is.EqualTo(unchecked((ulong)-2L)));
        Assert.That(context.Description, Is.EqualTo($"fexit u64 ctx[3]: do_unlinkat(dfd = -100, name = &filename at 0x{name.Address:x}) = -2"));
        Assert.That(vm.Run(context.Address).R0, Is.EqualTo(0x7fff_0000UL - 102));

        var entry = TracingContext.Fentry(heap, "do_unlinkat", [3, name]);
        Assert.That(entry.Object!.ArrayLength, Is.EqualTo(2), "fentry has no return slot");
        Assert.That(Slot(entry.Object, 0, big), Is.EqualTo(3UL));
    }

    [TestCaseSource(nameof(Kernels))]
    public void TpBtfSkipsTheHiddenDataPointer(string kernel)
    {
        var spec = TestKernels.Spec(kernel);
        bool big = spec.IsBigEndian;
        var prototype = TracingPrototype.ForTracepoint(spec, "sched_switch");
        Assert.That(prototype.Parameters.Select(p => p.TypeName), Is.EqualTo(new[] { "bool", "struct task_struct *", "struct task_struct *", "unsigned int" }),
            "TP_PROTO(bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state)");
        Assert.That(prototype.ReturnsVoid, Is.True);

        // r0 = next->pid - prev->pid
        int pid = Offset(spec, "task_struct.pid");
        string program = $"""
            r2 = *(u64 *)(r1 + 8)
            {Swap(big, "r2", 64)}
            r3 = *(u64 *)(r1 + 16)
            {Swap(big, "r3", 64)}
            r0 = *(u32 *)(r3 + {pid})
            {Swap(big, "r0", 32)}
            r4 = *(u32 *)(r2 + {pid})
            {Swap(big, "r4", 32)}
            r0 -= r4
            exit
            """;
        var vm = new BpfVm(Assembler.Assemble(program).Instructions);
        var heap = new KernelHeap(spec, vm);
        var prev = heap.New("task_struct").Set("pid", 100);
        var next = heap.New("task_struct").Set("pid", 142);
        var context = KernelContexts.Setup(vm, heap, "tp_btf/sched_switch", [false, prev, next, 1]);
        Assert.That(context.Kind, Is.EqualTo(KernelContextKind.TpBtf));
        Assert.That(context.Object!.ArrayLength, Is.EqualTo(4));
        Assert.That(vm.Run(context.Address).R0, Is.EqualTo(42UL));
    }

    private static IEnumerable<TestCaseData> Refusals()
    {
        TestCaseData C(string name, Func<KernelHeap, KernelContext> act, string message) => new TestCaseData(act, message).SetName(name);
        yield return C("too few arguments", h => TracingContext.Fentry(h, "do_unlinkat", [1]),
            "fentry/do_unlinkat: int do_unlinkat(int dfd, struct filename *name) takes 2 arguments; 1 given");
        yield return C("a heap object for an int", h => TracingContext.Fentry(h, "do_unlinkat", [h.New("filename"), 0]),
            "fentry/do_unlinkat: argument 1 (int dfd) is not a pointer: it cannot be the filename at 0x100000000");
        yield return C("a value too wide for an int", h => TracingContext.Fentry(h, "do_unlinkat", [0x1_0000_0000L, 0]),
            "fentry/do_unlinkat: argument 1 (int dfd) is 4294967296, which does not fit in 32 bits (-2147483648..4294967295)");
        yield return C("an object of another type for a typed pointer", h => TracingContext.Fentry(h, "do_unlinkat", [1, h.New("task_struct")]),
            "fentry/do_unlinkat: argument 2 (struct filename * name) is struct filename *, but the task_struct at 0x100000000 is struct task_struct; to pass its address anyway, pass its Address (a number)");
        yield return C("a bool that is not 0 or 1", h => TracingContext.TpBtf(h, "sched_switch", [2, 0, 0, 0]),
            "tp_btf/sched_switch: argument 1 (bool arg1) is a bool: 2 is neither 0 nor 1");
        yield return C("an unknown function, close names suggested", h => TracingContext.Fentry(h, "do_unlinkatt", []),
            $"no function 'do_unlinkatt' in {TestKernels.Debian61}: fentry/fexit could not attach to it; did you mean do_unlinkat or io_unlinkat or do_linkat?");
        yield return C("an unknown tracepoint", h => TracingContext.TpBtf(h, "sched_swich", []),
            $"no tracepoint 'sched_swich' in {TestKernels.Debian61} (no typedef btf_trace_sched_swich): tp_btf could not attach to it; did you mean sched_switch?");
        yield return C("a return value for a void function", h => TracingContext.Fexit(h, "kfree", [0], 1),
            "fexit/kfree: void kfree(const void *object) returns void, so there is no return value to pass");
        yield return C("a variadic function", h => TracingContext.Fentry(h, "_printk", []),
            "function _printk takes variadic arguments (...); the kernel attaches no BTF tracing program to it");
    }

    [TestCaseSource(nameof(Refusals))]
    public void Refuses(Func<KernelHeap, KernelContext> act, string message)
    {
        var heap = new KernelHeap(TestKernels.Spec(TestKernels.Debian61), new AddressSpace());
        var e = Assert.Throws<KernelContextException>(() => act(heap))!;
        Assert.That(e.Message, Is.EqualTo(message));
    }

    [Test]
    public void AStructPassedByValueIsRefused()
    {
        var b = new BtfBuilder();
        uint int_ = b.Int("int", 4, BtfIntEncoding.Signed);
        b.Int("long unsigned int", 8);
        uint pair = b.Struct("pair", 8, ("a", int_, 0, 0), ("b", int_, 32, 0));
        b.Func("take_pair", b.FuncProto(int_, ("p", pair)));
        b.Typedef("u64", b.Int("long long unsigned int", 8));
        var heap = new KernelHeap(BtfSpec.Parse(b.ToArray(), source: "tiny"), new AddressSpace());
        var e = Assert.Throws<KernelContextException>(() => TracingContext.Fentry(heap, "take_pair", [1]))!;
        Assert.That(e.Message, Is.EqualTo("fentry/take_pair: argument 1 (struct pair p) is passed by value; the kernel spreads such an argument over one or two slots, and contexts for it are not built here"));
    }

    [Test]
    public void ArgumentsConvertFromNumbersBoolsAndObjects()
    {
        KernelArgument n = 5, big = ulong.MaxValue, yes = true, none = (HeapObject?)null;
        Assert.That(n.ToString(), Is.EqualTo("5"));
        Assert.That(big.ToString(), Is.EqualTo("18446744073709551615"));
        Assert.That(yes.Number, Is.EqualTo((Int128)1));
        Assert.That(none, Is.EqualTo(KernelArgument.Null));
        Assert.That(none.IsObject, Is.False);
        Assert.That(KernelArgument.FromInt64(-1).ToString(), Is.EqualTo("-1"));
    }
}
