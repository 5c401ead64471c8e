using BtfNotebooks.Asm;
using BtfNotebooks.Vm.Helpers;

namespace BtfNotebooks.Vm;

/// <summary>
/// What helpers need from the interpreter beyond arguments and memory: running a BPF function of the program
/// (bpf_loop's callback) and replacing the calling frame with another program (bpf_tail_call). Both run BPF code
/// from inside a helper, so they re-enter <see cref="Execute{TMode}"/> with their own start slot and frame; the
/// instructions they execute count towards the run's total and budget, which the dispatch loop adds after the
/// helper returns (<see cref="_nested"/>), so helpers that run no BPF code cost it one field test.
/// </summary>
public sealed partial class BpfVm
{
    /// <summary>MAX_TAIL_CALL_CNT: tail calls one run may chain; the kernel makes the next one fall through.</summary>
    public const int MaxTailCalls = 33;

    // Set by CallHelper while a helper runs: the calling frame and the instructions the run may still execute.
    private int _helperDepth = -1;
    private long _budgetLeft;

    // Instructions executed by BPF code a helper ran (callbacks, a tail-called program); added to the run's count by
    // the dispatch loop after the helper returns. _tailCalled: the helper tail-called, so the calling frame ends.
    private long _nested;
    private bool _tailCalled;
    private int _tailCallCount;

    /// <summary>The decoded code of the run in progress (fused or plain), which callbacks run in.</summary>
    private DecodedSlot[]? _running;

    /// <summary>The VM whose memory, helpers and loader a sibling shares (<see cref="CreateSibling"/>); null for others.</summary>
    private readonly BpfVm? _host;

    /// <summary>A read-only copy of the program's bytes, mapped when a function address is first needed.</summary>
    private MemoryRegion? _codeRegion;

    private HashSet<int>? _functionEntries;

    /// <summary>A name for messages (the ELF program name, for example); tail-call faults name the program by it.</summary>
    public string? Name { get; init; }

    /// <summary>Tail calls taken so far in the chain the current run belongs to (see <see cref="MaxTailCalls"/>).</summary>
    public int TailCallCount => _tailCallCount;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void BeginRun(DecodedSlot[] code, JitCode? jit)
    {
        // Reference stores cost a GC write barrier each; most runs store what is already there.
        if (!ReferenceEquals(_runningJit, jit)) _runningJit = jit;
        _lastSlot = -1;
        _helperDepth = -1;
        _nested = 0;
        _tailCalled = false;
        _tailCallCount = 0;
        if (!ReferenceEquals(_running, code)) _running = code;
    }

    /// <summary>
    /// A VM for another program that runs in this VM's memory with its helpers and lddw resolver (this VM's own
    /// resolver, or the one of the VM it is itself a sibling of, looked up when the sibling is prepared). Tail-call
    /// targets must be siblings: the caller's context, maps and stack addresses only mean something in its memory.
    /// The sibling maps its own stack regions.
    /// </summary>
    public BpfVm CreateSibling(IReadOnlyList<Instruction> program, string? name = null) => new(program, Options, this) { Name = name };

    /// <summary>
    /// The address <c>lddw rX, func[...]</c> gives for the function starting at <paramref name="slot"/>: a byte in a
    /// read-only region holding the program's code (mapped on first use), so the value is a real, recognisable
    /// address of this VM, as a kernel function pointer is, and reading through it faults nowhere but shows the code.
    /// </summary>
    public ulong FunctionAddress(int slot)
    {
        if ((uint)slot >= (uint)SlotCount || Array.BinarySearch(_slotOf, slot) < 0)
            throw new ArgumentOutOfRangeException(nameof(slot), slot, $"slot {slot} is not the start of an instruction of this {SlotCount}-slot program");
        _codeRegion ??= Memory.Map($"code of {Name ?? "program"} ({SlotCount} slots)", InstructionCodec.Encode(_program), RegionKind.Other, writable: false);
        return _codeRegion.Address + (ulong)slot * InstructionCodec.SlotSize;
    }

    /// <summary>The slot of the function at <paramref name="address"/> (see <see cref="FunctionAddress"/>), or null.</summary>
    public int? FunctionSlot(ulong address)
    {
        if (_codeRegion is null || address < _codeRegion.Address || address >= _codeRegion.End) return null;
        ulong offset = address - _codeRegion.Address;
        if (offset % InstructionCodec.SlotSize != 0) return null;
        int slot = (int)(offset / InstructionCodec.SlotSize);
        _functionEntries ??= FunctionEntries();
        return _functionEntries.Contains(slot) ? slot : null;
    }

    // Where a function can start: the entry, local call targets and function-address lddw targets.
    private HashSet<int> FunctionEntries()
    {
        var entries = new HashSet<int> { 0 };
        for (int i = 0; i < _program.Length; i++)
            if ((_program[i].IsLocalCall || _program[i].IsWide && _program[i].LoadImm64Kind == LoadImm64Kind.Function)
                && _program[i].TargetSlot(_slotOf[i]) is long t && t >= 0 && t < SlotCount)
                entries.Add((int)t);
        return entries;
    }

