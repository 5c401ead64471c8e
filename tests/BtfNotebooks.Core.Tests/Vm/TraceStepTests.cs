using BtfNotebooks.Asm;
using BtfNotebooks.Vm;
using NUnit.Framework;
using static BtfNotebooks.Tests.Vm.VmTestPrograms;

namespace BtfNotebooks.Tests.Vm;

/// <summary>What each recorded step says: instruction and text, writes, stores, branches, frames, readable registers, the
/// fault, the limit, and the rendered table.</summary>
public class TraceStepTests
{
    /// <summary>Runs LLVM text traced with r1 = a 16-byte packet 0, 1, 2, ... and r2 = 16.</summary>
    private static (VmTrace Trace, BpfVm Vm, ulong Packet) Trace(string text, int maxSteps = VmTrace.DefaultMaxSteps, VmOptions? options = null, Action<BpfVm>? setup = null)
    {
        var vm = new BpfVm(Llvm(text), options ?? new VmOptions { EntryRegisters = [1, 2] });
        setup?.Invoke(vm);
        var packet = new byte[16];
        for (int i = 0; i < packet.Length; i++) packet[i] = (byte)i;
        ulong p = ProgramContext.Setup(vm, ProgramContextKind.Raw, packet);
        return (vm.RunTraced(p, 16, maxSteps: maxSteps), vm, p);
    }

    [Test]
    public void Each_step_names_its_instruction_and_the_registers_it_wrote()
    {
        var (trace, vm, _) = Trace("r0 = 42\nr3 = r0\nr3 += 0\nw3 = w3\nexit");
        Assert.That(trace.Result, Is.EqualTo(new RunResult(42, 5)));
        Assert.That(trace.Steps.Select(s => s.Step), Is.EqualTo(new long[] { 1, 2, 3, 4, 5 }));
        Assert.That(trace.Steps.Select(s => s.Text), Is.EqualTo(new[] { "r0 = 0x2a", "r3 = r0", "r3 += 0x0", "w3 = w3", "exit" }), "LLVM syntax, as objdump prints it");
        Assert.That(trace.Steps.Select(s => s.Instruction), Is.EqualTo(vm.Instructions));
        Assert.That(trace.Steps[0].Writes, Is.EqualTo(new[] { new RegisterWrite(Register.R0, 42) }));
        Assert.That(trace.Steps[0].Effect, Is.EqualTo("r0 = 0x2a"));
        // A write of the value a register already holds is still a write.
        Assert.That(trace.Steps[2].Writes, Is.EqualTo(new[] { new RegisterWrite(Register.R3, 42) }));
        Assert.That(trace.Steps[4].Writes, Is.Empty);
        Assert.That(trace.Steps[4].NextSlot, Is.Null);
        Assert.That(trace.Steps.All(s => s.Depth == 0 && s.Taken is null && s.Store is null && s.Fault is null));
    }

    [Test]
    public void Registers_nothing_wrote_are_null_not_zero()
    {
        var (trace, _, p) = Trace("r0 = 0\nr6 = 0\nexit");
        Assert.That(trace.EntryRegisters[1], Is.EqualTo(p));
        Assert.That(trace.EntryRegisters[2], Is.EqualTo(16));
        Assert.That(trace.EntryRegisters[10], Is.EqualTo(0x1_0000_0200UL)); // the end of frame 0's stack
        foreach (int r in new[] { 0, 3, 4, 5, 6, 7, 8, 9 }) Assert.That(trace.EntryRegisters[r], Is.Null, $"r{r}");
        Assert.That(trace.EntryRegisters.ToString(), Is.EqualTo($"r1 = 0x{p:x}, r2 = 0x10, r10 = 0x100000200"));
        Assert.That(trace.Steps[0].Registers[0], Is.EqualTo(0));
        Assert.That(trace.Steps[0].Registers[6], Is.Null);
        Assert.That(trace.Steps[1].Registers[6], Is.EqualTo(0));
        Assert.That(trace.Steps[1].Registers[7], Is.Null);
    }

