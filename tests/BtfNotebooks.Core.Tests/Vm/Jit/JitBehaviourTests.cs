using BtfNotebooks.Asm;
using BtfNotebooks.Vm;
using BtfNotebooks.Vm.Helpers;
using NUnit.Framework;
using static BtfNotebooks.Tests.Vm.VmTestPrograms;

namespace BtfNotebooks.Tests.Vm.Jit;

/// <summary>Choosing the engine, knowing which one ran, falling back, and what compiled code shares with the VM.</summary>
public class JitBehaviourTests
{
    private static readonly VmOptions Jit = new() { Engine = VmEngine.Jit, EntryRegisters = [1, 2] };

    [Test]
    public void The_interpreter_runs_unless_the_jit_is_asked_for()
    {
        var program = Llvm("r0 = r1\nr0 += 1\nexit");
        var interp = new BpfVm(program);
        Assert.That(interp.Engine, Is.EqualTo(VmEngine.Interpreter));
        Assert.That(interp.Run(41).R0, Is.EqualTo(42));
        Assert.That(interp.Engine, Is.EqualTo(VmEngine.Interpreter));

        var jit = new BpfVm(program, Jit);
        Assert.That(jit.Compile(), Is.EqualTo(VmEngine.Jit));
        Assert.That(jit.Engine, Is.EqualTo(VmEngine.Jit));
        Assert.That(jit.JitFallbackReason, Is.Null);
        Assert.That(jit.Run(41), Is.EqualTo(new RunResult(42, 3)));
    }

    [Test]
    public void Compile_throws_what_the_first_run_would()
    {
        var vm = new BpfVm(Llvm("r0 = r3\nexit"), Jit);
        var compile = Assert.Throws<BpfRuntimeException>(() => vm.Compile())!;
        var run = Assert.Throws<BpfRuntimeException>(() => vm.Run())!;
        Assert.That(compile.Message, Is.EqualTo(run.Message).And.Contain("invalid read of r3"));
    }

    [Test]
    public void A_program_too_long_for_the_jit_runs_in_the_interpreter_and_says_why()
    {
        // MaxJitSlots + 2 instructions: r0 += 1 repeated, then exit.
        var program = Enumerable.Repeat(Instruction.Alu64(AluOperation.Add, Register.R0, 1), BpfVm.MaxJitSlots + 1)
            .Prepend(Instruction.Mov64(Register.R0, 0)).Append(Instruction.Exit()).ToArray();
        var vm = new BpfVm(program, Jit);
        Assert.That(vm.Compile(), Is.EqualTo(VmEngine.Interpreter));
        Assert.That(vm.JitFallbackReason, Does.Contain($"{BpfVm.MaxJitSlots + 3:N0} slots"));
        Assert.That(vm.Run(), Is.EqualTo(new RunResult((ulong)BpfVm.MaxJitSlots + 1, BpfVm.MaxJitSlots + 3)));
    }

    [Test]
    public void A_traced_run_of_a_jit_vm_is_the_run_the_jit_makes()
    {
        var vm = new BpfVm(Llvm("r0 = 0\nr1 = 5\nloop:\nr0 += r1\nr1 += -1\nif r1 != 0 goto loop\nexit"), Jit);
        var plain = vm.Run();
        var traced = vm.RunTraced();
        Assert.That(traced.ResultOrThrow(), Is.EqualTo(plain).And.EqualTo(new RunResult(15, 18)));
        Assert.That(traced.Steps, Has.Count.EqualTo(18));
        Assert.That(vm.Run(), Is.EqualTo(plain), "compiled runs continue after a traced one");
        Assert.That(vm.Engine, Is.EqualTo(VmEngine.Jit));
    }

    [Test]
    public void Changing_the_lddw_resolver_recompiles()
    {
        var vm = new BpfVm([Instruction.LoadImm64(Register.R0, 3, LoadImm64Kind.MapFd), Instruction.Exit()], Jit);
        var e = Assert.Throws<BpfRuntimeException>(() => vm.Run())!;
        Assert.That(e.Message, Does.Contain("MapFd").And.Contain("loader"));
        vm.ResolveLoadImm64 = (_, _) => 0xabc;
        Assert.That(vm.Run().R0, Is.EqualTo(0xabc));
        vm.ResolveLoadImm64 = (_, _) => 0xdef;
        Assert.That(vm.Run().R0, Is.EqualTo(0xdef), "the value compiled in was the old resolver's");
        Assert.That(vm.Engine, Is.EqualTo(VmEngine.Jit));
    }

    [Test]
    public void Compiled_code_sees_regions_a_helper_maps_during_the_run()
    {
        var vm = new BpfVm(Llvm("call 1\nr6 = r0\nr0 = *(u8 *)(r6 + 3)\n*(u8 *)(r6 + 0) = r0\nr1 = *(u32 *)(r6 + 0)\nr0 = r1\nexit"), Jit);
        var mapped = new List<MemoryRegion>();
        vm.Helpers.Register(1, "map_new", c =>
        {
            var region = c.Memory.Map($"fresh {mapped.Count}", [1, 2, 3, 4]);
            mapped.Add(region);
            return region.Address;
        });
        Assert.That(vm.Run().R0, Is.EqualTo(0x04030204u));
        Assert.That(vm.Run().R0, Is.EqualTo(0x04030204u));
        Assert.That(mapped[0].Data, Is.EqualTo(new byte[] { 4, 2, 3, 4 }));
        Assert.That(mapped, Has.Count.EqualTo(2));
    }

