using System.Buffers.Binary;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Drift;
using BtfNotebooks.Kernels;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Kernels;

/// <summary>
/// The same logical objects (a task, its parent, its mm, an open file) built with the same code on every shipped
/// 64-bit kernel, checked byte for byte against offsets read from each BTF with <see cref="DriftField"/>, then
/// followed by BPF programs assembled with that kernel's offsets.
/// </summary>
public class KernelHeapTests
{
    private static IEnumerable<TestCaseData> Kernels()
    {
        TestCaseData C(string kernel, bool bigEndian) => new TestCaseData(kernel, bigEndian).SetName($"{{m}}({kernel})");
        yield return C(TestKernels.Debian61, false);
        yield return C(TestKernels.Debian612, false);
        yield return C(TestKernels.Local618, false);
        yield return C(TestKernels.Debian612Arm, false);
        yield return C(TestKernels.S390, true);
    }

    private static int Offset(BtfSpec spec, string field)
    {
        var value = DriftField.Parse(field).Evaluate(spec);
        Assert.That(value.Present && !value.IsBitfield, Is.True, $"{field} on {spec.Source}: {value.AbsentReason}");
        return (int)value.Value;
    }

    private static ulong Read(byte[] bytes, int offset, int size, bool bigEndian) => (size, bigEndian) switch
    {
        (8, false) => BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(offset)),
        (8, true) => BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(offset)),
        (4, false) => BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset)),
        (4, true) => BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset)),
        _ => throw new ArgumentOutOfRangeException(nameof(size)),
    };

    // The objects every test builds: the same calls on every kernel.
    private static (HeapObject Task, HeapObject Parent) BuildTask(KernelHeap heap)
    {
        var parent = heap.New("task_struct").Set("pid", 7).Set("tgid", 7).Set("comm", "systemd");
        var task = heap.New("task_struct").Set("pid", 42).Set("tgid", 42).Set("comm", "bash")
            .Set("real_parent", parent)
            .Set("mm.arg_start", 0x7ffd_0000UL);
        return (task, parent);
    }

    [TestCaseSource(nameof(Kernels))]
    public void PointersLandWhereTheBtfSaysInTheKernelsByteOrder(string kernel, bool bigEndian)
    {
        var spec = TestKernels.Spec(kernel);
        var heap = new KernelHeap(spec, new AddressSpace());
        var (task, parent) = BuildTask(heap);

        Assert.That(heap.IsBigEndian, Is.EqualTo(bigEndian));
        Assert.That(heap.PointerSize, Is.EqualTo(8));
        Assert.That(heap.Objects, Has.Count.EqualTo(3), "parent, task and the mm_struct allocated behind task->mm");
        var mm = task.GetObject("mm")!;
        Assert.That(mm.TypeName, Is.EqualTo("mm_struct"));
        Assert.That(mm.Size, Is.EqualTo(spec.SizeOf(spec.FindComposite("mm_struct"))));
        Assert.That(heap.Objects, Is.EqualTo(new[] { parent, task, mm }));

        int realParent = Offset(spec, "task_struct.real_parent"), mmField = Offset(spec, "task_struct.mm");
        int argStart = Offset(spec, "mm_struct.arg_start"), tgid = Offset(spec, "task_struct.tgid");
        Assert.That(Read(task.Bytes, realParent, 8, bigEndian), Is.EqualTo(parent.Address), "real_parent holds the parent's VM address");
        Assert.That(Read(task.Bytes, mmField, 8, bigEndian), Is.EqualTo(mm.Address), "mm holds the new mm_struct's address");
        Assert.That(Read(mm.Bytes, argStart, 8, bigEndian), Is.EqualTo(0x7ffd_0000UL));
        Assert.That(Read(parent.Bytes, tgid, 4, bigEndian), Is.EqualTo(7UL));
        Assert.That(mm.Bytes.Count(b => b != 0), Is.EqualTo(2), "0x7ffd0000 is two non-zero bytes; nothing else in mm is set");

        Assert.That(task.Get("real_parent.tgid"), Is.EqualTo(7));
        Assert.That(task.Get("real_parent->tgid"), Is.EqualTo(7), "-> reads like .");
        Assert.That(task.GetString("real_parent.comm"), Is.EqualTo("systemd"));
        Assert.That(task.GetUnsigned("mm.arg_start"), Is.EqualTo(0x7ffd_0000UL));
        Assert.That(task.GetUnsigned("real_parent"), Is.EqualTo(parent.Address));
        Assert.That(task.GetObject("real_parent"), Is.SameAs(parent));
        Assert.That(parent.GetObject("real_parent"), Is.Null, "the parent's own parent is NULL");

        var field = task.Field("mm.arg_start");
        Assert.That(field.Object, Is.SameAs(mm));
        Assert.That(field.Field.ByteOffset, Is.EqualTo(argStart));
        Assert.That(field.Address, Is.EqualTo(mm.Address + (ulong)argStart));
        Assert.That(task.Field("real_parent").Field.Kind, Is.EqualTo(KernelFieldKind.Pointer));
        Assert.That(mm.AssignedFields, Is.EqualTo(new[] { "arg_start" }), "the mm lists what was set through it");
    }

    // A program assembled with the kernel's own offsets follows a chain and returns the value at its end.
    // Big-endian kernels store pointers and integers byte-swapped for the little-endian VM: be64/be32 undo it.
    private static string Chain(BtfSpec spec, bool bigEndian, string[] pointers, string final, int finalSize)
    {
        var text = new System.Text.StringBuilder("r2 = r1\n");
        foreach (var p in pointers)
        {
            text.Append($"r2 = *(u64 *)(r2 + {Offset(spec, p)})\n");
            if (bigEndian) text.Append("r2 = be64 r2\n");
        }
        string width = finalSize == 8 ? "u64" : "u32";
        text.Append($"r0 = *({width} *)(r2 + {Offset(spec, final)})\n");
        if (bigEndian) text.Append($"r0 = be{finalSize * 8} r0\n");
        return text.Append("exit").ToString();
    }

    private static IEnumerable<TestCaseData> Chains()
    {
        foreach (var k in Kernels())
        {
            string kernel = (string)k.Arguments[0]!;
            bool big = (bool)k.Arguments[1]!;
            yield return new TestCaseData(kernel, big, new[] { "task_struct.real_parent" }, "task_struct.tgid", 4, 7UL)
                .SetName($"ProgramsFollowTheChain(task->real_parent->tgid, {kernel})");
            yield return new TestCaseData(kernel, big, new[] { "task_struct.mm" }, "mm_struct.arg_start", 8, 0x7ffd_0000UL)
                .SetName($"ProgramsFollowTheChain(task->mm->arg_start, {kernel})");
            yield return new TestCaseData(kernel, big, new[] { "task_struct.real_parent", "task_struct.mm" }, "mm_struct.arg_start", 8, 0x1000UL)
                .SetName($"ProgramsFollowTheChain(task->real_parent->mm->arg_start, {kernel})");
        }
    }

    [TestCaseSource(nameof(Chains))]
    public void ProgramsFollowTheChain(string kernel, bool bigEndian, string[] pointers, string final, int size, ulong expected)
    {
        var spec = TestKernels.Spec(kernel);
        var vm = new BpfVm(Assembler.Assemble(Chain(spec, bigEndian, pointers, final, size)).Instructions);
        var heap = new KernelHeap(spec, vm);
        var (task, _) = BuildTask(heap);
        task.Set("real_parent.mm.arg_start", 0x1000);
        Assert.That(vm.Run(task.Address).R0, Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(Kernels))]
    public void AProgramsStoreThroughAPointerShowsInGet(string kernel, bool bigEndian)
    {
        var spec = TestKernels.Spec(kernel);
        string program = $"""
            r2 = *(u64 *)(r1 + {Offset(spec, "task_struct.real_parent")})
            {(bigEndian ? "r2 = be64 r2" : "")}
            r3 = 99
            {(bigEndian ? "r3 = be32 r3" : "")}
            *(u32 *)(r2 + {Offset(spec, "task_struct.pid")}) = r3
            r0 = 0
            exit
            """;
        var vm = new BpfVm(Assembler.Assemble(program).Instructions);
        var heap = new KernelHeap(spec, vm);
        var (task, parent) = BuildTask(heap);
        vm.Run(task.Address);
        Assert.That(task.Get("real_parent.pid"), Is.EqualTo(99));
        Assert.That(parent.Get("pid"), Is.EqualTo(99));
        Assert.That(parent.Region.Data, Is.SameAs(parent.Bytes), "the region is the object's own bytes");
    }

    [Test]
    public void OnABigEndianKernelAPointerLoadedWithoutSwappingFaults()
    {
        var spec = TestKernels.Spec(TestKernels.S390);
        var vm = new BpfVm(Assembler.Assemble(Chain(spec, bigEndian: false, ["task_struct.real_parent"], "task_struct.tgid", 4)).Instructions);
        var heap = new KernelHeap(spec, vm);
        var (task, parent) = BuildTask(heap);
        var e = Assert.Throws<BpfRuntimeException>(() => vm.Run(task.Address))!;
        Assert.That(e.Kind, Is.EqualTo(RuntimeErrorKind.MemoryFault));
        Assert.That(e.Address, Is.EqualTo(BinaryPrimitives.ReverseEndianness(parent.Address) + (ulong)Offset(spec, "task_struct.tgid")),
            "the little-endian VM reads the big-endian pointer byte-swapped");
    }

    [TestCaseSource(nameof(Kernels))]
    public void ArraysOfPointersByIndex(string kernel, bool bigEndian)
    {
        var spec = TestKernels.Spec(kernel);
        int files = Offset(spec, "task_struct.files"), fdArray = Offset(spec, "files_struct.fd_array"), fPos = Offset(spec, "file.f_pos");
        string program = $"""
            r2 = *(u64 *)(r1 + {files})
            {(bigEndian ? "r2 = be64 r2" : "")}
            r2 = *(u64 *)(r2 + {fdArray + 3 * 8})
            {(bigEndian ? "r2 = be64 r2" : "")}
            r0 = *(u64 *)(r2 + {fPos})
            {(bigEndian ? "r0 = be64 r0" : "")}
            exit
            """;
        var vm = new BpfVm(Assembler.Assemble(program).Instructions);
        var heap = new KernelHeap(spec, vm);
        var task = heap.New("task_struct").Set("files.fd_array[3].f_pos", 4096);

        var filesStruct = task.GetObject("files")!;
        var file = task.GetObject("files.fd_array[3]")!;
        Assert.That(filesStruct.TypeName, Is.EqualTo("files_struct"));
        Assert.That(file.TypeName, Is.EqualTo("file"));
        Assert.That(Read(filesStruct.Bytes, fdArray + 3 * 8, 8, bigEndian), Is.EqualTo(file.Address));
        Assert.That(Read(file.Bytes, fPos, 8, bigEndian), Is.EqualTo(4096UL));
        Assert.That(task.GetObject("files.fd_array[2]"), Is.Null, "the other slots stay NULL");
        Assert.That(vm.Run(task.Address).R0, Is.EqualTo(4096UL));
    }

    [TestCaseSource(nameof(Kernels))]
    public void ArraysOfScalarsAndArrayObjects(string kernel, bool bigEndian)
    {
        var spec = TestKernels.Spec(kernel);
        var heap = new KernelHeap(spec, new AddressSpace());
        var task = heap.New("task_struct").Set("mm.saved_auxv[2]", 5);
        int at = Offset(spec, "mm_struct.saved_auxv");
        var mm = task.GetObject("mm")!;
        Assert.That(Read(mm.Bytes, at + 16, 8, bigEndian), Is.EqualTo(5UL));
        Assert.That(task.Get("mm.saved_auxv[2]"), Is.EqualTo(5));
        Assert.That(task.Get("mm.saved_auxv[0]"), Is.EqualTo(0));
        Assert.That(mm.AssignedFields, Is.EqualTo(new[] { "saved_auxv[2]" }));

        // An array of structs behind a pointer: task->sighand->action[9].sa.sa_flags.
        task.Set("sighand.action[9].sa.sa_flags", 4);
        var sighand = task.GetObject("sighand")!;
        int flags = Offset(spec, "sighand_struct.action") + 9 * Offset(spec, "sizeof:k_sigaction") + Offset(spec, "k_sigaction.sa.sa_flags");
        Assert.That(task.Field("sighand.action[9].sa.sa_flags").Field.ByteOffset, Is.EqualTo(flags));
        Assert.That(Read(sighand.Bytes, flags, 8, bigEndian), Is.EqualTo(4UL));

        var args = heap.NewArray("u64", 3).Set("[0]", 1).Set("[2]", task.Address);
        Assert.That(args.TypeName, Is.EqualTo("u64[3]"));
        Assert.That(args.ArrayLength, Is.EqualTo(3));
        Assert.That(args.Size, Is.EqualTo(24));
        Assert.That(Read(args.Bytes, 0, 8, bigEndian), Is.EqualTo(1UL));
        Assert.That(Read(args.Bytes, 16, 8, bigEndian), Is.EqualTo(task.Address));
        Assert.That(heap.New("u64[2]").Size, Is.EqualTo(16), "New reads TYPE[N] as an array");
    }

    [TestCaseSource(nameof(Kernels))]
    public void PointersToTheMiddleOfAnObjectAreFollowedAsC(string kernel, bool bigEndian)
    {
        // task->real_parent set to the address of another task's embedded 'se' (a wrong but legal store): reading
        // real_parent.pid then reads the bytes at se + offsetof(pid), inside the other task, as the kernel would.
        var spec = TestKernels.Spec(kernel);
        var heap = new KernelHeap(spec, new AddressSpace());
        var other = heap.New("task_struct");
        var task = heap.New("task_struct").Set("real_parent", other.Address + 8);
        Assert.That(heap.Find(other.Address + 8), Is.SameAs(other));
        Assert.That(task.Field("real_parent.flags").Address, Is.EqualTo(other.Address + 8 + (ulong)Offset(spec, "task_struct.flags")));
        task.Set("real_parent.flags", 0x40);
        Assert.That(Read(other.Bytes, Offset(spec, "task_struct.flags") + 8, 4, bigEndian), Is.EqualTo(0x40UL));
        Assert.That(other.AssignedFields, Is.Empty, "a path into the middle of an object is not one of its own fields");
    }

    [Test]
    public void AHeapForACatalogKernelTakesItsArchitecture()
    {
        var catalog = KernelCatalog.Open(TestKernels.DataDir);
        var entry = catalog.Get(TestKernels.S390);
        var vm = new BpfVm(Assembler.Assemble("r0 = 0\nexit").Instructions);
        var heap = new KernelHeap(entry, vm);
        Assert.That(heap.Arch, Is.EqualTo(KernelArch.S390x));
        Assert.That(heap.Vm, Is.SameAs(vm));
        Assert.That(heap.Memory, Is.SameAs(vm.Memory));
        var task = heap.New("task_struct");
        Assert.That(task.Region.Kind, Is.EqualTo(RegionKind.Kernel));
        Assert.That(task.Region.Name, Is.EqualTo("task_struct"));
        Assert.That(heap.ToString(), Is.EqualTo($"kernel heap on {entry.Spec.Source} (s390x): 1 object\n  task_struct at 0x{task.Address:x} (4608 bytes)"));
    }

    [Test]
    public void ARefusedWriteAllocatesNothing()
    {
        var heap = new KernelHeap(TestKernels.Spec(TestKernels.Debian61), new AddressSpace());
        var task = heap.New("task_struct");
        Assert.Throws<KernelObjectException>(() => task.Set("mm.arg_strat", 1));
        Assert.Throws<KernelObjectException>(() => task.Set("mm.arg_start", -1));
        Assert.Throws<KernelObjectException>(() => task.Set("real_parent.real_parent.comm", "way too long for comm"));
        Assert.That(heap.Objects, Has.Count.EqualTo(1));
        Assert.That(heap.Memory.Regions.Count, Is.EqualTo(1));
        Assert.That(task.Bytes.All(b => b == 0), Is.True);
        Assert.That(task.AssignedFields, Is.Empty);
    }

    [Test]
    public void ASecondWriteThroughAPointerReusesItsObject()
    {
        var heap = new KernelHeap(TestKernels.Spec(TestKernels.Local618), new AddressSpace());
        var task = heap.New("task_struct").Set("mm.arg_start", 1).Set("mm.arg_end", 2).Set("real_parent.real_parent.pid", 1);
        Assert.That(heap.Objects.Select(o => o.TypeName), Is.EqualTo(new[] { "task_struct", "mm_struct", "task_struct", "task_struct" }));
        Assert.That(task.Get("mm.arg_end") - task.Get("mm.arg_start"), Is.EqualTo(1));
        Assert.That(task.Get("real_parent.real_parent.pid"), Is.EqualTo(1));
        task.SetNull("mm");
        Assert.That(task.GetObject("mm"), Is.Null);
        task.Set("mm", 0);
        Assert.That(task.GetUnsigned("mm"), Is.EqualTo(0UL));
    }

    [Test]
    public void OnA32BitKernelValuesWorkButHeapPointersCannotBeStored()
    {
        var spec = TestKernels.Spec(TestKernels.I386);
        var heap = new KernelHeap(spec, new AddressSpace());
        Assert.That(heap.PointerSize, Is.EqualTo(4));
        var parent = heap.New("task_struct").Set("tgid", 7);
        var task = heap.New("task_struct").Set("pid", 42);
        Assert.That(task.Field("real_parent").Field.BitSize, Is.EqualTo(32));
        var e = Assert.Throws<KernelObjectException>(() => task.Set("real_parent", parent))!;
        Assert.That(e.Message, Is.EqualTo(
            "task_struct.real_parent is struct task_struct *, a 32-bit pointer on this 32-bit kernel: heap objects live at VM addresses of 4 GiB and above " +
            "(each VM region has its own 4 GiB window), which it cannot hold; on this kernel set values, not pointers"));
        var e2 = Assert.Throws<KernelObjectException>(() => task.Set("mm.arg_start", 1))!;
        Assert.That(e2.Message, Does.StartWith("task_struct.mm is struct mm_struct *, a 32-bit pointer on this 32-bit kernel"));
        Assert.That(heap.Objects, Has.Count.EqualTo(2));
        task.Set("real_parent", 0x1000UL);
        Assert.That(task.GetUnsigned("real_parent"), Is.EqualTo(0x1000UL), "a raw 32-bit address is stored as given");
    }
}
