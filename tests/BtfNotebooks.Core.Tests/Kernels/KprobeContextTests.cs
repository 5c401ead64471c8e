using System.Buffers.Binary;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.Kernels;
using BtfNotebooks.Kernels.Contexts;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Kernels;

/// <summary>
/// kprobe and kretprobe contexts on every shipped architecture: each argument in the pt_regs member libbpf's
/// PT_REGS_PARMn reads, at the offset the kernel's BTF gives that member (computed here from the BTF's members
/// directly, not through the heap), in the kernel's byte order and register width.
/// </summary>
public class KprobeContextTests
{
    // kernel, arch (null: the heap infers it from the BTF), the PARM registers as (member, index or -1), RC
    private static IEnumerable<TestCaseData> Arches()
    {
        TestCaseData C(string kernel, string? arch, (string Member, int Index)[] parms, (string Member, int Index) rc) =>
            new TestCaseData(kernel, arch, parms, rc).SetName($"{{m}}({kernel})");
        (string, int)[] x86 = [("di", -1), ("si", -1), ("dx", -1), ("cx", -1), ("r8", -1), ("r9", -1)];
        yield return C(TestKernels.Debian61, KernelArch.Amd64, x86, ("ax", -1));
        yield return C(TestKernels.Debian612, null, x86, ("ax", -1));
        yield return C(TestKernels.Local618, "x86_64", x86, ("ax", -1));
        yield return C(TestKernels.Debian612Arm, null, [.. Enumerable.Range(0, 8).Select(i => ("regs", i))], ("regs", 0));
        yield return C(TestKernels.S390, null, [.. Enumerable.Range(2, 5).Select(i => ("gprs", i))], ("gprs", 2));
        yield return C(TestKernels.I386, null, [("ax", -1), ("dx", -1), ("cx", -1)], ("ax", -1));
    }

    // Byte offset and size of pt_regs.MEMBER[INDEX], from the BTF members (the array's element size for an index).
    private static (int Offset, int Size) Register(BtfSpec spec, string structName, string member, int index)
    {
        var loc = spec.ResolveField(spec.FindComposite(structName), member);
        var type = spec.SkipModifiers(loc.Type);
        if (index < 0) return ((int)loc.ByteOffset, (int)spec.SizeOf(type));
        Assert.That(type.Kind, Is.EqualTo(BtfKind.Array), $"{structName}.{member}");
        int element = (int)spec.SizeOf(type.ArrayElementTypeId);
        return ((int)loc.ByteOffset + index * element, element);
    }