    [Test]
    public void Compiled_code_runs_bpf_loop_callbacks_and_counts_their_instructions()
    {
        // bpf_loop(4, cb, 0, 0): cb returns 0, so four calls of two instructions each; then r0 = bpf_loop's result.
        const string text = "r1 = 4\nr2 = func[cb] ll\nr3 = 0\nr4 = 0\ncall 181\nexit\ncb:\nr0 = 0\nexit";
        RunResult Run(VmEngine engine)
        {
            var vm = new BpfVm(Llvm(text), new VmOptions { Engine = engine });
            BpfHelpers.Register(vm);
            var result = vm.Run();
            Assert.That(vm.Engine, Is.EqualTo(engine));
            return result;
        }
        Assert.That(Run(VmEngine.Jit), Is.EqualTo(Run(VmEngine.Interpreter)).And.EqualTo(new RunResult(4, 6 + 4 * 2)));
    }

    [Test]
    public void Budget_exhaustion_in_a_called_function_faults_on_the_same_instruction()
    {
        const string text = "r0 = 0\ncall f\nexit\nf:\nr0 += 1\nif r0 < 1000 goto f\nexit";
        BpfRuntimeException Fault(VmEngine engine) =>
            Assert.Throws<BpfRuntimeException>(() => new BpfVm(Llvm(text), new VmOptions { Engine = engine, InstructionBudget = 777 }).Run())!;
        var jit = Fault(VmEngine.Jit);
        var interp = Fault(VmEngine.Interpreter);
        Assert.That(jit.Kind, Is.EqualTo(RuntimeErrorKind.BudgetExhausted));
        Assert.That(jit.Slot, Is.EqualTo(interp.Slot).And.EqualTo(4));
        Assert.That(jit.Message, Is.EqualTo(interp.Message));
    }

    [Test, NonParallelizable] // counts the process's compilations
    public void Vms_running_the_same_code_share_one_compiled_method_and_keep_their_own_state()
    {
        // A program no other test compiles: its constant is unique to this test.
        string text = $"r0 = *(u64 *)(r1 + 0)\nr0 += {Environment.TickCount & 0xffff}\n*(u64 *)(r1 + 0) = r0\nexit";
        int before = JitCompilations;
        var first = new BpfVm(Llvm(text), Jit);
        var second = new BpfVm(Llvm(text), Jit);
        Assert.That((first.Compile(), second.Compile()), Is.EqualTo((VmEngine.Jit, VmEngine.Jit)));
        Assert.That(JitCompilations - before, Is.EqualTo(1), "the second VM reused the first one's method");
        // Each VM runs in its own memory: the shared method reads the VM it was called for.
        var a = first.Memory.Map("a", BitConverter.GetBytes(100UL));
        var b = second.Memory.Map("b", BitConverter.GetBytes(5000UL));
        ulong r0a = first.Run(a.Address).R0, r0b = second.Run(b.Address).R0;
        Assert.That(r0b - r0a, Is.EqualTo(4900));
        Assert.That(BitConverter.ToUInt64(a.Data), Is.EqualTo(r0a));
        Assert.That(BitConverter.ToUInt64(b.Data), Is.EqualTo(r0b));

        var different = new BpfVm(Llvm(text.Replace("r0 += ", "r0 -= ")), Jit);
        different.Compile();
        Assert.That(JitCompilations - before, Is.EqualTo(2), "different code compiles anew");
    }

    [Test, NonParallelizable] // counts the process's compilations
    public void The_shared_methods_are_bounded_the_oldest_goes_first()
    {
        int salt = Environment.TickCount & 0x3fff;
        BpfVm Vm(int i) => new([Instruction.Mov64(Register.R0, (salt << 12) + i), Instruction.Exit()], Jit);
        int before = JitCompilations;
        for (int i = 0; i <= 256; i++) Vm(i).Compile();
        Assert.That(JitCompilations - before, Is.EqualTo(257));
        Vm(256).Compile();
        Assert.That(JitCompilations - before, Is.EqualTo(257), "the newest is kept");
        Vm(0).Compile();
        Assert.That(JitCompilations - before, Is.EqualTo(258), "the oldest of 257 was let go, so it compiles again");
        Assert.That(Vm(0).Run().R0, Is.EqualTo((ulong)(salt << 12)));
    }

    [TestCase("interp", VmEngine.Interpreter)]
    [TestCase(" Interpreter", VmEngine.Interpreter)]
    [TestCase("JIT", VmEngine.Jit)]
    [TestCase("fast", null)]
    [TestCase("", null)]
    [TestCase(null, null)]
    public void Engine_names_are_read_the_same_by_every_front_end(string? text, VmEngine? engine)
    {
        Assert.That(VmEngineNames.Parse(text), Is.EqualTo(engine));
        if (engine is { } e) Assert.That(VmEngineNames.Parse(VmEngineNames.Name(e)), Is.EqualTo(e), "names read back");
    }

    private static int JitCompilations => BpfVm.JitCompilationCount;
}

