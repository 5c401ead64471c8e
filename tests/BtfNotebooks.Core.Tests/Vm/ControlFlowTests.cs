using BtfNotebooks.Vm;
using NUnit.Framework;
using static BtfNotebooks.Tests.Vm.VmTestPrograms;

namespace BtfNotebooks.Tests.Vm;

public class ControlFlowTests
{
    [Test]
    public void Local_calls_pass_r1_to_r5_return_r0_and_preserve_r6_to_r9()
    {
        ulong r0 = R0("""
            r6 = 6
            r9 = 9
            r1 = 10
            r2 = 20
            call add
            r0 += r6
            r0 += r9
            exit
            add:
            r6 = 100
            r9 = 100
            r0 = r1
            r0 += r2
            exit
            """);
        Assert.That(r0, Is.EqualTo(45));
    }

    [Test]
    public void Each_frame_has_its_own_stack()
    {
        ulong r0 = R0("""
            *(u64 *)(r10 - 8) = 1
            r1 = r10
            r1 += -8
            call f
            r0 = *(u64 *)(r10 - 8)
            exit
            f:
            *(u64 *)(r10 - 8) = 50
            r2 = *(u64 *)(r1 + 0)
            r2 += 1
            *(u64 *)(r1 + 0) = r2
            r0 = 0
            exit
            """);
        Assert.That(r0, Is.EqualTo(2)); // callee wrote the caller's slot through the pointer, its own slot separately
    }

    [Test]
    public void Atomics_fetch_exchange_and_compare()
    {
        ulong r0 = R0("""
            *(u64 *)(r10 - 8) = 10
            r1 = 5
            r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)
            r2 = 3
            lock *(u64 *)(r10 - 8) |= r2
            r0 = 15
            r3 = 99
            r0 = cmpxchg_64(r10 - 8, r0, r3)
            r4 = *(u64 *)(r10 - 8)
            r0 *= 1000
            r0 += r4
            r0 *= 100
            r0 += r1
            exit
            """);
        // fetch_add returns 10, memory 15; or 3 -> 15; cmpxchg(15==15) stores 99, r0 = old 15.
        Assert.That(r0, Is.EqualTo((15 * 1000 + 99) * 100 + 10));
    }

    [Test]
    public void Atomic32_fetch_zero_extends()
    {
        ulong r0 = R0("""
            *(u64 *)(r10 - 8) = -1
            w1 = 1
            w1 = atomic_fetch_add((u32 *)(r10 - 8), w1)
            r0 = r1
            exit
            """);
        Assert.That(r0, Is.EqualTo(0xffffffff));
    }

    [Test]
    public void May_goto_falls_through_until_its_budget_runs_out()
    {
        var result = Run("r0 = 0\nloop:\nmay_goto +2\nr0 += 1\ngoto loop\nexit", options: new VmOptions { MayGotoBudget = 100 });
        Assert.That(result.R0, Is.EqualTo(100));
    }

    [Test]
    public void Xdp_context_data_pointers_read_as_32_bit_fields()
    {
        var vm = new BpfVm(Llvm("""
            r2 = *(u32 *)(r1 + 0)
            r3 = *(u32 *)(r1 + 4)
            r0 = r3
            r0 -= r2
            r4 = r2
            r4 += 14
            if r4 > r3 goto +2
            r5 = *(u16 *)(r2 + 12)
            r0 += r5
            exit
            """));
        var packet = new byte[60];
        packet[12] = 0x08;
        ulong ctx = ProgramContext.Setup(vm, ProgramContextKind.Xdp, packet);
        Assert.That(vm.Run(ctx).R0, Is.EqualTo(60 + 8));
    }

    [Test]
    public void Xdp_context_refuses_narrow_pointer_loads_and_stores()
    {
        var vm = new BpfVm(Llvm("r2 = *(u16 *)(r1 + 0)\nr0 = 0\nexit"));
        ulong ctx = ProgramContext.Setup(vm, ProgramContextKind.Xdp, new byte[64]);
        var e = Assert.Throws<BpfRuntimeException>(() => vm.Run(ctx))!;
        Assert.That(e.Message, Does.Contain("'data'"));
        Assert.That(e.Slot, Is.EqualTo(0));
        var vm2 = new BpfVm(Llvm("*(u32 *)(r1 + 0) = 0\nr0 = 0\nexit"));
        ulong ctx2 = ProgramContext.Setup(vm2, ProgramContextKind.Xdp, new byte[64]);
        Assert.That(Assert.Throws<BpfRuntimeException>(() => vm2.Run(ctx2))!.Message, Does.Contain("not writable"));
    }

    [Test]
    public void Socket_filter_sees_the_packet_after_the_ethernet_header()
    {
        var vm = new BpfVm(Llvm("r0 = *(u32 *)(r1 + 0)\nexit"));
        ulong ctx = ProgramContext.Setup(vm, ProgramContextKind.SocketFilter, new byte[100]);
        Assert.That(vm.Run(ctx).R0, Is.EqualTo(86));
        var tc = new BpfVm(Llvm("r0 = *(u32 *)(r1 + 0)\nexit"));
        Assert.That(tc.Run(ProgramContext.Setup(tc, ProgramContextKind.SchedClassifier, new byte[100])).R0, Is.EqualTo(100));
    }

    // Values the kernel's BPF_PROG_TEST_RUN gives on the loopback device (checked against it by the differential test).
    [TestCase("ffffffffffff", 0x0800, 2u, 0x0008u)]   // broadcast reads as multicast: lo's broadcast address is zero
    [TestCase("000000000000", 0x86dd, 0u, 0xdd86u)]   // lo's own address: host
    [TestCase("020000000001", 0x0040, 3u, 0x0400u)]   // 802.3 length field, 802.2 payload
    [TestCase("010000000001", 0x05dc, 2u, 0x0400u)]
    public void Socket_filter_pkt_type_and_protocol_follow_eth_type_trans(string dest, int etherType, uint pktType, uint protocol)
    {
        var packet = new byte[64];
        Convert.FromHexString(dest).CopyTo(packet, 0);
        packet[12] = (byte)(etherType >> 8);
        packet[13] = (byte)etherType;
        var vm = new BpfVm(Llvm("r0 = *(u32 *)(r1 + 4)\nr2 = *(u32 *)(r1 + 16)\nr0 <<= 32\nr0 |= r2\nexit"));
        ulong r0 = vm.Run(ProgramContext.Setup(vm, ProgramContextKind.SocketFilter, packet)).R0;
        Assert.That((r0 >> 32, r0 & 0xffffffff), Is.EqualTo(((ulong)pktType, (ulong)protocol)));
    }

    [Test]
    public void Raw_802_3_frames_report_eth_p_802_3()
    {
        var packet = new byte[64];
        packet[12] = 0x00; packet[13] = 0x40; packet[14] = 0xff; packet[15] = 0xff;
        var vm = new BpfVm(Llvm("r0 = *(u32 *)(r1 + 16)\nexit"));
        Assert.That(vm.Run(ProgramContext.Setup(vm, ProgramContextKind.SocketFilter, packet)).R0, Is.EqualTo(0x0100));
    }
}
