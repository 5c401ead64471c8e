using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Conformance;
using BtfNotebooks.Tests.Asm;
using BtfNotebooks.Vm;
using CsCheck;
using NUnit.Framework;
using static BtfNotebooks.Tests.Vm.VmTestPrograms;

namespace BtfNotebooks.Tests.Vm;

/// <summary>
/// A traced run must be the same run: <see cref="BpfVm.RunTraced"/> and <see cref="BpfVm.Run"/> give the same r0
/// and count or the same fault, make the same helper calls and leave the same memory, on the conformance suite, on
/// random programs and on hand-written corner cases; and every trace is coherent with its run
/// (<see cref="TraceEquivalence.TraceProblems"/>).
/// </summary>
public class TraceEquivalenceTests
{
    private static string OwnConformanceDir => Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "conformance");

    /// <summary>The conformance harness's setup: r1 = a copy of the file's memory, r2 = its length, helper 5 a clock.</summary>
    private static TraceEquivalence.Setup ConformanceSetup(ConformanceTestFile file) => (vm, log) =>
    {
        ulong clock = 0;
        vm.Helpers.Register(5, "bpf_ktime_get_ns", c => { log.Add($"5({c.R1:x})"); return clock += 1000; });
        ulong mem = ProgramContext.Setup(vm, ProgramContextKind.Raw, (byte[])file.Memory.Clone());
        return [mem, (ulong)file.Memory.Length, 0, 0, 0];
    };

    private static IReadOnlyList<Instruction>? ConformanceProgram(ConformanceTestFile file)
    {
        try
        {
            return file.Raw is not null
                ? InstructionCodec.Decode(file.Raw, ByteOrder.LittleEndian, validate: true, source: file.Path)
                : Assembler.Assemble(file.Assembly!, AsmSyntax.Conformance, file.Path).Instructions;
        }
        catch (Exception e) when (e is AssemblyException or BpfEncodingException)
        {
            return null; // neither kind of run gets a program to execute
        }
    }

    private static (int Compared, string Report) CompareConformanceFiles(IEnumerable<string> paths)
    {
        var results = new List<(string, TraceEquivalence.Comparison)>();
        foreach (var path in paths)
        {
            ConformanceTestFile file;
            try { file = ConformanceTestFile.Load(path); }
            catch (FormatException) { continue; }
            if (ConformanceProgram(file) is not { } program) continue;
            TraceEquivalence.Comparison c;
            try
            {
                c = TraceEquivalence.Compare(program, new VmOptions { EntryRegisters = [1, 2] }, ConformanceSetup(file));
            }
            catch (BpfEncodingException)
            {
                continue; // the VM's own validation rejects it, for both runs alike
            }
            results.Add((Path.GetFileName(path), c));
        }
        return (results.Count, TraceEquivalence.Report(results));
    }

    [Test]
    public void Conformance_suite_runs_the_same_traced()
    {
        if (ConformanceSuite.Directory is null) Assert.Ignore("../shared/conformance is not on this machine");
        var (compared, report) = CompareConformanceFiles(ConformanceSuite.Files().Concat(ConformanceSuite.Files("negative")));
        Assert.That(compared, Is.GreaterThan(300), "the suite's programs were not run");
        Assert.That(report, Is.Empty);
    }

    [Test]
    public void Own_conformance_files_run_the_same_traced()
    {
        var files = Directory.GetFiles(OwnConformanceDir, "*.data", SearchOption.AllDirectories);
        var (compared, report) = CompareConformanceFiles(files);
        Assert.That(compared, Is.EqualTo(files.Length));
        Assert.That(report, Is.Empty);
    }

    /// <summary>r1 = a 64-byte packet, r2 = its length, r3 = its end; helpers 0-13 return r1 ^ r2, 14 increments
    /// the byte r1 points at (a helper that touches memory and can fault), 15 fails for odd r1.</summary>
    private static ulong[] RandomSetup(BpfVm vm, List<string> log)
    {
        for (int id = 0; id < 14; id++)
        {
            int helper = id;
            vm.Helpers.Register(id, $"h{id}", c => { log.Add($"{helper}({c.R1:x},{c.R2:x},{c.R3:x},{c.R4:x},{c.R5:x})"); return c.R1 ^ c.R2; });
        }
        vm.Helpers.Register(14, "poke", c => { log.Add($"14({c.R1:x})"); c.Memory.Span(c.R1, 1, write: true)[0]++; return 0; });
        vm.Helpers.Register(15, "picky", c =>
        {
            log.Add($"15({c.R1:x})");
            return (c.R1 & 1) == 0 ? c.R1 / 2 : throw new BpfRuntimeException(RuntimeErrorKind.HelperFailed, "odd argument");
        });
        var packet = new byte[64];
        for (int i = 0; i < packet.Length; i++) packet[i] = (byte)(i * 7 + 3);
        ulong p = ProgramContext.Setup(vm, ProgramContextKind.Raw, packet);
        return [p, 64, p + 64, 0, 0];
    }

    // As RandomProgramTests makes them runnable (targets on instruction starts, plain lddw, helpers 0-15, a final
    // exit), and besides: a quarter of the memory instructions are rebased on r10 with a small negative offset, so
    // stores, atomics and loads also succeed and the trace's memory effects get compared, not only faults.
    private static Instruction[] MakeRunnable(Instruction[] program, int[] choices)
    {
        var list = program.Select(i => i.IsWide ? i with { Src = 0 } : i).ToList();
        list.Add(Instruction.Exit());
        for (int i = 0; i < list.Count; i++)
        {
            var insn = list[i];
            int choice = choices[(i + 7) % choices.Length];
            if (insn.IsCall && insn.Src != (Register)CallKind.Local)
                list[i] = Instruction.Call(Math.Abs(insn.Imm % 16));
            else if (insn.IsLoadStore && !insn.IsWide && (choice & 3) == 0)
            {
                short offset = (short)(-8 * (1 + (int)((uint)choice % 60)));
                list[i] = insn.Class == InstructionClass.Ldx ? insn with { Src = Register.R10, Offset = offset } : insn with { Dst = Register.R10, Offset = offset };
            }
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

    [Test]
    public void Random_programs_run_the_same_traced()
    {
        var runnable = Gen.Select(InstructionGenerator.Program, Gen.Int.Array[40], (program, choices) => MakeRunnable(program, choices));
        var options = new VmOptions { InstructionBudget = 3_000, EntryRegisters = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], MayGotoBudget = 50 };
        long finished = 0, faulted = 0, stored = 0, truncated = 0;
        runnable.Sample(program =>
        {
            // A small limit half the time, so truncated traces (and faults past the limit) are compared too.
            int limit = (program.Length & 1) == 0 ? VmTrace.DefaultMaxSteps : 7;
            var c = TraceEquivalence.Compare(program, options, RandomSetup, limit);
            if (c.Differences.Count > 0)
                Assert.Fail($"{string.Join("\n", c.Differences.Take(5))}\n{Disassembler.Disassemble(program, AsmSyntax.Llvm, labels: false)}");
            Interlocked.Increment(ref c.Trace.Result is null ? ref faulted : ref finished);
            if (c.Trace.Steps.Any(s => s.Store is not null)) Interlocked.Increment(ref stored);
            if (c.Trace.Truncated) Interlocked.Increment(ref truncated);
        }, iter: 10_000);
        TestContext.Out.WriteLine($"finished {finished}, faulted {faulted}, with stores {stored}, truncated {truncated}");
        Assert.That(finished, Is.GreaterThan(100), "the generator is too narrow");
        Assert.That(faulted, Is.GreaterThan(100));
        Assert.That(stored, Is.GreaterThan(100), "too few programs store to memory");
        Assert.That(truncated, Is.GreaterThan(100));
    }

    [Test]
    public void Random_alu_programs_run_the_same_traced()
    {
        var results = new List<(string, TraceEquivalence.Comparison)>();
        for (int seed = 0; seed < 300; seed++)
        {
            var program = KernelFuzzPrograms.Generate(new Random(seed));
            var c = TraceEquivalence.Compare(program, new VmOptions(), (vm, _) => [ProgramContext.Setup(vm, "xdp", new byte[64]), 0, 0, 0, 0]);
            Assert.That(c.Trace.Result, Is.Not.Null, $"seed {seed}: {c.Traced}");
            results.Add(($"seed {seed}", c));
        }
        Assert.That(TraceEquivalence.Report(results), Is.Empty);
    }

    private static TraceEquivalence.Comparison CompareText(string text, byte[]? packet = null, VmOptions? options = null, Action<BpfVm, List<string>>? helpers = null, int maxSteps = VmTrace.DefaultMaxSteps)
    {
        packet ??= new byte[16];
        return TraceEquivalence.Compare(Llvm(text), options ?? new VmOptions { EntryRegisters = [1, 2] }, (vm, log) =>
        {
            helpers?.Invoke(vm, log);
            ulong p = ProgramContext.Setup(vm, ProgramContextKind.Raw, (byte[])packet.Clone());
            return [p, (ulong)packet.Length, 0, 0, 0];
        }, maxSteps);
    }

    private static void LoggingHelper(BpfVm vm, List<string> log, int id, Func<HelperCall, ulong> body) =>
        vm.Helpers.Register(id, $"helper{id}", c => { log.Add($"{id}({c.R1:x},{c.R2:x})"); return body(c); });

    // Each corner case is compared both ways; the expected outcome pins down that the case does what it says.
    [TestCase("r0 = 7\nexit", "r0 = 0x7, 2 instructions")]
    [TestCase("r0 = 0\nr1 = 3\nloop:\nr0 += r1\nr1 += -1\nif r1 != 0 goto loop\nexit", "r0 = 0x6, 12 instructions")]
    [TestCase("r0 = 0\nif r0 == 0 goto +0\nexit", "r0 = 0x0, 3 instructions")] // a taken jump to the next slot
    [TestCase("r0 = 0x123456789 ll\nr0 += 1\nexit", "r0 = 0x12345678a, 3 instructions")]
    [TestCase("r6 = 6\nr1 = 10\ncall f\nr0 += r6\nexit\nf:\nr6 = 100\nr0 = r1\nexit", "r0 = 0x10, 8 instructions")]
    [TestCase("r1 = 1\ncall f\nexit\nf:\nr1 += 1\nif r1 > 3 goto +1\ncall f\nr0 = r1\nexit", "r0 = 0x4, 17 instructions")]
    [TestCase("r0 = 0\ncall f\nexit\nf:\ncall f\nexit", "CallDepthExceeded at slot 3")]
    [TestCase("r0 = 0\nloop:\nmay_goto +2\nr0 += 1\ngoto loop\nexit", "r0 = 0x32, 153 instructions")]
    [TestCase("r0 = 0\nloop:\nr0 += 1\ngoto loop", "BudgetExhausted at slot 2")]
    [TestCase("r0 = 0\nloop:\nr0 += 1\ngotol loop", "BudgetExhausted at slot 2")]
    [TestCase("r1 = 0\nr0 = *(u32 *)(r1 + 16)\nexit", "MemoryFault at slot 1")]
    [TestCase("*(u64 *)(r10 - 8) = 10\nr1 = 5\nr1 = atomic_fetch_add((u64 *)(r10 - 8), r1)\nr0 = 15\nr3 = 99\nr0 = cmpxchg_64(r10 - 8, r0, r3)\nr4 = *(u64 *)(r10 - 8)\nr0 += r4\nexit", "r0 = 0x72, 9 instructions")]
    [TestCase("r1 = r10\nr1 += -8\n*(u64 *)(r1 + 0) = r1\nr1 = atomic_fetch_add((u64 *)(r1 + 0), r1)\nr0 = *(u64 *)(r10 - 8)\nr0 -= r1\nexit", "r0 = 0x1000001f8, 7 instructions")]
    [TestCase("r3 = r1\nr3 += r2\nr4 = r1\nr4 += 6\nif r4 > r3 goto out\nr0 = *(u16 *)(r1 + 4)\nr0 = be16 r0\nexit\nout:\nr0 = 99\nexit", "r0 = 0x405, 8 instructions")]
    [TestCase("r3 = r1\nr3 += r2\nr4 = r1\nr4 += 60\nif r4 > r3 goto out\nr0 = *(u16 *)(r1 + 4)\nr0 = be16 r0\nexit\nout:\nr0 = 99\nexit", "r0 = 0x63, 7 instructions")]
    [TestCase("r0 = 0\nr0 = *(u32 *)(r1 + 14)\nr0 = be32 r0\nexit", "MemoryFault at slot 1")]
    [TestCase("r1 = 8\nr2 = 3\ncall 1\nr6 = r0\nr1 = 2\ncallx r1\nr0 += r6\nexit", "r0 = 0x1a, 8 instructions")]
    [TestCase("r1 = 9\ncall 2\nexit", "HelperFailed at slot 1")]
    [TestCase("r2 = 99\ncallx r2\nexit", "UnknownHelper at slot 1")]
    [TestCase("r0 = r3\nexit", "Unsupported at slot 0")] // rejected before running: no steps
    public void Corner_cases_run_the_same_traced(string text, string expected)
    {
        var packet = new byte[16];
        for (int i = 0; i < packet.Length; i++) packet[i] = (byte)i;
        var c = CompareText(text, packet, new VmOptions { EntryRegisters = [1, 2], InstructionBudget = 1_000, MayGotoBudget = 50 }, (vm, log) =>
        {
            LoggingHelper(vm, log, 1, h => h.R1 * h.R2);
            LoggingHelper(vm, log, 2, h => h.R1 % 2 == 0 ? h.R1 : throw new BpfRuntimeException(RuntimeErrorKind.HelperFailed, "odd"));
        });
        Assert.That(c.Differences, Is.Empty);
        Assert.That(c.Plain, Does.StartWith(expected));
    }

    [Test]
    public void Truncated_traces_still_end_in_the_fault_and_count_every_step()
    {
        var c = CompareText("r0 = 0\nloop:\nr0 += 1\ngoto loop", options: new VmOptions { EntryRegisters = [1, 2], InstructionBudget = 500 }, maxSteps: 20);
        Assert.That(c.Differences, Is.Empty);
        var trace = c.Trace;
        Assert.That(trace.Truncated, Is.True);
        Assert.That(trace.Steps, Has.Count.EqualTo(21));
        Assert.That(trace.Steps[19].Step, Is.EqualTo(20));
        var last = trace.Steps[^1];
        Assert.That(last.Fault, Is.SameAs(trace.Fault));
        Assert.That(last.Slot, Is.EqualTo(2));
        Assert.That(last.Step, Is.EqualTo(trace.StepsExecuted).And.GreaterThan(500));
        Assert.That(last.Registers[0], Is.EqualTo((ulong)(trace.StepsExecuted - 1) / 2), "r0 when the budget ran out");
    }

    [Test]
    public void A_vm_runs_traced_and_untraced_in_turn_with_the_same_results()
    {
        // One VM, both code forms cached side by side: neither run disturbs the other's prepared program or stack.
        var vm = new BpfVm(Llvm("r0 = *(u64 *)(r10 - 8)\n*(u64 *)(r10 - 8) = r1\nr3 = r1\nr3 += 4\nif r3 > r2 goto +1\nr0 += 1\nexit"),
            new VmOptions { EntryRegisters = [1, 2] });
        for (int i = 0; i < 3; i++)
        {
            var plain = vm.Run(100, 200);
            var traced = vm.RunTraced(100, 200).ResultOrThrow();
            Assert.That(traced, Is.EqualTo(plain));
            Assert.That(plain, Is.EqualTo(new RunResult(1, 7)), "the stack starts zeroed on every run");
        }
    }
}
