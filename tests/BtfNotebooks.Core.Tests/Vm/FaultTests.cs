using BtfNotebooks.Asm;
using BtfNotebooks.Vm;
using NUnit.Framework;
using static BtfNotebooks.Tests.Vm.VmTestPrograms;

namespace BtfNotebooks.Tests.Vm;

/// <summary>Programs that must stop with a precise error: which instruction, which address, which region.</summary>
public class FaultTests
{
    [Test]
    public void Null_pointer_load_names_instruction_address_and_null()
    {
        var e = Fault("r1 = 0\nr0 = *(u32 *)(r1 + 16)\nexit");
        Assert.That(e.Kind, Is.EqualTo(RuntimeErrorKind.MemoryFault));
        Assert.That(e.Slot, Is.EqualTo(1));
        Assert.That(e.Address, Is.EqualTo(16));
        Assert.That(e.AccessSize, Is.EqualTo(4));
        Assert.That(e.Message, Does.Contain("instruction 1").And.Contain("0x10").And.Contain("null"));
    }

    [Test]
    public void Packet_read_past_the_end_names_the_packet_region()
    {
        var e = Fault("r0 = *(u64 *)(r1 + 4)\nexit", packet: new byte[10]);
        Assert.That(e.Slot, Is.EqualTo(0));
        Assert.That(e.Region?.Kind, Is.EqualTo(RegionKind.Packet));
        Assert.That(e.Message, Does.Contain("packet").And.Contain("8 byte"));
    }

    [Test]
    public void Stack_below_the_frame_faults_instead_of_reaching_other_memory()
    {
        var e = Fault("r0 = *(u64 *)(r10 - 520)\nexit");
        Assert.That(e.Region?.Kind, Is.EqualTo(RegionKind.Stack));
        Assert.That(e.Message, Does.Contain("outside every region"));
    }

    [Test]
    public void Stack_top_is_the_end_of_512_bytes()
    {
        Assert.That(R0("*(u64 *)(r10 - 512) = 7\nr0 = *(u64 *)(r10 - 512)\nexit"), Is.EqualTo(7));
        var e = Fault("*(u64 *)(r10 - 4) = 7\nr0 = 0\nexit");
        Assert.That(e.Message, Does.Contain("past the end"));
    }

    [Test]
    public void Store_to_a_read_only_region_is_refused()
    {
        var vm = new BpfVm(Llvm("*(u8 *)(r1 + 0) = 1\nr0 = 0\nexit"));
        var ro = vm.Memory.Map("rodata", new byte[4], RegionKind.Other, writable: false);
        var e = Assert.Throws<BpfRuntimeException>(() => vm.Run(ro.Address))!;
        Assert.That(e.Message, Does.Contain("read-only").And.Contain("rodata"));
        Assert.That(ro.Data[0], Is.Zero);
    }

    [Test]
    public void Pointer_arithmetic_cannot_jump_into_a_neighbouring_region()
    {
        // The stack and the packet are neighbours in the address space; offsets from one never reach the other.
        var vm = new BpfVm(Llvm("r1 += 0x7fffffff\nr0 = *(u8 *)(r1 + 0)\nexit"));
        ulong p = ProgramContext.Setup(vm, ProgramContextKind.Raw, new byte[64]);
        Assert.Throws<BpfRuntimeException>(() => vm.Run(p));
    }

    [Test]
    public void Runaway_loop_stops_at_the_budget()
    {
        var e = Fault("r0 = 0\nloop:\nr0 += 1\ngoto loop", options: new VmOptions { InstructionBudget = 10_000 });
        Assert.That(e.Kind, Is.EqualTo(RuntimeErrorKind.BudgetExhausted));
        Assert.That(e.Message, Does.Contain("10,000"));
        Assert.That(e.Slot, Is.EqualTo(1).Or.EqualTo(2));
    }

    [Test]
    public void Recursion_stops_at_the_frame_limit()
    {
        var e = Fault("r0 = 0\ncall f\nexit\nf:\ncall f\nexit");
        Assert.That(e.Kind, Is.EqualTo(RuntimeErrorKind.CallDepthExceeded));
        Assert.That(e.Slot, Is.EqualTo(3));
    }

    [Test]
    public void Unknown_helper_is_named_before_running()
    {
        var e = Fault("call 1234\nexit");
        Assert.That(e.Kind, Is.EqualTo(RuntimeErrorKind.UnknownHelper));
        Assert.That(e.Message, Does.Contain("1234"));
        Assert.That(e.Slot, Is.EqualTo(0));
    }

    [Test]
    public void Callx_to_an_unknown_helper_fails_at_run_time()
    {
        var e = Fault("r2 = 99\ncallx r2\nexit");
        Assert.That(e.Kind, Is.EqualTo(RuntimeErrorKind.UnknownHelper));
        Assert.That(e.Message, Does.Contain("99"));
        Assert.That(e.Slot, Is.EqualTo(1));
    }

    [Test]
    public void Helper_memory_fault_names_helper_and_call_site()
    {
        var vm = new BpfVm(Llvm("r1 = 0\nr2 = 8\ncall 4\nexit"));
        vm.Helpers.Register(4, "bpf_probe_read", c => { c.Memory.Span(c.R1, (int)c.R2, write: true); return 0; });
        var e = Assert.Throws<BpfRuntimeException>(() => vm.Run())!;
        Assert.That(e.Slot, Is.EqualTo(2));
        Assert.That(e.Message, Does.Contain("bpf_probe_read").And.Contain("(4)"));
    }

    [Test]
    public void Reading_a_register_nothing_wrote_is_rejected()
    {
        var e = Fault("r0 += r3\nexit");
        Assert.That(e.Message, Does.Contain("invalid read of r0").Or.Contain("invalid read of r3"));
        // after a helper call r1-r5 are clobbered, as in the kernel
        var vm = new BpfVm(Llvm("r1 = 1\ncall 7\nr0 = r1\nexit"));
        vm.Helpers.Register(7, "bpf_get_prandom_u32", _ => 4);
        Assert.That(Assert.Throws<BpfRuntimeException>(() => vm.Run())!.Message, Does.Contain("r1"));
    }

    [Test]
    public void A_read_initialized_on_one_path_only_is_allowed()
    {
        Assert.That(R0("if r2 == 0 goto +1\nr3 = 5\nr0 = r3\nexit", new byte[1]), Is.EqualTo(5));
    }

    [Test]
    public void Map_reference_without_a_loader_is_a_clear_error()
    {
        var vm = new BpfVm([Instruction.LoadImm64(Register.R1, 3, LoadImm64Kind.MapFd), Instruction.Mov64(Register.R0, 0), Instruction.Exit()]);
        var e = Assert.Throws<BpfRuntimeException>(() => vm.Run())!;
        Assert.That(e.Message, Does.Contain("MapFd").And.Contain("loader"));
        vm.ResolveLoadImm64 = (insn, slot) => 0xabc;
        vm.Helpers.Register(1, "x", _ => 0);
        Assert.That(vm.Run().R0, Is.Zero);
    }

    [Test]
    public void Invalid_programs_are_rejected_with_every_slot()
    {
        var e = Assert.Throws<BpfEncodingException>(() => new BpfVm([Instruction.Jump(5), Instruction.Alu64(AluOperation.Add, Register.R10, 1), Instruction.Exit()]))!;
        Assert.That(e.Errors.Select(x => x.Slot), Is.EquivalentTo(new[] { 0, 1 }));
    }
}
