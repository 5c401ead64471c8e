using System.Buffers.Binary;
using BtfNotebooks.Asm;

namespace BtfNotebooks.Vm;

/// <summary>
/// Turns the traced interpreter's per-step reports into <see cref="TraceStep"/>s. The interpreter only says which
/// slot ran, where control went and what the registers are now; everything else (what was written, what memory a
/// store touched, which registers the program may read) is worked out here from the instruction and the register
/// values before the step, so the dispatch loop carries no tracing logic of its own.
/// </summary>
internal sealed class TraceRecorder
{
    private const ushort R0 = 1, R10 = 1 << 10, CallerSaved = 0b111110, CalleeSaved = 0b111_1100_0000; // r1-r5, r6-r10

    private readonly BpfVm _vm;
    private readonly IReadOnlyList<Instruction> _program;
    private readonly int[] _indexAtSlot;
    private readonly int _maxSteps;
    private readonly List<TraceStep> _steps = [];
    private readonly RegisterState _entry;

    // The registers before the current step, which registers the program may read, and the callers' masks: the
    // rules of RegisterInitAnalysis (calls clobber r1-r5 and set r0; a callee starts with its arguments and r10),
    // but along the one path this run takes, so a register is null exactly when this path never set it or a call
    // clobbered it. (The analysis joins paths, so it may let an instruction read a register that is null here: the
    // kernel's path-sensitive verifier would reject that read.)
    private readonly ulong[] _regs = new ulong[RegisterState.Count];
    private ushort _initialized;
    private readonly Stack<ushort> _callerInitialized = new();
    private int _depth;
    private long _executed;

    public TraceRecorder(BpfVm vm, IReadOnlyList<Instruction> program, int[] slotOf, int slotCount, int maxSteps,
        ReadOnlySpan<ulong> entryValues, ushort entryInitialized)
    {
        _vm = vm;
        _program = program;
        _maxSteps = maxSteps;
        _indexAtSlot = new int[slotCount];
        Array.Fill(_indexAtSlot, -1);
        for (int i = 0; i < slotOf.Length; i++) _indexAtSlot[slotOf[i]] = i;
        entryValues.CopyTo(_regs);
        _initialized = (ushort)(entryInitialized | R10);
        _entry = Snapshot();
    }

    /// <summary>
    /// The instruction at <paramref name="pc"/> completed; control goes to <paramref name="next"/> (-1: the program
    /// exited), in frame <paramref name="depthAfter"/>. <paramref name="transferred"/> is true when the interpreter
    /// took its transfer path (a taken branch, a call, a return), which tells a taken <c>goto +0</c> from a fall-through.
    /// </summary>
    public unsafe void Step(int pc, int next, int depthAfter, bool transferred, ulong* r)
    {
        _executed++;
        int index = _indexAtSlot[pc];
        var insn = _program[index];
        bool record = _steps.Count < _maxSteps;

        ushort changed = 0;
        for (int i = 0; i < RegisterState.Count; i++)
            if (r[i] != _regs[i]) changed |= (ushort)(1 << i);
        ushort nominal = Defs(insn);
        if (insn.IsLocalCall) nominal |= R10;                  // the callee's frame pointer
        else if (insn.IsExit && next >= 0) nominal |= R0 | CalleeSaved; // the return value, the caller's r6-r10
        MemoryWrite? store = record ? StoreOf(insn, r) : null; // reads _regs: the values before the step

        _initialized |= nominal;
        if (insn.IsLocalCall)
        {
            // The callee sees the caller's r1-r5 (arguments; one the caller never set stays unset) and its own r10.
            _callerInitialized.Push(_initialized);
            _initialized = (ushort)(R10 | (_initialized & CallerSaved));
        }
        else if (insn.IsCall || insn.IsCallRegister)
        {
            _initialized = (ushort)((_initialized | R0) & ~CallerSaved);
        }
        else if (insn.IsExit && next >= 0 && _callerInitialized.Count > 0)
        {
            _initialized = (ushort)((_callerInitialized.Pop() | R0) & ~CallerSaved);
        }
        for (int i = 0; i < RegisterState.Count; i++) _regs[i] = r[i];

        if (record)
        {
            // A restored r6-r9 the caller never set is not a value the program can see, so only readable ones count.
            ushort written = (ushort)((nominal | changed) & _initialized);
            var writes = new List<RegisterWrite>();
            for (int i = 0; i < RegisterState.Count; i++)
                if ((written & (1 << i)) != 0) writes.Add(new RegisterWrite((Register)i, _regs[i]));
            bool? taken = insn.IsBranch ? transferred : null;
            _steps.Add(new TraceStep(_executed, _depth, index, pc, insn, writes, store, taken, next < 0 ? null : next, Snapshot(), null));
        }
        _depth = depthAfter;
    }

