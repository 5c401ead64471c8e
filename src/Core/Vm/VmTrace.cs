using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;

namespace BtfNotebooks.Vm;

/// <summary>
/// What one traced run did (<see cref="BpfVm.RunTraced"/>): how it ended (<see cref="Result"/> or
/// <see cref="Fault"/>) and the instructions it executed, one <see cref="TraceStep"/> each. A fault is a value here,
/// not an exception, because the steps that led to it are the point of tracing: a notebook or the CLI shows them
/// and then reports the fault.
/// </summary>
public sealed class VmTrace
{
    /// <summary>Steps recorded when the caller does not say: enough for any straight-line program and several
    /// loop iterations, small enough (a few MB) that a runaway loop cannot exhaust memory.</summary>
    public const int DefaultMaxSteps = 10_000;

    internal VmTrace(IReadOnlyList<TraceStep> steps, int maxSteps, long stepsExecuted, RegisterState entry, RunResult? result, BpfRuntimeException? fault)
    {
        Steps = steps;
        MaxSteps = maxSteps;
        StepsExecuted = stepsExecuted;
        EntryRegisters = entry;
        Result = result;
        Fault = fault;
    }

    /// <summary>
    /// The first <see cref="MaxSteps"/> executed instructions in execution order, plus, when the run faulted, the
    /// faulting instruction as the last step (even past the limit, so the fault is always in the trace).
    /// </summary>
    public IReadOnlyList<TraceStep> Steps { get; }

    /// <summary>The recording limit the run had.</summary>
    public int MaxSteps { get; }

    /// <summary>Instructions executed, the faulting one included; equals <see cref="RunResult.InstructionsExecuted"/>
    /// for a run that finished (0 when the program was rejected before its first instruction).</summary>
    public long StepsExecuted { get; }

    /// <summary>True when more instructions executed than were recorded: <see cref="Steps"/> has a gap (at its end, or
    /// just before the faulting step).</summary>
    public bool Truncated => StepsExecuted > Steps.Count;

    /// <summary>Registers before the first instruction: r10 and <see cref="VmOptions.EntryRegisters"/> are set, the rest are not.</summary>
    public RegisterState EntryRegisters { get; }

    /// <summary>r0 and the instruction count when the program exited normally; null when it faulted.</summary>
    public RunResult? Result { get; }

    /// <summary>Why the run stopped, exactly as <see cref="BpfVm.Run"/> would have thrown it; null when it finished.
    /// Also set (with no steps) when the program cannot run at all, e.g. it reads a register nothing writes.</summary>
    public BpfRuntimeException? Fault { get; }

    /// <summary>The result, or the fault thrown: the same outcome <see cref="BpfVm.Run"/> has.</summary>
    public RunResult ResultOrThrow() => Result ?? throw Fault!;

    /// <summary>The trace as an aligned text table (see <see cref="TraceTable.Text"/>).</summary>
    public string ToTable() => TraceTable.Text(this);

    /// <summary>The trace as tab-separated values (see <see cref="TraceTable.Tsv"/>).</summary>
    public string ToTsv() => TraceTable.Tsv(this);
}

/// <summary>
/// One executed instruction. The instruction is stored, not its text: <see cref="Text"/> disassembles on demand,
/// so recording costs no string formatting per step.
/// </summary>
public sealed class TraceStep
{
    internal TraceStep(long step, int depth, int index, int slot, Instruction instruction, IReadOnlyList<RegisterWrite> writes,
        MemoryWrite? store, bool? taken, int? nextSlot, RegisterState registers, BpfRuntimeException? fault)
    {
        Step = step;
        Depth = depth;
        Index = index;
        Slot = slot;
        Instruction = instruction;
        Writes = writes;
        Store = store;
        Taken = taken;
        NextSlot = nextSlot;
        Registers = registers;
        Fault = fault;
    }

    /// <summary>1-based position in execution order: the last step of a finished run has number
    /// <see cref="RunResult.InstructionsExecuted"/> (lddw is one step, as it is one instruction).</summary>
    public long Step { get; }

    /// <summary>bpf-to-bpf call frame the instruction ran in: 0 for the entry function, 1 for a function it calls...</summary>
    public int Depth { get; }

    /// <summary>Index of the instruction in <see cref="BpfVm.Instructions"/>.</summary>
    public int Index { get; }

    /// <summary>Slot of the instruction: the number fault messages give ("instruction 7") and jumps count in.</summary>
    public int Slot { get; }

    public Instruction Instruction { get; }

    /// <summary>The instruction in LLVM syntax, formatted now (branch targets relative, as in <c>btfnb disasm --no-labels</c>).</summary>
    public string Text => Disassembler.Format(Instruction, AsmSyntax.Llvm);

