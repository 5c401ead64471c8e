using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Conformance;
using BtfNotebooks.Tests.Asm;
using BtfNotebooks.Vm;
using CsCheck;
using NUnit.Framework;
using static BtfNotebooks.Tests.Vm.VmEquivalenceCases;
using static BtfNotebooks.Tests.Vm.VmTestPrograms;

namespace BtfNotebooks.Tests.Vm.Jit;

/// <summary>
/// The JIT never gives a different answer: on the conformance suite, on random programs (every instruction shape,
/// random ALU/JMP/memory mixes, loops that run out of budget, helpers that fail, memory that faults) and on
/// hand-written corner cases, it gives the interpreter's r0 and count or its fault (same kind, slot and message),
/// makes the same helper calls and leaves the same memory, run after run.
/// </summary>
public class JitEquivalenceTests
{
    private static string OwnConformanceDir => Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "conformance");

    [Test]
    public void Conformance_suite_passes_in_the_jit()
    {
        if (ConformanceSuite.Directory is null) Assert.Ignore("../shared/conformance is not on this machine");
        var outcomes = ConformanceRunner.RunAll(ConformanceSuite.Files(), engine: VmEngine.Jit).ToList();
        Assert.That(outcomes, Has.Count.EqualTo(313));
        Assert.That(outcomes.Where(o => !o.Passed).Select(o => $"{Path.GetFileName(o.Path)}: {o.Reason}"), Is.Empty);
        // Every file that ran, ran compiled (the ones rejected before running have no engine).
        Assert.That(outcomes.Where(o => o.Engine != VmEngine.Jit && o.R0 is not null).Select(o => Path.GetFileName(o.Path)), Is.Empty);
        Assert.That(outcomes.Count(o => o.Engine == VmEngine.Jit), Is.GreaterThan(290));
    }

    private static string CompareConformanceFiles(IEnumerable<string> paths, out int compared)
    {
        var differences = new List<string>();
        compared = 0;
        foreach (var (name, file, program) in RunnableConformanceFiles(paths))
        {
            var c = EngineEquivalence.Compare(program, new VmOptions { EntryRegisters = [1, 2] }, ConformanceSetup(file));
            compared++;
            if (c.Differences.Count > 0) differences.Add($"{name}: {string.Join(" | ", c.Differences)}");
        }
        return string.Join("\n", differences);
    }

    [Test]
    public void Conformance_suite_runs_the_same_in_both_engines()
    {
        if (ConformanceSuite.Directory is null) Assert.Ignore("../shared/conformance is not on this machine");
        string report = CompareConformanceFiles(ConformanceSuite.Files().Concat(ConformanceSuite.Files("negative")), out int compared);
        Assert.That(compared, Is.GreaterThan(300), "the suite's programs were not run");
        Assert.That(report, Is.Empty);
    }

    [Test]
    public void Own_conformance_files_run_the_same_in_both_engines()
    {
        var files = Directory.GetFiles(OwnConformanceDir, "*.data", SearchOption.AllDirectories);
        string report = CompareConformanceFiles(files, out int compared);
        Assert.That(compared, Is.EqualTo(files.Length));
        Assert.That(report, Is.Empty);
    }

    [Test]
    public void Random_programs_run_the_same_in_both_engines()
    {
        // Random instructions of every shape; targets anywhere (so loops, which run out of budget or may_goto's
        // count); a quarter of the memory accesses on the stack so that stores and atomics succeed, the rest on
        // registers holding packet addresses or garbage so that loads and stores fault, in and out of bounds.
        var runnable = RandomRunnable;
        var options = RandomOptions;
        long finished = 0, faulted = 0, budget = 0;
        runnable.Sample(program =>
        {
            var c = EngineEquivalence.Compare(program, options, RandomSetup);
            if (c.Differences.Count > 0)
                Assert.Fail($"{string.Join("\n", c.Differences.Take(5))}\n{Disassembler.Disassemble(program, AsmSyntax.Llvm, labels: false)}");
            Interlocked.Increment(ref c.Compiled.StartsWith("r0 =", StringComparison.Ordinal) ? ref finished : ref faulted);
            if (c.Compiled.StartsWith("BudgetExhausted", StringComparison.Ordinal)) Interlocked.Increment(ref budget);
        }, iter: 4_000);
        TestContext.Out.WriteLine($"finished {finished}, faulted {faulted} (budget {budget})");
        Assert.That(finished, Is.GreaterThan(100), "the generator is too narrow");
        Assert.That(faulted, Is.GreaterThan(100));
        Assert.That(budget, Is.GreaterThan(10), "too few programs loop until the budget runs out");
    }

    [Test]
    public void Random_alu_programs_run_the_same_in_both_engines()
    {
        var differences = new List<string>();
        for (int seed = 0; seed < 300; seed++)
        {
            var program = KernelFuzzPrograms.Generate(new Random(seed));
            var c = EngineEquivalence.Compare(program, new VmOptions(), (vm, _) => [ProgramContext.Setup(vm, ProgramContextKind.Xdp, new byte[64]), 0, 0, 0, 0]);
            Assert.That(c.Compiled, Does.StartWith("r0 ="), $"seed {seed}");
            if (c.Differences.Count > 0) differences.Add($"seed {seed}: {string.Join(" | ", c.Differences)}");
        }
        Assert.That(differences, Is.Empty);
    }

    [TestCaseSource(typeof(VmEquivalenceCases), nameof(VmEquivalenceCases.CornerCases))]
    public void Corner_cases_run_the_same_in_both_engines(string text, string expected)
    {
        var c = EngineEquivalence.Compare(Llvm(text), CornerOptions, CornerSetup);
        Assert.That(c.Differences, Is.Empty);
        Assert.That(c.Compiled, Does.StartWith(expected));
    }
}
