using BtfNotebooks.Asm;
using BtfNotebooks.Elf;
using BtfNotebooks.Tests.Elf;
using BtfNotebooks.Vm;
using BtfNotebooks.Vm.Helpers;
using BtfNotebooks.Vm.Maps;
using NUnit.Framework;
using BtfNotebooks.Tests.Vm.Maps;
using static BtfNotebooks.Tests.Vm.Maps.MapTestSupport;

namespace BtfNotebooks.Tests.Vm.Helpers;

/// <summary>bpf_loop: a bpf-to-bpf callback called per iteration through the VM's CallFunction.</summary>
[TestFixture(VmEngine.Interpreter)]
[TestFixture(VmEngine.Jit)]
public class LoopTests(VmEngine engine) : BothEngines(engine)
{
    // bpf_loop(ctx[0], cb, &sum, ctx[8]); returns sum * 1000 + bpf_loop's result. cb adds i to *ctx and returns 1
    // when i reaches ctx[16] (never when it is ~0).
    private const string SumProgram = """
        r6 = r1
        *(u64 *)(r10 - 8) = 0
        *(u64 *)(r10 - 16) = r6
        r1 = *(u64 *)(r6 + 0)
        r2 = func[cb] ll
        r3 = r10
        r3 += -16
        r4 = *(u64 *)(r6 + 8)
        call 181
        r7 = r0
        r0 = *(u64 *)(r10 - 8)
        r0 *= 1000
        r0 += r7
        exit
        cb:
        r3 = *(u64 *)(r2 + 8)
        r3 += r1
        *(u64 *)(r2 + 8) = r3
        r4 = *(u64 *)(r2 + 0)
        r4 = *(u64 *)(r4 + 16)
        r0 = 0
        if r1 != r4 goto more
        r0 = 1
        more:
        exit
        """;

    private ulong Sum(ulong loops, ulong flags = 0, ulong stopAt = ulong.MaxValue, VmOptions? options = null) =>
        SumRun(loops, flags, stopAt, options).R0;

    private RunResult SumRun(ulong loops, ulong flags = 0, ulong stopAt = ulong.MaxValue, VmOptions? options = null)
    {
        var sandbox = NewSandbox(SumProgram, [], options);
        var ctx = new byte[24];
        BitConverter.TryWriteBytes(ctx, loops);
        BitConverter.TryWriteBytes(ctx.AsSpan(8), flags);
        BitConverter.TryWriteBytes(ctx.AsSpan(16), stopAt);
        return sandbox.Vm.Run(sandbox.MapBytes(ctx, "ctx", RegionKind.Context));
    }

    [TestCase(10UL, 0UL, ulong.MaxValue, 45_010UL, TestName = "ten iterations sum 0..9 and return 10")]
    [TestCase(0UL, 0UL, ulong.MaxValue, 0UL, TestName = "zero iterations call nothing")]
    [TestCase(10UL, 0UL, 3UL, 6_004UL, TestName = "a callback returning 1 stops the loop; bpf_loop returns i + 1")]
    [TestCase(10UL, 0UL, 0UL, 1UL, TestName = "stopping at the first iteration returns 1")]
    [TestCase(0x1_0000_0003UL, 0UL, ulong.MaxValue, 3_003UL, TestName = "nr_loops is a u32")]
    public void Loop_calls_the_callback_per_iteration(ulong loops, ulong flags, ulong stopAt, ulong expected) =>
        Assert.That(Sum(loops, flags, stopAt), Is.EqualTo(expected));

    // Too many loops is -E2BIG as the verifier's inlined bpf_loop sets it: with a 32-bit move (what Linux returns).
    [TestCase(3UL, 1UL, 0xffff_ffff_ffff_ffeaUL, TestName = "flags must be 0: -EINVAL")]
    [TestCase(8UL * 1024 * 1024 + 1, 0UL, 0xffff_fff9UL, TestName = "more than BPF_MAX_LOOPS is a 32-bit -E2BIG")]
    public void Loop_refuses_bad_arguments_as_the_kernel(ulong loops, ulong flags, ulong r0) =>
        Assert.That(Sum(loops, flags), Is.EqualTo(r0)); // sum stays 0

    [Test]
    public void Callback_instructions_count_towards_the_run_and_its_budget()
    {
        long none = SumRun(0).InstructionsExecuted, one = SumRun(1).InstructionsExecuted, ten = SumRun(10).InstructionsExecuted;
        Assert.That(none, Is.EqualTo(14)); // the lddw counts once
        Assert.That(ten - none, Is.EqualTo(10 * (one - none)));
        Assert.That(one - none, Is.EqualTo(8)); // a non-stopping iteration runs 8 callback instructions

        var e = Assert.Throws<BpfRuntimeException>(() => SumRun(1000, options: new VmOptions { InstructionBudget = 500 }))!;
        Assert.That(e.Kind, Is.EqualTo(RuntimeErrorKind.BudgetExhausted));
        Assert.That(e.Message, Does.Contain("budget of 500"));
    }

