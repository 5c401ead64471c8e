using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Vm;

namespace BtfNotebooks.Conformance;

/// <summary>The outcome of one conformance file: passed or not, and why (the reason is set for failures and for
/// expected errors that occurred). <see cref="Engine"/> is the engine that ran the program (null: it never ran,
/// rejected before that), <see cref="JitFallbackReason"/> why the JIT was asked for and the interpreter ran.</summary>
public sealed record ConformanceOutcome(string Path, bool Passed, string? Reason, ulong? R0 = null, long Instructions = 0)
{
    public VmEngine? Engine { get; init; }

    public string? JitFallbackReason { get; init; }
}

/// <summary>
/// Runs bpf_conformance files the way its harness does: the program from <c>-- raw</c> (else assembled from
/// <c>-- asm</c>), r1 = the <c>-- mem</c> bytes, r2 = their length, and r0 compared with <c>-- result</c>. When a
/// file has both raw and asm, the assembled bytes must equal the raw ones too.
/// </summary>
public static class ConformanceRunner
{
    /// <summary>
    /// Runs one file. With <paramref name="expectFailure"/> (the suite's negative tests) the file passes when it is
    /// rejected or its run fails; if it names an error text, a rejection by the assembler, decoder or VM must
    /// contain it.
    /// </summary>
    public static ConformanceOutcome Run(string path, bool expectFailure = false, long instructionBudget = 1_000_000, VmEngine engine = VmEngine.Interpreter)
    {
        var ran = new EngineUsed();
        var outcome = RunFile(path, expectFailure, instructionBudget, engine, ran);
        return outcome with { Engine = ran.Engine, JitFallbackReason = ran.FallbackReason };
    }

    /// <summary>Filled in by <see cref="Execute"/> once the VM has compiled the program.</summary>
    private sealed class EngineUsed
    {
        public VmEngine? Engine;
        public string? FallbackReason;
    }

    private static ConformanceOutcome RunFile(string path, bool expectFailure, long instructionBudget, VmEngine engine, EngineUsed ran)
    {
        ConformanceTestFile file;
        try
        {
            file = ConformanceTestFile.Load(path);
        }
        catch (FormatException e)
        {
            return expectFailure ? new(path, true, e.Message) : new(path, false, e.Message);
        }

        ulong r0 = 0;
        long executed = 0;
        string? rejection = null; // why the assembler, decoder or VM refused the file, if it did
        try
        {
            (r0, executed) = Execute(file, instructionBudget, engine, ran);
        }
        catch (Exception e) when (e is AssemblyException or BpfEncodingException or BpfRuntimeException or ConformanceMismatchException)
        {
            rejection = e is AssemblyException a ? InFile(a, file) : e.Message;
        }

        // What the file asks for: an error (with its text when given), else r0 = its result.
        string? expected = file.ExpectedError;
        bool rightError = rejection is not null && expected is not null
            && (expected.Length == 0 || rejection.Contains(expected, StringComparison.OrdinalIgnoreCase));
        string? failure = expected is not null
            ? rightError ? null
                : rejection is null ? $"expected an error{(expected.Length > 0 ? $" ('{expected}')" : "")} but r0 = 0x{r0:x}"
                : $"failed with '{rejection}', not '{expected}'"
            : rejection ?? (r0 != file.ExpectedResult ? $"r0 = 0x{r0:x}, expected 0x{file.ExpectedResult:x}" : null);

        if (!expectFailure) return new(path, failure is null, rightError ? rejection : failure, rejection is null ? r0 : null, executed);
        // A negative file passes when it is rejected (with its error text, if it names one) or its result is not
        // what the file claims; it fails when it does exactly what it says.
        if (rejection is not null && expected is { Length: > 0 } && !rightError)
            return new(path, false, $"failed as expected but with '{rejection}', not '{expected}'");
        if (rejection is null && failure is null)
            return new(path, false, $"expected this negative test to fail, but r0 = 0x{r0:x} as its result says");
        if (rejection is null && expected is not null)
            return new(path, false, $"expected this negative test to be rejected{(expected.Length > 0 ? $" with '{expected}'" : "")}, but it ran: r0 = 0x{r0:x}");
        return new(path, true, rejection ?? failure, rejection is null ? r0 : null, executed);
    }

    private static (ulong R0, long Executed) Execute(ConformanceTestFile file, long budget, VmEngine engine, EngineUsed ran)
    {
        IReadOnlyList<Instruction> program;
        if (file.Raw is not null)
        {
            program = InstructionCodec.Decode(file.Raw, ByteOrder.LittleEndian, validate: true, source: file.Path);
            if (file.Assembly is not null)
            {
                var assembled = Assembler.Assemble(file.Assembly, AsmSyntax.Conformance, file.Path).Encode();
                if (!assembled.AsSpan().SequenceEqual(file.Raw))
                    throw new ConformanceMismatchException($"the -- asm section assembles to {Convert.ToHexString(assembled)}, but -- raw is {Convert.ToHexString(file.Raw)}");
            }
        }
        else
        {
            program = Assembler.Assemble(file.Assembly!, AsmSyntax.Conformance, file.Path).Instructions;
        }

        var vm = new BpfVm(program, new VmOptions { InstructionBudget = budget, EntryRegisters = [1, 2], Engine = engine });
        // Helper 5 is the kernel's bpf_ktime_get_ns; the suite's call tests only need a helper that returns.
        ulong clock = 0;
        vm.Helpers.Register(5, "bpf_ktime_get_ns", _ => clock += 1000);
        ulong mem = ProgramContext.Setup(vm, ProgramContextKind.Raw, file.Memory);
        ran.Engine = vm.Compile();
        ran.FallbackReason = vm.JitFallbackReason;
        var result = vm.Run(mem, (ulong)file.Memory.Length);
        return (result.R0, result.InstructionsExecuted);
    }

    // Assembler lines count from the asm section; report file lines.
    private static string InFile(AssemblyException a, ConformanceTestFile file) =>
        string.Join("; ", a.Diagnostics.Select(d => $"{Path.GetFileName(file.Path)}:{d.Line + file.AssemblyFirstLine - 1}:{d.Column}: {d.Message}"));

    /// <summary>Runs every path (files, or directories of <c>*.data</c>) in name order.</summary>
    public static IEnumerable<ConformanceOutcome> RunAll(IEnumerable<string> paths, bool expectFailure = false, long instructionBudget = 1_000_000, VmEngine engine = VmEngine.Interpreter)
    {
        foreach (var p in paths)
        {
            var files = Directory.Exists(p)
                ? Directory.GetFiles(p, "*.data").Order(StringComparer.Ordinal).ToArray()
                : File.Exists(p) ? [p] : throw new FileNotFoundException($"no such file or directory: {p}", p);
            foreach (var f in files) yield return Run(f, expectFailure, instructionBudget, engine);
        }
    }
}

/// <summary>A file whose own sections disagree (asm vs raw).</summary>
public sealed class ConformanceMismatchException(string message) : Exception(message);
