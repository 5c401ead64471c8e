using System.Diagnostics;
using System.Text;
using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Elf;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Vm;

/// <summary>
/// Random straight-line-and-forward-branch programs (<see cref="KernelFuzzPrograms"/>) run by the kernel and by
/// <see cref="BpfVm"/>: written as one object per batch with <see cref="BpfObjectWriter"/>, loaded with
/// <c>bpftool prog loadall ... type xdp</c>, run once each by BPF_PROG_TEST_RUN on a 64-byte packet; the kernel's
/// u32 r0 must equal the low half of the interpreter's. Ignored, with the reason, where the kernel cannot be used
/// (<see cref="KernelDifferentialKernel.Unavailable"/>).
/// </summary>
public class KernelFuzzTests
{
    /// <summary>Program i is generated from seed <c>Seed + i</c>, so any one of them can be rebuilt alone.</summary>
    private const int Seed = 0x5eed_b0f;

    private const int Batches = 16, ProgramsPerBatch = 50;

    [Test]
    public void RandomAluProgramsReturnWhatTheKernelReturns()
    {
        if (KernelDifferentialKernel.Unavailable is string reason) Assert.Ignore(reason);
        TestContext.Out.WriteLine($"seed {Seed}: {Batches} batches of {ProgramsPerBatch} programs");
        var packet = new byte[64];
        var mismatches = new StringBuilder();
        var kernelResults = new HashSet<uint>();
        var clock = Stopwatch.StartNew();
        for (int batch = 0; batch < Batches; batch++)
        {
            var programs = Enumerable.Range(batch * ProgramsPerBatch, ProgramsPerBatch)
                .Select(i => (Name: $"fuzz{i}", Seed: Seed + i, Code: KernelFuzzPrograms.Generate(new Random(Seed + i)))).ToList();
            using var batchObject = ExternalTool.Temp(BpfObjectWriter.Write(programs.Select(p => ("xdp", p.Name, (IReadOnlyList<Instruction>)p.Code))), ".o");
            using var loaded = LoadAll(batchObject.Path, programs.Select(p => p.Name), programs.Select(p => p.Code));
            foreach (var (name, seed, code) in programs)
            {
                using var kernel = new KernelDifferentialKernel.LoadedProgram($"{loaded.Directory}/{name}");
                uint expected = kernel.Run(packet);
                kernelResults.Add(expected);
                string actual;
                try
                {
                    var vm = new BpfVm(code);
                    actual = ((uint)vm.Run(ProgramContext.Setup(vm, ProgramContextKind.Xdp, packet)).R0).ToString();
                }
                catch (Exception e) when (e is BpfRuntimeException or BpfEncodingException or ArgumentException)
                {
                    actual = $"{e.GetType().Name}: {e.Message}";
                }
                if (actual != expected.ToString())
                    mismatches.AppendLine($"{name} (seed {seed}): kernel {expected}, vm {actual}\n{Disassembler.Disassemble(code, AsmSyntax.Llvm)}");
            }
        }
        TestContext.Out.WriteLine($"{Batches * ProgramsPerBatch} programs in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.That(mismatches.ToString(), Is.Empty, "r0 differs from the kernel's");
        // Results that collapse to a few values would mean the fold (or the generator) hides what the ALU computed.
        Assert.That(kernelResults, Has.Count.GreaterThan(Batches * ProgramsPerBatch * 9 / 10), "distinct kernel results");
    }

    [Test]
    public void ProgramsAreValidAndRunInTheInterpreter()
    {
        for (int i = 0; i < Batches * ProgramsPerBatch; i++)
        {
            var code = KernelFuzzPrograms.Generate(new Random(Seed + i));
            Assert.That(ProgramValidator.Validate(code), Is.Empty, $"program {i}");
            var vm = new BpfVm(code);
            Assert.DoesNotThrow(() => vm.Run(ProgramContext.Setup(vm, ProgramContextKind.Xdp, new byte[64])), $"program {i}");
        }
    }

    [Test]
    public void ProgramsTogetherUseEveryAluAndConditionalJumpKind()
    {
        var used = Enumerable.Range(0, Batches * ProgramsPerBatch)
            .SelectMany(i => KernelFuzzPrograms.Generate(new Random(Seed + i)))
            .Select(KernelDifferentialInstructionKinds.Describe).ToHashSet();
        // Unconditional jumps would leave instructions the verifier calls unreachable; calls, memory and atomics
        // are outside what these programs test.
        var wanted = KernelDifferentialInstructionKinds.All()
            .Where(k => k.StartsWith("alu", StringComparison.Ordinal) || k.StartsWith("jmp", StringComparison.Ordinal)
                || k.StartsWith("le", StringComparison.Ordinal) || k.StartsWith("be", StringComparison.Ordinal) || k.StartsWith("bswap", StringComparison.Ordinal));
        Assert.That(wanted.ToList(), Has.Count.GreaterThan(50), "the ALU and jump kinds of the ISA");
        Assert.That(wanted.Except(used), Is.Empty, "kinds no random program uses");
    }

    /// <summary>The pins of one <c>bpftool prog loadall</c>, under a directory removed (unloading them) on dispose.</summary>
    private sealed class LoadedBatch(string directory) : IDisposable
    {
        public string Directory { get; } = directory;

        public void Dispose()
        {
            try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    // The verifier refuses a whole object for one bad program; loading them one by one then finds it and its log.
    private static LoadedBatch LoadAll(string objectPath, IEnumerable<string> names, IEnumerable<Instruction[]> code)
    {
        var directory = $"/sys/fs/bpf/btfnb_fuzz_{Environment.ProcessId}";
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true); // left by an aborted run of this process id
        var (exit, stdout, stderr) = ExternalTool.Run(ExternalTool.Require("bpftool"), "prog", "loadall", objectPath, directory, "type", "xdp");
        if (exit == 0) return new LoadedBatch(directory);
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        foreach (var (name, program) in names.Zip(code))
        {
            using var single = ExternalTool.Temp(BpfObjectWriter.Write([("xdp", name, program)]), ".o");
            try { KernelDifferentialKernel.Load(single.Path, name, "xdp").Dispose(); }
            catch (InvalidOperationException e)
            {
                Assert.Fail($"the verifier refuses generated program {name}:\n{Disassembler.Disassemble(program, AsmSyntax.Llvm)}\n{e.Message}");
            }
        }
        Assert.Fail($"bpftool prog loadall failed ({exit}) though each program loads alone:\n{Encoding.UTF8.GetString(stdout)}{stderr}");
        return null!;
    }
}