    [Test]
    public void A_helper_call_writes_r0_and_clobbers_r1_to_r5()
    {
        var calls = new List<ulong>();
        var (trace, _, _) = Trace("r1 = 5\nr6 = 1\ncall 7\nexit", setup: vm => vm.Helpers.Register(7, "h", c => { calls.Add(c.R1); return c.R1 * 3; }));
        Assert.That(calls, Is.EqualTo(new ulong[] { 5 }), "the helper ran once");
        var call = trace.Steps[2];
        Assert.That(call.Writes, Is.EqualTo(new[] { new RegisterWrite(Register.R0, 15) }));
        for (int r = 1; r <= 5; r++) Assert.That(call.Registers[r], Is.Null, $"r{r} after the call");
        Assert.That(call.Registers[6], Is.EqualTo(1));
    }

    [Test]
    public void Stores_record_address_size_value_and_region()
    {
        var (trace, vm, p) = Trace("""
            *(u64 *)(r10 - 8) = -1
            r3 = 0x1234
            *(u16 *)(r1 + 2) = r3
            *(u32 *)(r10 - 16) = 7
            r4 = 3
            lock *(u32 *)(r10 - 16) += r4
            r0 = 9
            r5 = 1
            r0 = cmpxchg_64(r10 - 8, r0, r5)
            r0 = 0
            exit
            """);
        Assert.That(trace.Fault, Is.Null, trace.Fault?.Message);
        var stack = vm.Stack;
        Assert.That(trace.Steps[0].Store, Is.EqualTo(new MemoryWrite(stack.End - 8, 8, ulong.MaxValue, stack)));
        Assert.That(trace.Steps[2].Store, Is.EqualTo(new MemoryWrite(p + 2, 2, 0x1234, vm.Memory.Find(p))));
        Assert.That(trace.Steps[3].Store?.Value, Is.EqualTo(7));
        Assert.That(trace.Steps[5].Store, Is.EqualTo(new MemoryWrite(stack.End - 16, 4, 10, stack)), "an atomic's stored value is the result");
        Assert.That(trace.Steps[8].Store, Is.Null, "cmpxchg with memory != r0 stores nothing");
        Assert.That(trace.Steps[8].Writes, Is.EqualTo(new[] { new RegisterWrite(Register.R0, ulong.MaxValue) }));
        Assert.That(trace.Steps[0].Effect, Is.EqualTo("*(u64 *)0x1000001f8 = 0xffffffffffffffff (stack+504)"));
    }

    [Test]
    public void An_atomic_fetch_that_overwrites_its_base_register_reports_the_address_it_used()
    {
        var (trace, vm, _) = Trace("r1 = r10\nr1 += -8\n*(u64 *)(r1 + 0) = 5\nr1 = atomic_fetch_add((u64 *)(r1 + 0), r1)\nr0 = 0\nexit");
        ulong slot = vm.Stack.End - 8;
        var fetch = trace.Steps[3];
        Assert.That(fetch.Store, Is.EqualTo(new MemoryWrite(slot, 8, slot + 5, vm.Stack)));
        Assert.That(fetch.Writes, Is.EqualTo(new[] { new RegisterWrite(Register.R1, 5) }));
    }

    [Test]
    public void Branches_say_whether_they_were_taken_even_to_the_next_slot()
    {
        var (trace, _, _) = Trace("r0 = 0\nif r0 == 0 goto +0\nif r0 != 0 goto +0\ngoto +0\nexit");
        Assert.That(trace.Steps.Select(s => s.Taken), Is.EqualTo(new bool?[] { null, true, false, true, null }));
        Assert.That(trace.Steps.Select(s => s.NextSlot), Is.EqualTo(new int?[] { 1, 2, 3, 4, null }));
        Assert.That(trace.Steps[1].Effect, Is.EqualTo("taken -> 2"));
        Assert.That(trace.Steps[2].Effect, Is.EqualTo("not taken"));
        Assert.That(trace.Steps[3].Effect, Is.EqualTo("-> 4"));
    }

