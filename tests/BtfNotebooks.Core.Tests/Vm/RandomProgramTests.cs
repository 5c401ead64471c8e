using BtfNotebooks.Asm;
using BtfNotebooks.Tests.Asm;
using BtfNotebooks.Vm;
using CsCheck;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Vm;

/// <summary>
/// Random valid programs (every instruction shape, random registers, offsets and immediates, branch targets made
/// valid) either finish or stop with a <see cref="BpfRuntimeException"/>: never any other exception, never a hang.
/// That is the contract that keeps the interpreter from touching host memory outside its regions.
/// </summary>
public class RandomProgramTests
{
    private static readonly Gen<Instruction[]> Runnable =
        Gen.Select(InstructionGenerator.Program, Gen.Int.Array[40], (program, choices) => VmEquivalenceCases.MakeRunnable(program, choices));

    [Test]
    public void Random_programs_finish_or_fault_cleanly()
    {
        long finished = 0, faulted = 0;
        Runnable.Sample(program =>
        {
            var vm = new BpfVm(program, new VmOptions { InstructionBudget = 5_000, EntryRegisters = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
            for (int id = 0; id < 16; id++) vm.Helpers.Register(id, $"h{id}", c => c.R1 ^ c.R2);
            var packet = new byte[64];
            ulong p = ProgramContext.Setup(vm, ProgramContextKind.Raw, packet);
            try
            {
                vm.Run(p, 64, p + 8, 0, 0);
                Interlocked.Increment(ref finished);
            }
            catch (BpfRuntimeException e)
            {
                Assert.That(e.Slot, Is.Not.Null, e.Message);
                Interlocked.Increment(ref faulted);
            }
        }, iter: 20_000);
        Assert.That(finished, Is.GreaterThan(0), "no random program ran to completion: the generator is too narrow");
        Assert.That(faulted, Is.GreaterThan(0));
    }
}
