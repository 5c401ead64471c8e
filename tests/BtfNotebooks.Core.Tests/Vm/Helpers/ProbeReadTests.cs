using System.Text;
using BtfNotebooks.Vm;
using BtfNotebooks.Vm.Helpers;
using BtfNotebooks.Vm.Maps;
using NUnit.Framework;
using BtfNotebooks.Tests.Vm.Maps;
using static BtfNotebooks.Tests.Vm.Maps.MapTestSupport;

namespace BtfNotebooks.Tests.Vm.Helpers;

/// <summary>
/// bpf_probe_read_{user,kernel}[_str] (and the old bpf_probe_read[_str]) into a 16-byte stack buffer prefilled with
/// 0xaa, from a source the test chooses: return value and the buffer afterwards, as the kernel leaves them.
/// </summary>
[TestFixture(VmEngine.Interpreter)]
[TestFixture(VmEngine.Jit)]
public class ProbeReadTests(VmEngine engine) : BothEngines(engine)
{
    // r1 = dst (r10 - 16, prefilled), r2 = size from ctx[8], r3 = source from ctx[0]; returns the helper's r0.
    private static string Program(int helper) => $"""
        r6 = r1
        r1 = 0xaaaaaaaaaaaaaaaa ll
        *(u64 *)(r10 - 16) = r1
        *(u64 *)(r10 - 8) = r1
        r1 = r10
        r1 += -16
        r2 = *(u64 *)(r6 + 8)
        r3 = *(u64 *)(r6 + 0)
        call {helper}
        exit
        """;

    private (long R0, byte[] Buffer) Read(int helper, string source, ulong size)
    {
        var sandbox = NewSandbox(Program(helper), [Hash(1, name: "values")]);
        ulong address = source switch
        {
            "null" => 0,
            "text" => sandbox.MapBytes(Encoding.ASCII.GetBytes("hello world\0tail"), "text"),
            "unterminated" => sandbox.MapBytes(Encoding.ASCII.GetBytes("abc"), "unterminated"),
            "end" => sandbox.MapBytes(new byte[] { 1, 2, 3, 4 }, "four") + 2, // two bytes before the region's end
            "deleted" => Deleted(sandbox),
            "kernel" => sandbox.MapBytes(Encoding.ASCII.GetBytes("kernel\0"), "task", RegionKind.Kernel, writable: false),
            _ => throw new ArgumentException(source),
        };
        var ctx = new byte[16];
        BitConverter.TryWriteBytes(ctx, address);
        BitConverter.TryWriteBytes(ctx.AsSpan(8), size);
        long r0 = (long)sandbox.Run(sandbox.MapBytes(ctx, "ctx", RegionKind.Context));
        return (r0, sandbox.Vm.Stack.Data[^16..]);
    }

    private static ulong Deleted(Sandbox sandbox)
    {
        var map = (HashMap)sandbox.Maps[0];
        map.Update(1u, 0x1122334455667788UL);
        ulong address = map.ValueAddress(U32(1))!.Value;
        map.Delete(1u);
        return address;
    }

    private static string Hex(byte[] b) => Convert.ToHexString(b).ToLowerInvariant();

    private const string Untouched = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    // The helpers zero the size bytes they were given, no more.
    private const string Zero8 = "0000000000000000aaaaaaaaaaaaaaaa";
    private const string Zero4 = "00000000aaaaaaaaaaaaaaaaaaaaaaaa";