    /// <summary>
    /// For helpers: runs the BPF function at <paramref name="function"/> (an address from <c>lddw rX, func[...]</c>)
    /// as a bpf-to-bpf call from the frame that called the helper: a new frame with r1..r5 set and a zeroed stack,
    /// until its <c>exit</c>; returns its r0. The kernel's bpf_loop does this per iteration. Its instructions count
    /// towards the run and its budget; nesting deeper than <see cref="VmOptions.MaxCallFrames"/> faults. A fault inside
    /// the function names the function's instruction. Only valid while a helper of this VM runs.
    /// </summary>
    public ulong CallFunction(ulong function, ulong r1 = 0, ulong r2 = 0, ulong r3 = 0, ulong r4 = 0, ulong r5 = 0)
    {
        if (_helperDepth < 0 || _running is null)
            throw new InvalidOperationException("CallFunction runs a BPF function for a helper (bpf_loop's callback): call it from a helper while the program runs");
        int slot = FunctionSlot(function) ?? throw new BpfRuntimeException(RuntimeErrorKind.HelperFailed,
            $"0x{function:x} is not the address of a function of this program (lddw rX, func[...] loads one)");
        int depth = _helperDepth + 1;
        if (depth >= _frames.Length)
            throw new BpfRuntimeException(RuntimeErrorKind.CallDepthExceeded,
                $"calling the function at slot {slot} from frame {_helperDepth} exceeds {_frames.Length} frames (the kernel's limit is 8; callbacks count)");
        int savedDepth = _helperDepth;
        long budgetLeft = _budgetLeft, nestedBefore = _nested;
        _nested = 0;
        Array.Clear(_stack[depth].Data, _stackClearFrom, Options.StackSize - _stackClearFrom);
        var result = RunFrom(_runningJit, _running, slot, depth, budgetLeft, r1, r2, r3, r4, r5);
        _helperDepth = savedDepth;
        _budgetLeft = budgetLeft - result.InstructionsExecuted;
        _nested = nestedBefore + result.InstructionsExecuted;
        return result.R0;
    }

    /// <summary>
    /// For bpf_tail_call: counts one more tail call in this run's chain unless <see cref="MaxTailCalls"/> were taken
    /// (false: the kernel then falls through). Call it when the call will jump (Linux's x86-64 JIT counts only calls
    /// that find a program).
    /// </summary>
    public bool TryCountTailCall()
    {
        if (_tailCallCount >= MaxTailCalls) return false;
        _tailCallCount++;
        return true;
    }

    /// <summary>
    /// For bpf_tail_call: runs <paramref name="target"/> (this VM or a sibling, see <see cref="CreateSibling"/>) from
    /// its first instruction in place of the frame that called the helper, with r1 = <paramref name="context"/>. When
    /// the helper returns, that frame ends as if it had exited with the target's r0 (the value returned here), so the
    /// program after the call never runs, as in the kernel. The target inherits the chain's tail-call count and the
    /// run's remaining budget; a fault in it is reported at the tail call, naming the target and its instruction.
    /// Only valid while a helper of this VM runs. A traced run records the whole tail call as the call's step.
    /// </summary>
    public ulong TailCall(BpfVm target, ulong context)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (_helperDepth < 0)
            throw new InvalidOperationException("TailCall replaces the frame that called a helper: call it from a helper (bpf_tail_call) while the program runs");
        string name = target.Name ?? "program";
        if (!ReferenceEquals(target.Memory, Memory))
            throw new BpfRuntimeException(RuntimeErrorKind.HelperFailed,
                $"tail-call target '{name}' has its own memory, where this program's context and maps do not exist; create it with CreateSibling");
        int depth = _helperDepth;
        if (depth >= target._frames.Length)
            throw new BpfRuntimeException(RuntimeErrorKind.CallDepthExceeded, $"tail-call target '{name}' allows {target._frames.Length} frames; the call comes from frame {depth}");
        DecodedSlot[] code;
        try
        {
            code = target.Ready();
        }
        catch (BpfRuntimeException e)
        {
            throw new BpfRuntimeException(e.Kind, $"tail-call target '{name}' cannot run: {e.Message}", e);
        }

        // The target may be this VM (a program tail-calling itself) or one already running further up: keep what
        // the calling helper still needs.
        long budgetLeft = _budgetLeft, nestedBefore = _nested;
        var savedRunning = target._running;
        var savedRunningJit = target._runningJit;
        // Compiled code runs the target compiled when it has compiled code; a traced (interpreted) caller interprets it.
        var jit = _runningJit is not null ? target._jit : null;
        target._runningJit = jit;
        int savedLastSlot = target._lastSlot;
        target._tailCallCount = _tailCallCount;
        target._running = code;
        target._nested = 0;
        target._tailCalled = false;
        Array.Clear(target._stack[depth].Data, target._stackClearFrom, target.Options.StackSize - target._stackClearFrom);
        RunResult result;
        try
        {
            result = target.RunFrom(jit, code, 0, depth, budgetLeft, context, 0, 0, 0, 0);
        }
        catch (BpfRuntimeException e)
        {
            throw new BpfRuntimeException(e.Kind, $"in tail-called program '{name}': {e.Message}", e)
            {
                Address = e.Address, AccessSize = e.AccessSize, Region = e.Region,
            };
        }
        finally
        {
            target._running = savedRunning;
            target._runningJit = savedRunningJit;
            target._lastSlot = savedLastSlot;
        }
        _tailCallCount = target._tailCallCount;
        _helperDepth = depth;
        _budgetLeft = budgetLeft - result.InstructionsExecuted;
        _nested = nestedBefore + Math.Max(1, result.InstructionsExecuted);
        _tailCalled = true;
        return result.R0;
    }

    /// <summary>The error for a call to a helper ID nobody registered, naming the kernel helper when the ID is one.</summary>
    private static BpfRuntimeException UnknownHelper(long id)
    {
        string? name = id is >= int.MinValue and <= int.MaxValue ? BpfHelperIds.NameOf((int)id) : null;
        return new BpfRuntimeException(RuntimeErrorKind.UnknownHelper, name is null
            ? $"unknown helper {id}: no helper with this ID is registered, and the kernel has none with it"
            : $"helper {name} ({id}) is not emulated: no helper with this ID is registered (BpfHelpers.Register adds the emulated ones; HelperTable.Register adds your own)");
    }
}