    [Test]
    public void A_fault_in_the_callback_names_the_callbacks_instruction()
    {
        var sandbox = NewSandbox("""
            r1 = 2
            r2 = func[cb] ll
            r3 = 0
            r4 = 0
            call 181
            exit
            cb:
            r0 = *(u64 *)(r2 + 0)
            exit
            """, []);
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Run())!;
        Assert.That(e.Kind, Is.EqualTo(RuntimeErrorKind.MemoryFault));
        Assert.That(e.Slot, Is.EqualTo(7));
        Assert.That(e.InstructionText, Does.Contain("r2 + 0x0"));
    }

    [Test]
    public void The_callback_gets_its_own_zeroed_frame_and_the_callers_registers_survive()
    {
        var sandbox = NewSandbox("""
            r6 = 7
            *(u64 *)(r10 - 8) = 99
            r1 = 3
            r2 = func[cb] ll
            r3 = 0
            r4 = 0
            call 181
            r0 *= 1000
            r1 = *(u64 *)(r10 - 8)
            r0 += r1
            r0 += r6
            exit
            cb:
            r6 = 1000
            r0 = *(u64 *)(r10 - 8)
            *(u64 *)(r10 - 8) = 5
            exit
            """, []);
        Assert.That(sandbox.Run(), Is.EqualTo(3106)); // three iterations: each time the callback read 0 from its fresh frame
    }

    [Test]
    public void Callbacks_nest_until_the_frame_limit()
    {
        // cb calls bpf_loop(1, cb, 0, 0) again: every nesting is a frame, so the eighth one faults.
        var sandbox = NewSandbox("""
            r1 = 1
            r2 = func[cb] ll
            r3 = 0
            r4 = 0
            call 181
            exit
            cb:
            r1 = 1
            r2 = func[cb] ll
            r3 = 0
            r4 = 0
            call 181
            r0 = 0
            exit
            """, []);
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Run())!;
        Assert.That(e.Kind, Is.EqualTo(RuntimeErrorKind.CallDepthExceeded));
        Assert.That(e.Message, Does.Contain("bpf_loop").And.Contain("8 frames"));
    }

    [Test]
    public void A_callback_address_must_be_a_function_of_the_program()
    {
        var sandbox = NewSandbox("r1 = 1\nr2 = func[cb] ll\nr2 += 8\nr3 = 0\nr4 = 0\ncall 181\nexit\ncb:\nr0 = 0\nexit", []);
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Run())!;
        Assert.That(e.Message, Does.Contain("bpf_loop").And.Contain("is not the address of a function"));
        Assert.That(sandbox.Vm.FunctionSlot(sandbox.Vm.FunctionAddress(8)), Is.EqualTo(8));
        Assert.That(sandbox.Vm.Memory.Find(sandbox.Vm.FunctionAddress(0))!.Writable, Is.False);
    }

    [Test]
    public void A_traced_run_gives_the_same_result_and_records_the_loop_as_one_step()
    {
        var sandbox = NewSandbox(SumProgram, []);
        var ctx = new byte[24];
        BitConverter.TryWriteBytes(ctx, 4UL);
        BitConverter.TryWriteBytes(ctx.AsSpan(16), ulong.MaxValue);
        ulong address = sandbox.MapBytes(ctx, "ctx", RegionKind.Context);
        var trace = sandbox.Vm.RunTraced(address);
        Assert.That(trace.Result, Is.EqualTo(sandbox.Vm.Run(address)));
        Assert.That(trace.Steps.Count(s => s.Instruction.IsCall), Is.EqualTo(1));
    }

    [Test]
    public void Bpf_loop_from_clang_built_C()
    {
        using var o = ClangBpf.Compile("""
            #include <linux/bpf.h>
            #include <bpf/bpf_helpers.h>
            static long add(__u32 i, void *ctx) { *(__u64 *)ctx += i; return 0; }
            SEC("xdp")
            int sum(struct xdp_md *ctx)
            {
                __u64 total = 0;
                long n = bpf_loop(10, add, &total, 0);
                return total + n;
            }
            char _license[] SEC("license") = "GPL";
            """);
        var obj = BpfObjectFile.Load(o.Path);
        var vm = new BpfVm(LinkWithCallbacks(obj, "sum"), Options);
        BpfMapSet.Load(vm, obj);
        BpfHelpers.Register(vm);
        Assert.That(vm.Run(ProgramContext.Setup(vm, ProgramContextKind.Xdp, new byte[64])).R0, Is.EqualTo(55)); // the kernel returns 55 too
    }

    /// <summary>The object's own linking: the callback's lddw becomes BPF_PSEUDO_FUNC with .text appended.</summary>
    private static Instruction[] LinkWithCallbacks(BpfObjectFile obj, string name) => obj.LinkProgramWithMaps(name);
}
