using System.Buffers.Binary;
using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Btf.Drift;
using BtfNotebooks.Kernels;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Kernels;

/// <summary>
/// A task_struct of each kernel mapped into the VM and read by a program with a fixed offset: the offset taken
/// from the same kernel reads the pid, the other kernel's offset reads some other field's bytes.
/// </summary>
public class KernelObjectVmTests
{
    private static int PidOffset(string kernel) => (int)DriftField.Parse("task_struct.pid").Evaluate(TestKernels.Spec(kernel)).Value;

    // object kernel, kernel whose offset the program hard-codes
    [TestCase(TestKernels.Debian61, TestKernels.Debian61)]
    [TestCase(TestKernels.Local618, TestKernels.Local618)]
    [TestCase(TestKernels.Debian61, TestKernels.Local618)]
    [TestCase(TestKernels.Local618, TestKernels.Debian61)]
    public void AHardCodedOffsetReadsThePidOnlyOnItsOwnKernel(string objectKernel, string offsetKernel)
    {
        var obj = KernelObject.Parse(TestKernels.Spec(objectKernel), "task_struct pid=42 tgid=7 comm=bash");
        int offset = PidOffset(offsetKernel);
        Assert.That(PidOffset(TestKernels.Debian61), Is.Not.EqualTo(PidOffset(TestKernels.Local618)), "the two kernels place pid differently");

        var program = Assembler.Assemble($"r0 = *(u32 *)(r1 + {offset})\nexit").Instructions;
        var vm = new BpfVm(program);
        ulong address = obj.MapInto(vm);
        ulong r0 = vm.Run(address).R0;

        if (objectKernel == offsetKernel) Assert.That(r0, Is.EqualTo(42UL));
        else
        {
            Assert.That(r0, Is.Not.EqualTo(42UL));
            Assert.That(r0, Is.EqualTo(BinaryPrimitives.ReadUInt32LittleEndian(obj.Bytes.AsSpan(offset))), "whatever that kernel keeps there");
        }
    }

    [Test]
    public void TheMappingIsTheObjectItselfSoStoresShowInGet()
    {
        var obj = KernelObject.Create(TestKernels.Spec(TestKernels.Local618), "task_struct").Set("pid", 42);
        short pid = (short)obj.Field("pid").ByteOffset, tgid = (short)obj.Field("tgid").ByteOffset;
        Instruction[] program =
        [
            Instruction.LoadMemory(AccessSize.Word, Register.R2, Register.R1, pid),   // r2 = task->pid
            Instruction.Alu64(AluOperation.Add, Register.R2, 1),                       // r2 += 1
            Instruction.StoreRegister(AccessSize.Word, Register.R1, tgid, Register.R2), // task->tgid = r2
            Instruction.Mov64(Register.R0, Register.R2),
            Instruction.Exit(),
        ];
        var vm = new BpfVm(program);
        var region = obj.MapInto(vm.Memory);
        Assert.That(region.Kind, Is.EqualTo(RegionKind.Kernel));
        Assert.That(region.Name, Is.EqualTo("task_struct"));
        Assert.That(region.Writable, Is.True);
        Assert.That(region.Data, Is.SameAs(obj.Bytes));

        Assert.That(vm.Run(region.Address).R0, Is.EqualTo(43UL));
        Assert.That(obj.Get("tgid"), Is.EqualTo(43));
        Assert.That(obj.ToText(), Is.EqualTo("task_struct pid=42"));
    }

    [Test]
    public void ABigEndianObjectReadsByteSwappedOnTheLittleEndianVm()
    {
        var obj = KernelObject.Create(TestKernels.Spec(TestKernels.S390), "task_struct").Set("pid", 42);
        var program = Assembler.Assemble($"r0 = *(u32 *)(r1 + {PidOffset(TestKernels.S390)})\nr0 = be32 r0\nexit").Instructions;
        var vm = new BpfVm(program);
        Assert.That(vm.Run(obj.MapInto(vm)).R0, Is.EqualTo(42UL), "be32 undoes the s390x byte order");
    }

    [Test]
    public void ReadingPastTheObjectFaultsNamingItsRegion()
    {
        var obj = KernelObject.Create(TestKernels.Spec(TestKernels.Local618), "task_struct");
        var vm = new BpfVm(Assembler.Assemble($"r0 = *(u32 *)(r1 + {obj.Size - 2})\nexit").Instructions);
        ulong address = obj.MapInto(vm);
        var e = Assert.Throws<BpfRuntimeException>(() => vm.Run(address))!;
        Assert.That(e.Kind, Is.EqualTo(RuntimeErrorKind.MemoryFault));
        Assert.That(e.Message, Does.Contain($"it runs past the end of kernel region 'task_struct' 0x{address:x}..0x{address + (ulong)obj.Size:x} ({obj.Size} bytes)"));
    }
}