    [Test]
    public void Lddw_is_one_step_of_two_slots()
    {
        var (trace, vm, _) = Trace("r0 = 0x1122334455667788 ll\nr0 >>= 32\nexit");
        Assert.That(trace.Steps.Select(s => (s.Index, s.Slot)), Is.EqualTo(new[] { (0, 0), (1, 2), (2, 3) }));
        Assert.That(trace.Steps[0].Writes.Single().Value, Is.EqualTo(0x1122334455667788UL));
        Assert.That(trace.Steps[0].NextSlot, Is.EqualTo(2));
        Assert.That(trace.StepsExecuted, Is.EqualTo(vm.Run().InstructionsExecuted));
    }

    [Test]
    public void Local_calls_show_frames_restored_registers_and_callee_view()
    {
        var (trace, _, _) = Trace("""
            r6 = 6
            r1 = 10
            call add
            r0 += r6
            exit
            add:
            r6 = 100
            r0 = r1
            exit
            """);
        Assert.That(trace.Result?.R0, Is.EqualTo(16));
        Assert.That(trace.Steps.Select(s => s.Depth), Is.EqualTo(new[] { 0, 0, 0, 1, 1, 1, 0, 0 }));
        var call = trace.Steps[2];
        Assert.That(call.NextSlot, Is.EqualTo(5));
        Assert.That(call.Writes, Is.EqualTo(new[] { new RegisterWrite(Register.R10, 0x2_0000_0200) }), "the callee's frame pointer");
        Assert.That(call.Effect, Does.EndWith("call -> 5"));
        // In the callee r1-r5 and r10 are readable, r6 is not (the caller's value is saved, not passed).
        Assert.That(call.Registers[1], Is.EqualTo(10));
        Assert.That(call.Registers[6], Is.Null);
        var ret = trace.Steps[5];
        Assert.That(ret.Instruction.IsExit && ret.NextSlot == 3);
        Assert.That(ret.Writes, Is.EqualTo(new[] { new RegisterWrite(Register.R0, 10), new RegisterWrite(Register.R6, 6), new RegisterWrite(Register.R10, 0x1_0000_0200) }),
            "the return value, and the caller's r6 and r10 restored");
        Assert.That(ret.Registers[0], Is.EqualTo(10));
        Assert.That(ret.Registers[1], Is.Null, "a call clobbers r1-r5");
        Assert.That(ret.Effect, Does.EndWith("return -> 3"));
    }

    [Test]
    public void A_fault_is_the_last_step_with_the_registers_it_saw()
    {
        var (trace, _, _) = Trace("r0 = 1\nr3 = 100\nr0 = *(u64 *)(r1 + 12)\nexit");
        Assert.That(trace.Result, Is.Null);
        Assert.That(trace.Fault!.Kind, Is.EqualTo(RuntimeErrorKind.MemoryFault));
        Assert.That(trace.Steps, Has.Count.EqualTo(3));
        var last = trace.Steps[^1];
        Assert.That(last.Fault, Is.SameAs(trace.Fault));
        Assert.That((last.Step, last.Slot), Is.EqualTo((3L, 2)));
        Assert.That(last.Writes, Is.Empty);
        Assert.That(last.Registers[0], Is.EqualTo(1), "r0 was not overwritten by the faulting load");
        Assert.That(last.Effect, Does.StartWith("fault: read of 8 byte(s)"));
        Assert.That(trace.StepsExecuted, Is.EqualTo(3));
        var e = Assert.Throws<BpfRuntimeException>(() => trace.ResultOrThrow())!;
        Assert.That(e.Message, Does.StartWith("instruction 2 (r0 = *(u64 *)(r1 + 0xc))"));
    }

