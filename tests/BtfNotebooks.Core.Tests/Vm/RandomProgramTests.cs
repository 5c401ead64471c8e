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
        Gen.Select(InstructionGenerator.Program, Gen.Int.Array[40], (program, choices) => MakeRunnable(program, choices));

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

    // Branch and call targets land on instruction starts; lddw loads plain values; calls go to helpers 0-15 or to
    // real functions; the program ends with exit.
    private static Instruction[] MakeRunnable(Instruction[] program, int[] choices)
    {
        var list = program.Select(i => i.IsWide ? i with { Src = 0 } : i).ToList();
        list.Add(Instruction.Exit());
        for (int i = 0; i < list.Count; i++)
        {
            var insn = list[i];
            if (insn.IsCall && insn.Src != (Register)CallKind.Local)
                list[i] = Instruction.Call(Math.Abs(insn.Imm % 16));
        }
        var slotOf = ProgramValidator.SlotIndex(list, out _);
        for (int i = 0; i < list.Count; i++)
        {
            var insn = list[i];
            int target = slotOf[(int)((uint)choices[i % choices.Length] % (uint)list.Count)];
            int displacement = target - (slotOf[i] + 1);
            if (insn.IsBranch) list[i] = insn.WithBranchDisplacement(displacement);
            else if (insn.IsLocalCall) list[i] = insn with { Imm = displacement };
        }
        return [.. list];
    }
}