    private static ulong Read(byte[] bytes, int offset, int size, bool bigEndian) => (size, bigEndian) switch
    {
        (8, false) => BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(offset)),
        (8, true) => BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(offset)),
        (4, false) => BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset)),
        _ => BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset)),
    };

    [TestCaseSource(nameof(Arches))]
    public void ArgumentsLandInTheArchsParameterRegisters(string kernel, string? arch, (string Member, int Index)[] parms, (string Member, int Index) rc)
    {
        var spec = TestKernels.Spec(kernel);
        var heap = new KernelHeap(spec, new AddressSpace(), arch);
        var values = Enumerable.Range(0, parms.Length).Select(i => (KernelArgument)(0x1101 + i)).ToList();
        var context = KprobeContext.Create(heap, values);
        var regs = context.Object!;
        bool big = heap.IsBigEndian;

        Assert.That(context.Kind, Is.EqualTo(KernelContextKind.Kprobe));
        Assert.That(context.Address, Is.EqualTo(regs.Address));
        Assert.That(regs.TypeName, Is.EqualTo("pt_regs"));
        Assert.That(regs.Size, Is.EqualTo(spec.SizeOf(spec.FindComposite("pt_regs"))));
        int written = 0;
        for (int i = 0; i < parms.Length; i++)
        {
            var (offset, size) = Register(spec, "pt_regs", parms[i].Member, parms[i].Index);
            Assert.That(size, Is.EqualTo(heap.PointerSize), "registers are unsigned long");
            Assert.That(Read(regs.Bytes, offset, size, big), Is.EqualTo((ulong)(0x1101 + i)), $"PARM{i + 1} = {parms[i]}");
            written += 2;
        }
        Assert.That(regs.Bytes.Count(b => b != 0), Is.EqualTo(written), "two non-zero bytes per argument, nothing else");
        // libbpf casts the context to user_pt_regs on arm64 and s390x: its registers must lie where pt_regs has them.
        var convention = PtRegsConvention.For(heap.Arch!);
        if (convention.LibbpfView is { } view)
            for (int i = 0; i < parms.Length; i++)
                Assert.That(Register(spec, view, parms[i].Member, parms[i].Index), Is.EqualTo(Register(spec, "pt_regs", parms[i].Member, parms[i].Index)), $"{view}.{parms[i]}");

        var ret = KprobeContext.CreateReturn(heap, -2);
        var (rcOffset, rcSize) = Register(spec, "pt_regs", rc.Member, rc.Index);
        Assert.That(ret.Kind, Is.EqualTo(KernelContextKind.Kretprobe));
        Assert.That(Read(ret.Object!.Bytes, rcOffset, rcSize, big), Is.EqualTo(rcSize == 8 ? unchecked((ulong)-2L) : 0xffff_fffeUL), "PT_REGS_RC, two's complement");
    }

    [TestCaseSource(nameof(Arches))]
    public void AProgramReadsTheFirstArgumentAndFollowsIt(string kernel, string? arch, (string Member, int Index)[] parms, (string Member, int Index) rc)
    {
        var spec = TestKernels.Spec(kernel);
        bool big = spec.IsBigEndian;
        var (p1, size1) = Register(spec, "pt_regs", parms[0].Member, parms[0].Index);
        var (p2, size2) = Register(spec, "pt_regs", parms[1].Member, parms[1].Index);
        int pid = (int)spec.ResolveField(spec.FindComposite("task_struct"), "pid").ByteOffset;
        string program = size1 == 8
            ? $"""
              r2 = *(u64 *)(r1 + {p1})
              {(big ? "r2 = be64 r2" : "")}
              r0 = *(u32 *)(r2 + {pid})
              {(big ? "r0 = be32 r0" : "")}
              r3 = *(u64 *)(r1 + {p2})
              {(big ? "r3 = be64 r3" : "")}
              r0 += r3
              exit
              """
            : $"""
              r0 = *(u32 *)(r1 + {p1})
              r3 = *(u32 *)(r1 + {p2})
              r0 += r3
              exit
              """;
        var vm = new BpfVm(Assembler.Assemble(program).Instructions);
        var heap = new KernelHeap(spec, vm, arch);
        KernelContext context;
        if (heap.PointerSize == 8)
        {
            var task = heap.New("task_struct").Set("pid", 42);
            context = KprobeContext.Create(heap, [task, 1000]);
            Assert.That(context.Description, Is.EqualTo($"kprobe struct pt_regs ({heap.Arch}): {Name(parms[0])} = &task_struct at 0x{task.Address:x}, {Name(parms[1])} = 1000"));
        }
        else
        {
            // i386: registers hold 32 bits, so arguments are values; a heap object's address would not fit.
            context = KprobeContext.Create(heap, [42, 1000]);
        }
        Assert.That(size2, Is.EqualTo(size1));
        Assert.That(vm.Run(context.Address).R0, Is.EqualTo(1042UL));
    }

    private static string Name((string Member, int Index) r) => r.Index < 0 ? r.Member : $"{r.Member}[{r.Index}]";

    private static IEnumerable<TestCaseData> Refusals()
    {
        TestCaseData C(string name, string kernel, Func<KernelHeap, KernelContext> act, string message) => new TestCaseData(kernel, act, message).SetName(name);
        yield return C("more arguments than amd64 registers", TestKernels.Debian61, h => KprobeContext.Create(h, [1, 2, 3, 4, 5, 6, 7]),
            "amd64 passes 6 arguments in registers (di, si, dx, cx, r8, r9); 7 were given, and argument 7 on would be on the stack, which a kprobe's pt_regs does not hold");
        yield return C("more arguments than i386 registers", TestKernels.I386, h => KprobeContext.Create(h, [1, 2, 3, 4]),
            "i386 passes 3 arguments in registers (ax, dx, cx); 4 were given, and argument 4 on would be on the stack, which a kprobe's pt_regs does not hold");
        yield return C("a heap object in an i386 register", TestKernels.I386, h => KprobeContext.Create(h, [h.New("task_struct")]),
            "argument 1 (ax) is the task_struct at 0x100000000, but it is passed in 32 bits: heap objects live at VM addresses of 4 GiB and above (each VM region has its own 4 GiB window), which a 32-bit kernel's registers and pointers cannot hold");
        yield return C("a value too wide for an i386 register", TestKernels.I386, h => KprobeContext.Create(h, [0x1_0000_0000L]),
            "argument 1 (ax) is 4294967296, which does not fit in 32 bits (-2147483648..4294967295)");
        yield return C("the wrong architecture for the BTF", TestKernels.Debian61, h => KprobeContext.Create(h, [1], "arm64"),
            $"argument 1 (regs[0]): struct pt_regs has no member 'regs'; this BTF looks like amd64, not arm64");
        yield return C("an unknown architecture", TestKernels.Debian61, h => KprobeContext.Create(h, [1], "mips"),
            "no kprobe calling convention for architecture 'mips' (known: amd64, i386, arm64, s390x, riscv64, ppc64el, ppc64)");
    }

    [TestCaseSource(nameof(Refusals))]
    public void Refuses(string kernel, Func<KernelHeap, KernelContext> act, string message)
    {
        var heap = new KernelHeap(TestKernels.Spec(kernel), new AddressSpace());
        var e = Assert.Throws<KernelContextException>(() => act(heap))!;
        Assert.That(e.Message, Is.EqualTo(message));
    }

    [Test]
    public void AHeapWithoutAnArchitectureSaysSo()
    {
        // BTF with no pt_regs: KernelArch.Infer cannot tell the machine.
        var b = new BtfBuilder();
        b.Int("long unsigned int", 8);
        var heap = new KernelHeap(BtfSpec.Parse(b.ToArray(), source: "no-regs"), new AddressSpace());
        Assert.That(heap.Arch, Is.Null);
        var e = Assert.Throws<KernelContextException>(() => KprobeContext.Create(heap, [1]))!;
        Assert.That(e.Message, Is.EqualTo("the architecture of no-regs is unknown (no catalog entry says it and its struct pt_regs does not tell): pass it (amd64, arm64, s390x, i386...)"));
        var e2 = Assert.Throws<KernelContextException>(() => KprobeContext.Create(heap, [1], "amd64"))!;
        Assert.That(e2.Message, Is.EqualTo("a amd64 kprobe context is a struct pt_regs, but no type 'pt_regs' in no-regs"));
    }

    // riscv64 and powerpc have no shipped kernel: hand-made pt_regs in their kernels' shapes.
    [TestCase("riscv64", false)]
    [TestCase("ppc64el", false)]
    [TestCase("ppc64", true)]
    public void RiscvAndPowerpcConventionsOnHandMadeRegs(string arch, bool bigEndian)
    {
        var b = new BtfBuilder();
        uint ulong_ = b.Int("long unsigned int", 8);
        uint int_ = b.Int("int", 4, BtfIntEncoding.Signed);
        if (arch == "riscv64")
        {
            string[] names = ["epc", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"];
            b.Struct("pt_regs", (uint)names.Length * 8, [.. names.Select((n, i) => (n, ulong_, (uint)i * 64, 0u))]);
        }
        else
        {
            b.Struct("pt_regs", 8 * 33, ("gpr", b.Array(ulong_, int_, 32), 0, 0), ("nip", ulong_, 32 * 64, 0));
        }
        var spec = BtfSpec.Parse(b.ToArray(bigEndian), source: arch);
        Assert.That(KernelArch.Infer(spec), Is.EqualTo(arch), "the hand-made BTF reads as that architecture");
        var heap = new KernelHeap(spec, new AddressSpace());
        var regs = KprobeContext.Create(heap, [1, 2, 3, 4, 5, 6, 7, 8]).Object!;
        int first = arch == "riscv64" ? 10 * 8 : 3 * 8;
        for (int i = 0; i < 8; i++)
            Assert.That(Read(regs.Bytes, first + 8 * i, 8, bigEndian), Is.EqualTo((ulong)(i + 1)), $"PARM{i + 1}");
        Assert.That(regs.Bytes.Count(x => x != 0), Is.EqualTo(8));
        Assert.Throws<KernelContextException>(() => KprobeContext.Create(heap, [1, 2, 3, 4, 5, 6, 7, 8, 9]));
    }

    [Test]
    public void ConventionsAreLibbpfs()
    {
        Assert.That(PtRegsConvention.For("x86_64").ToString(), Is.EqualTo("amd64: PARM1..6 = di, si, dx, cx, r8, r9; RC = ax"));
        Assert.That(PtRegsConvention.For("aarch64").ToString(), Is.EqualTo("arm64: PARM1..8 = regs[0], regs[1], regs[2], regs[3], regs[4], regs[5], regs[6], regs[7]; RC = regs[0]"));
        Assert.That(PtRegsConvention.For("s390x").ToString(), Is.EqualTo("s390x: PARM1..5 = gprs[2], gprs[3], gprs[4], gprs[5], gprs[6]; RC = gprs[2]"));
        Assert.That(PtRegsConvention.For("686").ToString(), Is.EqualTo("i386: PARM1..3 = ax, dx, cx; RC = ax"));
        Assert.That(PtRegsConvention.For("riscv64").LibbpfView, Is.EqualTo("user_regs_struct"));
    }
}