    [Test]
    public void A_program_rejected_before_running_has_a_fault_and_no_steps()
    {
        var (trace, _, _) = Trace("r0 = r4\nexit");
        Assert.That(trace.Fault?.Message, Does.Contain("invalid read of r4").And.Contain("instruction 0"));
        Assert.That(trace.Steps, Is.Empty);
        Assert.That(trace.StepsExecuted, Is.Zero);
    }

    [Test]
    public void The_limit_keeps_the_first_steps_and_counts_the_rest()
    {
        var (trace, _, _) = Trace("r0 = 0\nr1 = 100\nloop:\nr0 += r1\nr1 += -1\nif r1 != 0 goto loop\nexit", maxSteps: 10);
        Assert.That(trace.Result, Is.EqualTo(new RunResult(5050, 303)));
        Assert.That(trace.Steps, Has.Count.EqualTo(10));
        Assert.That(trace.Truncated, Is.True);
        Assert.That(trace.StepsExecuted, Is.EqualTo(303));
        Assert.That(trace.ToTable(), Does.EndWith("... 293 more steps not recorded (limit 10)\n"));
        var (all, _, _) = Trace("r0 = 0\nr1 = 100\nloop:\nr0 += r1\nr1 += -1\nif r1 != 0 goto loop\nexit", maxSteps: 303);
        Assert.That(all.Truncated, Is.False);
        Assert.That(all.Steps, Has.Count.EqualTo(303));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BpfVm(Llvm("r0 = 0\nexit")).RunTraced(maxSteps: -1));
    }

    [Test]
    public void A_limit_of_zero_records_only_the_fault()
    {
        var (trace, _, _) = Trace("r0 = 0\nloop:\nr0 += 1\ngoto loop", maxSteps: 0, options: new VmOptions { EntryRegisters = [1, 2], InstructionBudget = 100 });
        Assert.That(trace.Steps, Has.Count.EqualTo(1));
        Assert.That(trace.Steps[0].Fault?.Kind, Is.EqualTo(RuntimeErrorKind.BudgetExhausted));
        Assert.That(trace.Steps[0].Step, Is.EqualTo(101));
        Assert.That(trace.ToTable(), Does.Contain("(100 steps not recorded)"));
    }

    [Test]
    public void The_table_aligns_columns_and_indents_callees()
    {
        var (trace, _, _) = Trace("r1 = 2\ncall f\nexit\nf:\nr0 = r1\nr0 *= 21\nexit");
        string table = trace.ToTable();
        var lines = table.TrimEnd('\n').Split('\n');
        Assert.That(lines[0], Does.StartWith("entry: r1 = 0x"));
        Assert.That(lines[1], Does.Match(@"^step  frame  slot  instruction\s+effect$"));
        Assert.That(lines, Has.Length.EqualTo(2 + 6));
        // Every row starts its instruction column where the header does.
        int column = lines[1].IndexOf("instruction", StringComparison.Ordinal);
        foreach (var row in lines.Skip(2)) Assert.That(row[(column - 2)..column], Is.EqualTo("  "), row);
        Assert.That(lines[2], Does.Match(@"^\s+1\s+0\s+0  r1 = 0x2\s+r1 = 0x2$"));
        Assert.That(lines[5], Does.Match(@"^\s+4\s+1\s+4    r0 \*= 0x15\s+r0 = 0x2a$"), "the callee is indented");
        Assert.That(lines[^1], Does.Match(@"^\s+6\s+0\s+2  exit$"));
        var tsv = trace.ToTsv().TrimEnd('\n').Split('\n');
        Assert.That(tsv[0], Is.EqualTo(TraceTable.TsvHeader));
        Assert.That(tsv[4], Is.EqualTo("4\t1\t4\tr0 *= 0x15\tr0 = 0x2a"));
        Assert.That(tsv, Has.Length.EqualTo(7));
    }
}
