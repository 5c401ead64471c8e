namespace BtfNotebooks.Vm;

/// <summary>Limits and choices for a <see cref="BpfVm"/>.</summary>
public sealed record VmOptions
{
    /// <summary>Instructions one run may execute before it stops with <see cref="RuntimeErrorKind.BudgetExhausted"/>.
    /// The kernel's verifier explores at most 1M instructions; a run gets the same by default.</summary>
    public long InstructionBudget { get; init; } = 1_000_000;

    /// <summary>Maximum bpf-to-bpf call frames including the entry frame (the kernel's MAX_CALL_FRAMES is 8).</summary>
    public int MaxCallFrames { get; init; } = 8;

    /// <summary>Stack bytes per frame (MAX_BPF_STACK).</summary>
    public int StackSize { get; init; } = 512;

    /// <summary>
    /// Registers initialized at entry besides r10, for the check that rejects reading a register nothing wrote
    /// (the kernel's "R0 !read_ok"). Default r1 (the context); bpf_conformance passes r1 and r2.
    /// </summary>
    public IReadOnlyList<int> EntryRegisters { get; init; } = [1];

    /// <summary>Initial value of the hidden counter <c>may_goto</c> consumes (the kernel's BPF_MAX_LOOPS).</summary>
    public long MayGotoBudget { get; init; } = 8 * 1024 * 1024;

    /// <summary>
    /// The interpreter (default) or the JIT. Both give the same r0, instruction count, memory effects and faults;
    /// the JIT falls back to the interpreter for what it cannot compile (<see cref="BpfVm.JitFallbackReason"/>), and
    /// traced runs always interpret.
    /// </summary>
    public VmEngine Engine { get; init; } = VmEngine.Interpreter;
}

/// <summary>How a run ended normally: r0 and how many instructions executed.</summary>
public readonly record struct RunResult(ulong R0, long InstructionsExecuted);