    /// <summary>
    /// The run ended: normally with <paramref name="result"/>, or with <paramref name="fault"/> at the instruction it
    /// names, which becomes the last step (recorded beyond the limit too). <paramref name="started"/> is false when
    /// the program was rejected before running, so there is no faulting step.
    /// </summary>
    public VmTrace Finish(RunResult? result, BpfRuntimeException? fault, bool started = true)
    {
        if (fault is not null && started && fault.Slot is int slot && (uint)slot < (uint)_indexAtSlot.Length && _indexAtSlot[slot] >= 0)
        {
            _executed++;
            int index = _indexAtSlot[slot];
            _steps.Add(new TraceStep(_executed, _depth, index, slot, _program[index], [], null, null, null, Snapshot(), fault));
        }
        return new VmTrace(_steps, _maxSteps, _executed, _entry, result, fault);
    }

    private RegisterState Snapshot() => new((ulong[])_regs.Clone(), _initialized);

    /// <summary>Registers an instruction writes by definition (whether or not the value changes).</summary>
    private static ushort Defs(in Instruction insn)
    {
        ushort dst = (ushort)(1 << (int)insn.Dst);
        switch (insn.Class)
        {
            case InstructionClass.Alu or InstructionClass.Alu64 or InstructionClass.Ldx or InstructionClass.Ld:
                return dst;
            case InstructionClass.Stx when insn.Mode == AccessMode.Atomic:
                if (insn.Imm == (int)AtomicOperation.Cmpxchg) return R0;
                return (insn.Imm & 1) != 0 ? (ushort)(1 << (int)insn.Src) : (ushort)0;
            default:
                return insn.IsCall && !insn.IsLocalCall || insn.IsCallRegister ? R0 : (ushort)0;
        }
    }

    /// <summary>
    /// The memory a store or atomic wrote. The address comes from the registers before the step (an atomic fetch
    /// may overwrite its own base register); an atomic's stored value is read back, as it depends on memory.
    /// </summary>
    private unsafe MemoryWrite? StoreOf(in Instruction insn, ulong* after)
    {
        if (insn.Class is not (InstructionClass.St or InstructionClass.Stx)) return null;
        int size = insn.AccessBytes;
        ulong address = _regs[(int)insn.Dst] + (ulong)(long)insn.Offset;
        ulong mask = size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;
        var region = _vm.Memory.Find(address);
        if (insn.Class == InstructionClass.St) return new MemoryWrite(address, size, (ulong)(long)insn.Imm & mask, region);
        if (insn.Mode != AccessMode.Atomic) return new MemoryWrite(address, size, _regs[(int)insn.Src] & mask, region);
        // cmpxchg leaves the old value in r0 and stores only when it equalled r0.
        if (insn.Imm == (int)AtomicOperation.Cmpxchg && ((after[0] ^ _regs[0]) & mask) != 0) return null;
        if (region is null || address - region.Address + (ulong)size > (ulong)region.Length) return null;
        var bytes = region.Data.AsSpan((int)(address - region.Address), size);
        ulong value = size == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return new MemoryWrite(address, size, value, region);
    }
}
