using BtfNotebooks.Elf;
using BtfNotebooks.Elf.Maps;
using BtfNotebooks.Tests.Elf;
using BtfNotebooks.Vm;
using BtfNotebooks.Vm.Helpers;
using BtfNotebooks.Vm.Maps;
using NUnit.Framework;
using BtfNotebooks.Tests.Vm.Maps;
using static BtfNotebooks.Tests.Vm.Maps.MapTestSupport;

namespace BtfNotebooks.Tests.Vm.Helpers;

/// <summary>The ring buffer and perf event helpers, from assembly and from clang-built C.</summary>
[TestFixture(VmEngine.Interpreter)]
[TestFixture(VmEngine.Jit)]
public class OutputHelperTests(VmEngine engine) : BothEngines(engine)
{
    private static readonly BpfMapDefinition Events = Def(BpfMapType.PerfEventArray, 4, 4, 0, name: "events");

    [Test]
    public void Reserve_write_and_submit_or_discard_from_a_program()
    {
        // Reserves 12 bytes, writes ctx's u32 and two u32s; submits when ctx[0] is odd, else discards.
        var sandbox = NewSandbox("""
            r6 = r1
            r1 = map[fd:0] ll
            r2 = 12
            r3 = 0
            call 131
            if r0 == 0 goto full
            r7 = *(u32 *)(r6 + 0)
            *(u32 *)(r0 + 0) = r7
            *(u32 *)(r0 + 4) = 0x11223344
            *(u32 *)(r0 + 8) = 0x55667788
            r1 = r0
            r2 = 0
            r7 &= 1
            if r7 == 0 goto discard
            call 132
            r0 = 1
            exit
            discard:
            call 133
            r0 = 2
            exit
            full:
            r0 = 0
            exit
            """, [Ring(4096)]);
        var ring = sandbox.Maps.Get<RingBufMap>("events");
        var ctx = new byte[4];
        ulong ctxAddress = sandbox.MapBytes(ctx, "ctx", RegionKind.Context);
        var outcomes = new List<ulong>();
        for (uint i = 1; i <= 4; i++)
        {
            BitConverter.TryWriteBytes(ctx, i);
            outcomes.Add(sandbox.Run(ctxAddress));
        }
        Assert.That(outcomes, Is.EqualTo(new ulong[] { 1, 2, 1, 2 }));
        var records = ring.Records();
        Assert.That(records.Select(r => (r.Position, r.Header.Length, r.Header.Discarded, r.Header.Busy)),
            Is.EqualTo(new[] { (0UL, 12u, false, false), (24UL, 12u, true, false), (48UL, 12u, false, false), (72UL, 12u, true, false) }));
        Assert.That(ring.Consume().Select(d => BitConverter.ToString(d)), Is.EqualTo(new[] { "01-00-00-00-44-33-22-11-88-77-66-55", "03-00-00-00-44-33-22-11-88-77-66-55" }));
    }

