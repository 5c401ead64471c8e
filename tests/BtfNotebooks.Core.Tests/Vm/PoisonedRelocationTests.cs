using BtfNotebooks.Asm;
using BtfNotebooks.CoRe;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Vm;

/// <summary>
/// libbpf's poisoned CO-RE instruction (call 0xbad2310) behaves as under the verifier: a program whose guard makes it
/// unreachable runs; reaching it is a fault that says what happened, at that instruction.
/// </summary>
public class PoisonedRelocationTests
{
    private static readonly Instruction Poison = Instruction.Call(BpfVm.PoisonedRelocationHelper) with { Src = Register.R0 };

    // r1 = "exists" flag: 0 skips the poisoned read, as `if (bpf_core_field_exists(x)) read x` does on a kernel without x.
    private static Instruction[] Guarded() =>
    [
        Instruction.Mov64(Register.R0, 7),
        Instruction.Branch(JumpOperation.Jeq, Register.R1, 0, 1),
        Poison,
        Instruction.Exit(),
    ];

    [Test]
    public void An_unreachable_poisoned_instruction_does_not_stop_the_program()
    {
        var vm = new BpfVm(Guarded());
        Assert.That(vm.Run(r1: 0).R0, Is.EqualTo(7));
        Assert.That(vm.RunTraced(r1: 0).Result?.R0, Is.EqualTo(7));
    }

    [Test]
    public void Reaching_it_faults_at_that_instruction_and_says_why()
    {
        var vm = new BpfVm(Guarded());
        var e = Assert.Throws<BpfRuntimeException>(() => vm.Run(r1: 1))!;
        Assert.That((e.Kind, e.Slot), Is.EqualTo((RuntimeErrorKind.PoisonedRelocation, (int?)2)));
        Assert.That(e.Message, Does.Contain("poisoned CO-RE relocation").And.Contain("0xbad2310").And.Contain("instruction 2"));
        Assert.That(vm.RunTraced(r1: 1).Fault?.Kind, Is.EqualTo(RuntimeErrorKind.PoisonedRelocation));
    }

    [Test]
    public void Any_other_unknown_helper_is_still_refused_before_the_run()
    {
        var program = Guarded();
        program[2] = Instruction.Call(BpfVm.PoisonedRelocationHelper + 1);
        var e = Assert.Throws<BpfRuntimeException>(() => new BpfVm(program).Run(r1: 0))!;
        Assert.That(e.Kind, Is.EqualTo(RuntimeErrorKind.UnknownHelper));
    }

    [Test]
    public void The_patcher_poisons_with_the_helper_the_vm_recognises() =>
        Assert.That(CoreInstructionPatcher.PoisonHelper, Is.EqualTo(BpfVm.PoisonedRelocationHelper));
}