    /// <summary>
    /// Registers the step wrote, in register order, with their new values: the destination even when the value did
    /// not change, r0 of a helper call, the frame pointer of a local call, and for a return to a caller r0 (the
    /// return value) and the caller's r6-r10 it restores.
    /// Empty for the faulting step, which wrote nothing.
    /// </summary>
    public IReadOnlyList<RegisterWrite> Writes { get; }

    /// <summary>The memory a store or atomic instruction wrote; null for other instructions and for a cmpxchg that
    /// did not store. (memory that helpers write is not traced: the trace sees instructions, not helper bodies.)</summary>
    public MemoryWrite? Store { get; }

    /// <summary>For a branch (conditional, goto, may_goto): whether it jumped. Null for other instructions and for
    /// the faulting step.</summary>
    public bool? Taken { get; }

    /// <summary>Slot executed next; null after the final exit and for the faulting step.</summary>
    public int? NextSlot { get; }

    /// <summary>Every register after the step (for the faulting step: when it faulted). Registers the program may not
    /// read, never written or clobbered by a call, read as null.</summary>
    public RegisterState Registers { get; }

    /// <summary>Set on the faulting step only (the run's last).</summary>
    public BpfRuntimeException? Fault { get; }

    /// <summary>What the step did, as one line: <c>r0 = 0x2a</c>, <c>*(u64 *)0x1000001f8 = 0x1 (stack+504)</c>,
    /// <c>taken -> 7</c>, <c>fault: ...</c>.</summary>
    public string Effect
    {
        get
        {
            if (Fault is not null) return $"fault: {Fault.Reason}";
            var parts = new List<string>(Writes.Count + 2);
            foreach (var w in Writes) parts.Add(w.ToString());
            if (Store is { } store) parts.Add(store.ToString());
            if (Instruction.IsBranch && Instruction.JumpOperation != JumpOperation.Ja)
                parts.Add(Taken == true ? $"taken -> {NextSlot}" : "not taken");
            else if (Instruction.IsBranch) parts.Add($"-> {NextSlot}");
            else if (Instruction.IsLocalCall) parts.Add($"call -> {NextSlot}");
            else if (Instruction.IsExit && NextSlot is int back) parts.Add($"return -> {back}");
            return string.Join(", ", parts);
        }
    }

    public override string ToString() => $"{Step}: [{Slot}] {Text}  {Effect}";
}

/// <summary>A register a step wrote and its new value.</summary>
public readonly record struct RegisterWrite(Register Register, ulong Value)
{
    public override string ToString() => $"r{(int)Register} = 0x{Value:x}";
}

/// <summary>Memory a step wrote: <paramref name="Size"/> bytes at <paramref name="Address"/>, little-endian
/// <paramref name="Value"/>, in <paramref name="Region"/> (null only if the address is in no region, which a store
/// that succeeded cannot be).</summary>
public readonly record struct MemoryWrite(ulong Address, int Size, ulong Value, MemoryRegion? Region)
{
    public override string ToString()
    {
        string type = Size switch { 1 => "u8", 2 => "u16", 4 => "u32", _ => "u64" };
        string where = Region is null ? "" : $" ({Region.Name}+{Address - Region.Address})";
        return $"*({type} *)0x{Address:x} = 0x{Value:x}{where}";
    }
}

/// <summary>
/// r0-r10 at one point of a run. A register the program may not read yet (the VM rejects such reads: the kernel's
/// "R0 !read_ok") is null rather than a stale number, so "never written" and "0" look different.
/// </summary>
public readonly struct RegisterState
{
    private readonly ulong[]? _values;
    private readonly ushort _initialized;

    /// <summary>r0..r10.</summary>
    public const int Count = 11;

    internal RegisterState(ulong[] values, ushort initialized)
    {
        _values = values;
        _initialized = initialized;
    }

    /// <summary>The register's value, or null when it is not initialized.</summary>
    public ulong? this[int register] => IsInitialized(register) ? _values![register] : null;

    public ulong? this[Register register] => this[(int)register];

    /// <summary>True when the program may read <paramref name="register"/> here.</summary>
    public bool IsInitialized(int register) =>
        _values is not null && (uint)register < Count && (_initialized & (1 << register)) != 0;

    /// <summary><c>r1 = 0x100000000, r2 = 0x40, r10 = 0x200000200</c>: the initialized registers only.</summary>
    public override string ToString()
    {
        var self = this;
        return string.Join(", ", Enumerable.Range(0, Count).Where(self.IsInitialized).Select(r => $"r{r} = 0x{self[r]:x}"));
    }
}