    [TestCase(BpfHelperIds.ProbeReadKernel, "text", 5UL, 0L, "68656c6c6faaaaaaaaaaaaaaaaaaaaaa", TestName = "kernel: copies size bytes")]
    [TestCase(BpfHelperIds.ProbeReadUser, "text", 16UL, 0L, "68656c6c6f20776f726c64007461696c", TestName = "user: copies past a NUL")]
    [TestCase(4, "kernel", 3UL, 0L, "6b6572aaaaaaaaaaaaaaaaaaaaaaaaaa", TestName = "probe_read: a read-only source is fine")]
    [TestCase(BpfHelperIds.ProbeReadKernel, "null", 8UL, -14L, Zero8, TestName = "kernel: NULL is -EFAULT and zeroes dst")]
    [TestCase(BpfHelperIds.ProbeReadUser, "null", 8UL, -14L, Zero8, TestName = "user: NULL is -EFAULT and zeroes dst")]
    [TestCase(BpfHelperIds.ProbeReadKernel, "end", 4UL, -14L, Zero4, TestName = "kernel: a range running off its region is -EFAULT")]
    [TestCase(BpfHelperIds.ProbeReadKernel, "end", 2UL, 0L, "0304aaaaaaaaaaaaaaaaaaaaaaaaaaaa", TestName = "kernel: the last bytes of a region")]
    [TestCase(BpfHelperIds.ProbeReadKernel, "deleted", 8UL, -14L, Zero8, TestName = "kernel: a deleted map value is -EFAULT")]
    [TestCase(BpfHelperIds.ProbeReadKernel, "null", 0UL, 0L, Untouched, TestName = "kernel: size 0 reads nothing")]
    public void Probe_read(int helper, string source, ulong size, long r0, string buffer)
    {
        var (got, bytes) = Read(helper, source, size);
        Assert.That(got, Is.EqualTo(r0));
        Assert.That(Hex(bytes), Is.EqualTo(buffer));
    }

    [TestCase(BpfHelperIds.ProbeReadKernelStr, "text", 16UL, 12L, "68656c6c6f20776f726c6400aaaaaaaa", TestName = "kernel str: up to and with the NUL, the rest untouched")]
    [TestCase(BpfHelperIds.ProbeReadUserStr, "text", 16UL, 12L, "68656c6c6f20776f726c6400aaaaaaaa", TestName = "user str: the same")]
    [TestCase(BpfHelperIds.ProbeReadKernelStr, "text", 6UL, 6L, "68656c6c6f00aaaaaaaaaaaaaaaaaaaa", TestName = "kernel str: cut to size - 1 and NUL-terminated")]
    [TestCase(BpfHelperIds.ProbeReadKernelStr, "text", 12UL, 12L, "68656c6c6f20776f726c6400aaaaaaaa", TestName = "kernel str: exactly fits")]
    [TestCase(BpfHelperIds.ProbeReadKernelStr, "text", 11UL, 11L, "68656c6c6f20776f726c00aaaaaaaaaa", TestName = "kernel str: one short")]
    [TestCase(BpfHelperIds.ProbeReadUserStr, "unterminated", 8UL, -14L, Zero8, TestName = "user str: no NUL before the region ends is -EFAULT")]
    [TestCase(BpfHelperIds.ProbeReadKernelStr, "unterminated", 3UL, 3L, "616200aaaaaaaaaaaaaaaaaaaaaaaaaa", TestName = "kernel str: the limit comes before the fault")]
    [TestCase(BpfHelperIds.ProbeReadKernelStr, "null", 8UL, -14L, Zero8, TestName = "kernel str: NULL is -EFAULT and zeroes dst")]
    [TestCase(45, "deleted", 8UL, -14L, Zero8, TestName = "probe_read_str: a deleted map value is -EFAULT")]
    [TestCase(BpfHelperIds.ProbeReadKernelStr, "text", 0UL, 0L, Untouched, TestName = "kernel str: size 0 is 0")]
    public void Probe_read_str(int helper, string source, ulong size, long r0, string buffer)
    {
        var (got, bytes) = Read(helper, source, size);
        Assert.That(got, Is.EqualTo(r0));
        Assert.That(Hex(bytes), Is.EqualTo(buffer));
    }

    [Test]
    public void A_destination_the_program_cannot_write_is_a_fault_naming_the_helper()
    {
        var sandbox = NewSandbox("*(u64 *)(r10 - 8) = 0\nr1 = map[fd:0][0]+0 ll\nr2 = 4\nr3 = r10\nr3 += -8\ncall 113\nexit",
            [Def(BtfNotebooks.Elf.Maps.BpfMapType.Array, 4, 4, 1, BtfNotebooks.Elf.Maps.BpfMapDefinition.FlagReadOnlyProgram, ".rodata", kind: BtfNotebooks.Elf.Maps.BpfMapKind.ReadOnlyData)]);
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Run())!;
        Assert.That(e.Kind, Is.EqualTo(RuntimeErrorKind.MemoryFault));
        Assert.That(e.Message, Does.Contain("bpf_probe_read_kernel").And.Contain("destination").And.Contain("read-only"));
    }
}
