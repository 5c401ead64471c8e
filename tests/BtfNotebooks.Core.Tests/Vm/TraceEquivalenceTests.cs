using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Conformance;
using BtfNotebooks.Tests.Asm;
using BtfNotebooks.Vm;
using CsCheck;
using NUnit.Framework;
using static BtfNotebooks.Tests.Vm.VmTestPrograms;
using static BtfNotebooks.Tests.Vm.VmEquivalenceCases;

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

    private static (int Compared, string Report) CompareConformanceFiles(IEnumerable<string> paths)
    {
        var results = RunnableConformanceFiles(paths)
            .Select(f => (f.Name, TraceEquivalence.Compare(f.Program, new VmOptions { EntryRegisters = [1, 2] }, ConformanceSetup(f.File))))
            .ToList();
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

    [Test]
    public void Random_programs_run_the_same_traced()
    {
        var runnable = RandomRunnable;
        var options = RandomOptions;
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
            var c = TraceEquivalence.Compare(program, new VmOptions(), (vm, _) => [ProgramContext.Setup(vm, ProgramContextKind.Xdp, new byte[64]), 0, 0, 0, 0]);
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

    // Each corner case is compared both ways; the expected outcome pins down that the case does what it says.
    [TestCaseSource(typeof(VmEquivalenceCases), nameof(VmEquivalenceCases.CornerCases))]
    public void Corner_cases_run_the_same_traced(string text, string expected)
    {
        var c = TraceEquivalence.Compare(Llvm(text), CornerOptions, CornerSetup);
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
