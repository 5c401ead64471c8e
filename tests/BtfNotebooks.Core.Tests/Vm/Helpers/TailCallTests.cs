using BtfNotebooks.Asm.Text;
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

/// <summary>bpf_tail_call: the target replaces the calling frame; a miss falls through; 33 calls at most.</summary>
[TestFixture(VmEngine.Interpreter)]
[TestFixture(VmEngine.Jit)]
public class TailCallTests(VmEngine engine) : BothEngines(engine)
{
    private static readonly BpfMapDefinition Jmp = Def(BpfMapType.ProgArray, 4, 4, 4, name: "jmp");

    private static IReadOnlyList<BtfNotebooks.Asm.Instruction> Asm(string text) => Assembler.Assemble(text, AsmSyntax.Llvm).Instructions;

    // Tail-calls index ctx[0] with r0 = 7 set before; returns 7 + 1000 if the call falls through.
    private const string Caller = """
        r6 = r1
        r3 = *(u32 *)(r1 + 0)
        r2 = map[fd:0] ll
        call 12
        r0 = 1007
        exit
        """;

    // Reads ctx[4] (the same context) and returns it.
    private const string Target = "r0 = *(u32 *)(r1 + 4)\nr0 += 0\nexit";

    private (Sandbox Sandbox, ulong Ctx) Setup(uint index, uint payload)
    {
        var sandbox = NewSandbox(Caller, [Jmp]);
        var ctx = new byte[8];
        BitConverter.TryWriteBytes(ctx, index);
        BitConverter.TryWriteBytes(ctx.AsSpan(4), payload);
        return (sandbox, sandbox.MapBytes(ctx, "ctx", RegionKind.Context));
    }

    [TestCase(1u, 42ul, TestName = "a filled slot runs the target with the same context and never returns")]
    [TestCase(0u, 1007ul, TestName = "an empty slot falls through")]
    [TestCase(4u, 1007ul, TestName = "an index past max_entries falls through")]
    [TestCase(0xffff_ffffu, 1007ul, TestName = "a huge index falls through")]
    public void Tail_call_hits_and_misses(uint index, ulong expected)
    {
        var (sandbox, ctx) = Setup(index, 42);
        sandbox.Maps.Get<ProgArrayMap>("jmp").Set(1, new TailCallProgram("target", Asm(Target)));
        var result = sandbox.Vm.Run(ctx);
        Assert.That(result.R0, Is.EqualTo(expected));
        // A hit: 4 instructions up to the call and the target's 3; a miss: all 6 of the caller's.
        Assert.That(result.InstructionsExecuted, Is.EqualTo(expected == 42 ? 7 : 6));
        Assert.That(sandbox.Vm.TailCallCount, Is.EqualTo(index == 1 ? 1 : 0), "only a call that finds a program counts (Linux's x86-64 JIT)");
    }

    [TestCase(1u, TestName = "no program at the index: -ENOENT")]
    [TestCase(9u, TestName = "an index past the array: -ENOENT")]
    public void A_miss_leaves_an_errno_in_r0_the_verifier_would_not_let_the_program_read(uint index)
    {
        var sandbox = NewSandbox("r6 = r1\nr3 = *(u32 *)(r1 + 0)\nr2 = map[fd:0] ll\ncall 12\nexit", [Jmp]);
        var ctx = sandbox.MapBytes(BitConverter.GetBytes(index), "ctx", RegionKind.Context);
        Assert.That((long)sandbox.Run(ctx), Is.EqualTo(-BpfErrno.ENOENT));
    }

    [Test]
    public void At_most_33_tail_calls_chain_then_the_call_falls_through()
    {
        // The kernel selftest tailcall3: entry tail-calls classifier_0, which counts and tail-calls itself.
        var sandbox = NewSandbox("r2 = map[fd:0] ll\nr3 = 0\ncall 12\nr0 = 0\nexit", [Jmp, Array(1, name: "count")]);
        const string Classifier = """
            r6 = r1
            *(u32 *)(r10 - 4) = 0
            r1 = map[fd:1] ll
            r2 = r10
            r2 += -4
            call 1
            if r0 == 0 goto out
            r1 = 1
            lock *(u64 *)(r0 + 0) += r1
            r1 = r6
            r2 = map[fd:0] ll
            r3 = 0
            call 12
            out:
            r0 = 1
            exit
            """;
        sandbox.Maps.Get<ProgArrayMap>("jmp").Set(0, sandbox.Vm.CreateSibling(Asm(Classifier), "classifier_0"));
        Assert.That(sandbox.Run(), Is.EqualTo(1));
        Assert.That(sandbox.Maps["count"].Lookup<uint, ulong>(0), Is.EqualTo(BpfVm.MaxTailCalls));
        Assert.That(sandbox.Vm.TailCallCount, Is.EqualTo(BpfVm.MaxTailCalls));
        // The count is per run.
        Assert.That(sandbox.Run(), Is.EqualTo(1));
        Assert.That(sandbox.Maps["count"].Lookup<uint, ulong>(0), Is.EqualTo(2 * BpfVm.MaxTailCalls));
    }

    [Test]
    public void A_program_can_tail_call_itself()
    {
        // Counts down ctx[0] by tail-calling itself (slot 0 holds the running VM), returning the number of runs.
        var sandbox = NewSandbox("""
            r6 = r1
            r2 = *(u32 *)(r6 + 0)
            r3 = *(u32 *)(r6 + 4)
            r3 += 1
            *(u32 *)(r6 + 4) = r3
            if r2 == 0 goto done
            r2 += -1
            *(u32 *)(r6 + 0) = r2
            r2 = map[fd:0] ll
            r3 = 0
            call 12
            done:
            r0 = *(u32 *)(r6 + 4)
            exit
            """, [Jmp]);
        sandbox.Maps.Get<ProgArrayMap>("jmp").Set(0, sandbox.Vm);
        var ctx = new byte[8];
        BitConverter.TryWriteBytes(ctx, 5u);
        Assert.That(sandbox.Run(sandbox.MapBytes(ctx, "ctx", RegionKind.Context)), Is.EqualTo(6));
    }

