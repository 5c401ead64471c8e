using BtfNotebooks.Asm;
using System.Runtime.CompilerServices;
using BtfNotebooks.Asm.Text;

namespace BtfNotebooks.Vm;

/// <summary>
/// Runs one BPF program with RFC 9669 semantics on a little-endian machine model. Memory is the VM's own
/// <see cref="AddressSpace"/>: stack frames, context, packet and whatever the caller maps; every access is
/// bounds-checked and a fault names the instruction, address, size and region. Not thread-safe: one run at a time.
/// </summary>
public sealed partial class BpfVm
{
    private readonly Instruction[] _program;
    private readonly int[] _slotOf;
    private readonly MemoryRegion[] _stack;
    private DecodedSlot[]? _code;
    private readonly ulong[] _frameTop; // r10 of each frame

    /// <summary>
    /// Prepares <paramref name="program"/>: it must pass <see cref="ProgramValidator"/> (every error listed with its
    /// slot in a <see cref="BpfEncodingException"/>).
    /// </summary>
    public BpfVm(IReadOnlyList<Instruction> program, VmOptions? options = null) : this(program, options, null)
    {
    }

    private BpfVm(IReadOnlyList<Instruction> program, VmOptions? options, BpfVm? host)
    {
        Options = options ?? new VmOptions();
        if (host is not null)
        {
            // A sibling (CreateSibling) lives in its host's memory and calls its helpers, so that a tail call can
            // hand it the caller's context and maps.
            _host = host._host ?? host;
            Memory = host.Memory;
            Helpers = host.Helpers;
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxCallFrames, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.StackSize, 8);
        _program = [.. program];
        var errors = ProgramValidator.Validate(_program);
        if (errors.Count > 0) throw new BpfEncodingException(errors);
        _slotOf = ProgramValidator.SlotIndex(_program, out int slots);
        SlotCount = slots;
        _stack = new MemoryRegion[Options.MaxCallFrames];
        for (int f = 0; f < _stack.Length; f++)
            _stack[f] = Memory.Map(f == 0 ? "stack" : $"stack (frame {f})", new byte[Options.StackSize], RegionKind.Stack);
        _frameTop = [.. _stack.Select(s => s.End)];
        _frames = new Frame[Options.MaxCallFrames];
    }

    /// <summary>
    /// The helper number libbpf writes into an instruction whose CO-RE relocation failed ("bad relo"). The VM accepts
    /// it where it cannot be reached, as the verifier does, and faults with <see cref="RuntimeErrorKind.PoisonedRelocation"/> if it runs.
    /// </summary>
    public const int PoisonedRelocationHelper = 0x0bad2310;

    public VmOptions Options { get; }

    public IReadOnlyList<Instruction> Instructions => _program;

    /// <summary>Program length in 8-byte slots (lddw counts 2).</summary>
    public int SlotCount { get; }

    public AddressSpace Memory { get; } = new();

    public HelperTable Helpers { get; } = new();

    /// <summary>
    /// Resolves an <c>lddw</c> whose src is not a plain value (map fd, map value, BTF ID...) to the 64-bit value
    /// the register gets. Without a resolver such programs do not run (the test framework attaches maps).
    /// </summary>
    public Func<Instruction, int, ulong>? ResolveLoadImm64
    {
        get => _resolve;
        set { _resolve = value; _code = null; _plainCode = null; _jit = null; _jitTried = false; JitFallbackReason = null; }
    }

    private Func<Instruction, int, ulong>? _resolve;

    /// <summary>The entry frame's stack region (r10 points at its end).</summary>
    public MemoryRegion Stack => _stack[0];

    /// <summary>Runs the program with r1..r5 set; returns r0 and the instruction count, or throws <see cref="BpfRuntimeException"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public RunResult Run(ulong r1 = 0, ulong r2 = 0, ulong r3 = 0, ulong r4 = 0, ulong r5 = 0)
    {
        var code = _code is { } decoded && (_jitTried || Options.Engine == VmEngine.Interpreter) ? decoded : Ready();
        if (_stackClearFrom < Options.StackSize) Array.Clear(_stack[0].Data, _stackClearFrom, Options.StackSize - _stackClearFrom);
        var jit = _jit;
        BeginRun(code, jit);
        try
        {
            return RunFrom(jit, code, 0, 0, Options.InstructionBudget, r1, r2, r3, r4, r5);
        }
        catch (BpfRuntimeException e) when (e.Slot is null && _lastSlot >= 0)
        {
            throw e.At(_lastSlot, Describe(_lastSlot));
        }
    }

    /// <summary>
    /// Runs the program <paramref name="runs"/> times with the same arguments and returns the elapsed time, for
    /// "ns per run" figures. The loop is compiled fully optimized: a caller's own loop would start as tier-0 code.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public TimeSpan TimeRuns(int runs, ulong r1 = 0, ulong r2 = 0, ulong r3 = 0, ulong r4 = 0, ulong r5 = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(runs);
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int i = 0; i < runs; i++) Run(r1, r2, r3, r4, r5);
        return System.Diagnostics.Stopwatch.GetElapsedTime(start);
    }

    private int _lastSlot = -1;

    internal string? Describe(int slot)
    {
        int i = Array.BinarySearch(_slotOf, slot);
        return i < 0 ? null : Disassembler.Format(_program[i], AsmSyntax.Llvm);
    }

    private BpfRuntimeException ProgramError(int slot, string reason) =>
        new BpfRuntimeException(RuntimeErrorKind.Unsupported, reason).At(slot, Describe(slot));
}