    [TestCase("*(u32 *)(r0 + 12) = 1", TestName = "writing past the reserved size faults")]
    [TestCase("*(u32 *)(r0 - 8) = 1", TestName = "writing the record header faults")]
    [TestCase("r1 = r0\nr2 = 0\ncall 132\n*(u32 *)(r6 + 0) = 1", TestName = "writing a record after submitting it faults")]
    public void Programs_may_only_touch_records_they_hold(string access)
    {
        var sandbox = NewSandbox($"""
            r1 = map[fd:0] ll
            r2 = 12
            r3 = 0
            call 131
            if r0 == 0 goto out
            r6 = r0
            {access}
            r0 = 0
            out:
            exit
            """, [Ring(4096)]);
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Run())!;
        Assert.That(e.Message, Does.Contain("ringbuf map 'events'").And.Contain("outside every record reserved"));
    }

    [Test]
    public void Submitting_twice_is_refused_as_the_verifier_would()
    {
        var sandbox = NewSandbox("r1 = map[fd:0] ll\nr2 = 8\nr3 = 0\ncall 131\nif r0 == 0 goto out\nr6 = r0\nr1 = r6\nr2 = 0\ncall 132\nr1 = r6\nr2 = 0\ncall 133\nout:\nexit", [Ring(4096)]);
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Run())!;
        Assert.That(e.Message, Does.Contain("bpf_ringbuf_discard").And.Contain("not a record reserved"));
    }

    [TestCase("r2 = 12\nr3 = 1\ncall 131", 0L, TestName = "reserve with flags is NULL")]
    [TestCase("r2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 130", 0L, TestName = "output copies and submits")]
    [TestCase("r2 = r10\nr2 += -8\nr3 = 8\nr4 = 4\ncall 130", -BpfErrno.EINVAL, TestName = "output with unknown flags is -EINVAL")]
    [TestCase("r2 = r10\nr2 += -8\nr3 = 5000\nr4 = 0\ncall 130", 0L, TestName = "output larger than the stack reads past it")]
    [TestCase("r2 = 1\ncall 134", 4096L, TestName = "query gives the ring size")]
    public void Ring_helper_answers(string call, long expected)
    {
        var sandbox = NewSandbox($"*(u64 *)(r10 - 8) = 7\nr1 = map[fd:0] ll\n{call}\nexit", [Ring(4096)]);
        if (call.Contains("5000"))
        {
            var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Run())!;
            Assert.That(e.Message, Does.Contain("bpf_ringbuf_output").And.Contain("stack"));
            return;
        }
        Assert.That((long)sandbox.Run(), Is.EqualTo(expected));
        if (call.Contains("call 130") && expected == 0)
            Assert.That(sandbox.Maps.Get<RingBufMap>("events").Consume().Single(), Is.EqualTo(U64(7)));
    }

    // bpf_perf_event_output(ctx, events, flags, r10 - 8, 4) from an XDP program and from a tracing one (a plain context).
    [TestCase("xdp", 0xffff_ffffUL, 0L, "07000000", TestName = "perf: BPF_F_CURRENT_CPU")]
    [TestCase("xdp", 0xffff_ffffUL | 3UL << 32, 0L, "07000000aabbcc", TestName = "perf: an XDP program appends packet bytes")]
    [TestCase("xdp", 0xffff_ffffUL | 9UL << 32, -14L, null, TestName = "perf: more packet bytes than the packet has is -EFAULT")]
    [TestCase("raw", 0xffff_ffffUL | 3UL << 32, -22L, null, TestName = "perf: a tracing program cannot ask for context bytes")]
    [TestCase("xdp", 1UL << 52, -22L, null, TestName = "perf: bits above the context length are -EINVAL")]
    [TestCase("xdp", 1UL, -7L, null, TestName = "perf: index 1 past the one CPU is -E2BIG")]
    public void Perf_event_output(string context, ulong flags, long expected, string? sample)
    {
        var sandbox = NewSandbox("""
            r4 = 7
            *(u32 *)(r10 - 8) = r4
            r2 = map[fd:0] ll
            r3 = *(u64 *)(r10 - 16)
            r4 = r10
            r4 += -8
            r5 = 4
            call 25
            exit
            """.Replace("r3 = *(u64 *)(r10 - 16)", $"r3 = 0x{flags:x} ll"), [Events]);
        ulong ctx = context == "xdp"
            ? ProgramContext.Setup(sandbox.Vm, ProgramContextKind.Xdp, [0xaa, 0xbb, 0xcc, 0xdd])
            : sandbox.MapBytes(new byte[64], "pt_regs", RegionKind.Context);
        long r0 = (long)sandbox.Run(ctx);
        Assert.That(r0, Is.EqualTo(expected));
        var records = sandbox.Maps.Get<PerfEventArrayMap>("events").Records;
        if (sample is null) Assert.That(records, Is.Empty);
        else Assert.That(Convert.ToHexString(records.Single().Data).ToLowerInvariant(), Is.EqualTo(sample));
    }

    [Test]
    public void Events_from_clang_built_C_through_a_ring_buffer_and_a_perf_array()
    {
        using var o = ClangBpf.Compile("""
            #include <linux/bpf.h>
            #include <bpf/bpf_helpers.h>
            struct event { __u32 len; __u32 seq; };
            struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 5000); } ring SEC(".maps");
            struct { __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY); __uint(key_size, 4); __uint(value_size, 4); } perf SEC(".maps");
            __u32 seq;
            SEC("xdp")
            int emit(struct xdp_md *ctx)
            {
                __u32 len = ctx->data_end - ctx->data;
                struct event *e = bpf_ringbuf_reserve(&ring, sizeof(*e), 0);
                if (!e)
                    return XDP_ABORTED;
                e->len = len;
                e->seq = ++seq;
                if (len > 100)
                    bpf_ringbuf_discard(e, 0);
                else
                    bpf_ringbuf_submit(e, 0);
                struct event copy = { len, seq };
                bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU | (2ULL << 32), &copy, sizeof(copy));
                return XDP_PASS;
            }
            char _license[] SEC("license") = "GPL";
            """);
        var obj = BpfObjectFile.Load(o.Path);
        var vm = new BpfVm(obj.LinkProgramWithMaps("emit"), Options);
        var maps = BpfMapSet.Load(vm, obj);
        BpfHelpers.Register(vm);
        foreach (int length in new[] { 60, 200, 70 })
            Assert.That(vm.Run(ProgramContext.Setup(vm, ProgramContextKind.Xdp, [.. Enumerable.Repeat((byte)length, length)])).R0, Is.EqualTo(2));
        var ring = maps.Get<RingBufMap>("ring");
        Assert.That(ring.Size, Is.EqualTo(8192)); // libbpf's rounding of 5000
        Assert.That(ring.Consume().Select(d => (BitConverter.ToUInt32(d, 0), BitConverter.ToUInt32(d, 4))), Is.EqualTo(new[] { (60u, 1u), (70u, 3u) }));
        var samples = maps.Get<PerfEventArrayMap>("perf").Records;
        Assert.That(samples.Select(s => (BitConverter.ToUInt32(s.Data, 0), s.Data.Length, s.Data[^1], s.Cpu)),
            Is.EqualTo(new[] { (60u, 10, (byte)60, 0), (200u, 10, (byte)200, 0), (70u, 10, (byte)70, 0) }));
    }
}