    [Test]
    public void A_tail_call_from_a_subprogram_returns_the_targets_r0_to_that_subprograms_caller()
    {
        var sandbox = NewSandbox("""
            r6 = 100
            call f
            r0 += r6
            exit
            f:
            r2 = map[fd:0] ll
            r3 = 2
            call 12
            r0 = 1
            exit
            """, [Jmp]);
        sandbox.Maps.Get<ProgArrayMap>("jmp").Set(2, new TailCallProgram("five", Asm("r0 = 5\nexit")));
        Assert.That(sandbox.Run(), Is.EqualTo(105));
        var trace = sandbox.Vm.RunTraced();
        Assert.That(trace.Result!.Value, Is.EqualTo(sandbox.Vm.Run()));
    }

    [Test]
    public void A_fault_in_the_target_names_the_target_and_its_instruction()
    {
        var (sandbox, ctx) = Setup(1, 0);
        sandbox.Maps.Get<ProgArrayMap>("jmp").Set(1, new TailCallProgram("broken", Asm("r0 = 0\nr1 = 0\nr0 = *(u64 *)(r1 + 8)\nexit")));
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Vm.Run(ctx))!;
        Assert.That(e.Kind, Is.EqualTo(RuntimeErrorKind.MemoryFault));
        Assert.That(e.Slot, Is.EqualTo(4));
        Assert.That(e.Message, Does.Contain("bpf_tail_call").And.Contain("tail-called program 'broken'").And.Contain("instruction 2"));
        Assert.That(e.Address, Is.EqualTo(8));
    }

    [Test]
    public void A_target_that_cannot_run_is_named()
    {
        var (sandbox, ctx) = Setup(1, 0);
        sandbox.Maps.Get<ProgArrayMap>("jmp").Set(1, new TailCallProgram("kfunc_user", Asm("call 27\nexit")));
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Vm.Run(ctx))!;
        Assert.That(e.Message, Does.Contain("tail-call target 'kfunc_user' cannot run").And.Contain("bpf_get_stackid"));
    }

    [Test]
    public void A_target_in_another_address_space_is_refused()
    {
        var (sandbox, ctx) = Setup(1, 0);
        sandbox.Maps.Get<ProgArrayMap>("jmp").Set(1, new BpfVm(Asm("r0 = 0\nexit")) { Name = "stranger" });
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Vm.Run(ctx))!;
        Assert.That(e.Message, Does.Contain("'stranger' has its own memory").And.Contain("CreateSibling"));
    }

    [Test]
    public void The_map_must_be_a_prog_array()
    {
        var sandbox = NewSandbox("r2 = map[fd:0] ll\nr3 = 0\ncall 12\nr0 = 0\nexit", [Hash(1)]);
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Run())!;
        Assert.That(e.Message, Does.Contain("bpf_tail_call").And.Contain("not a prog_array"));
    }

    [Test]
    public void Calling_TailCall_or_CallFunction_outside_a_helper_is_an_error()
    {
        var vm = new BpfVm(Asm("r0 = 0\nexit"));
        Assert.Throws<InvalidOperationException>(() => vm.TailCall(vm, 0));
        Assert.Throws<InvalidOperationException>(() => vm.CallFunction(0));
    }

    private const string TailCallObject = """
        #include <linux/bpf.h>
        #include <bpf/bpf_helpers.h>

        int xdp_next(struct xdp_md *ctx);

        struct {
            __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
            __uint(max_entries, 4);
            __type(key, __u32);
            __array(values, int (void *));
        } jmp SEC(".maps") = {
            .values = { [2] = (void *)&xdp_next },
        };

        __u32 hops;

        SEC("xdp")
        int xdp_next(struct xdp_md *ctx)
        {
            hops += 10;
            return XDP_TX;
        }

        SEC("xdp")
        int xdp_entry(struct xdp_md *ctx)
        {
            hops = 1;
            bpf_tail_call(ctx, &jmp, ctx->data_end - ctx->data);
            return XDP_PASS;
        }

        char _license[] SEC("license") = "GPL";
        """;

    [TestCase(2, 3u, 11u, TestName = "clang: the prog array's initial slot runs the other program")]
    [TestCase(1, 2u, 1u, TestName = "clang: an empty slot falls through to XDP_PASS")]
    public void Clang_built_programs_tail_call_through_the_objects_prog_array(int length, uint action, uint hops)
    {
        using var o = ClangBpf.Compile(TailCallObject);
        var obj = BpfObjectFile.Load(o.Path);
        var vm = new BpfVm(obj.LinkProgramWithMaps("xdp_entry"), Options) { Name = "xdp_entry" };
        var maps = BpfMapSet.Load(vm, obj);
        BpfHelpers.Register(vm);
        Assert.That(maps.Get<ProgArrayMap>("jmp")[2]?.Name, Is.EqualTo("xdp_next"));
        Assert.That(vm.Run(ProgramContext.Setup(vm, ProgramContextKind.Xdp, new byte[length])).R0, Is.EqualTo(action));
        Assert.That(maps[".bss"].Lookup<uint, uint>(0), Is.EqualTo(hops));
    }
}
