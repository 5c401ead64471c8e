using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BtfNotebooks.Vm;

public sealed partial class BpfVm
{
    private struct Frame
    {
        public int ReturnSlot;
        public ulong R6, R7, R8, R9, R10;
    }

    private readonly Frame[] _frames;

    /// <summary><see cref="Execute{TMode}"/> for <see cref="Run"/>: no per-step work at all.</summary>
    private struct FastRun;

    /// <summary>
    /// <see cref="Execute{TMode}"/> for <see cref="RunTraced"/>: after each instruction the loop reports the step to
    /// <see cref="_recorder"/>. Used with code prepared without superinstructions, so every step is one instruction.
    /// </summary>
    private struct TracedRun;

    // The dispatch loop. Each case is one RFC 9669 opcode (plus the internal ones from Prepare). Register indexes
    // were validated (0..10); the register file has 16 entries so even a nibble can never index past it.
    // Fully optimized from the first call: an interpreter loop gains nothing from tier-0 code and on-stack replacement.
    // TMode is a struct, so each mode gets its own compiled copy and `typeof(TMode) == typeof(TracedRun)` is a JIT
    // constant: the FastRun copy contains no trace code and no per-instruction test (its machine code is that of the
    // loop before tracing existed), while tracing shares this one switch, so the two modes cannot drift apart; they
    // differ only in running the superinstructions' plain instructions, which TraceEquivalenceTests compare.
    // entry/baseDepth: where this run starts and the frame whose exit ends it: 0/0 for Run, a function's slot and a
    // deeper frame for a helper's callback (CallFunction), 0 and the calling frame for a tail call (TailCall). The
    // budget is what is left of VmOptions.InstructionBudget (all of it, except for code a helper runs).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private unsafe RunResult Execute<TMode>(DecodedSlot[] code, int entry, int baseDepth, long budget, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5) where TMode : struct
    {
        ulong* r = stackalloc ulong[16]; // not zeroed ([SkipLocalsInit]): every entry is set here
        r[0] = 0; r[1] = a1; r[2] = a2; r[3] = a3; r[4] = a4; r[5] = a5;
        r[6] = 0; r[7] = 0; r[8] = 0; r[9] = 0; r[10] = _stack[baseDepth].End;
        r[11] = 0; r[12] = 0; r[13] = 0; r[14] = 0; r[15] = 0;
        var frames = _frames;
        var regions = Memory.Views;
        long executed = 0, mayGoto = Options.MayGotoBudget;
        long wideLoads = 0;
        int depth = baseDepth, pc = entry, blockStart = entry, target;

        while (true)
        {
            ref readonly DecodedSlot ins = ref code[pc];
            switch (ins.Op)
            {
                // ---- ALU64, immediate (sign-extended) ----
                case 0x07: r[ins.Dst] += (ulong)(long)ins.Imm; break;
                case 0x17: r[ins.Dst] -= (ulong)(long)ins.Imm; break;
                case 0x27: r[ins.Dst] *= (ulong)(long)ins.Imm; break;
                case 0x37: r[ins.Dst] = ins.Imm == 0 ? 0 : r[ins.Dst] / (ulong)(long)ins.Imm; break;
                case 0x47: r[ins.Dst] |= (ulong)(long)ins.Imm; break;
                case 0x57: r[ins.Dst] &= (ulong)(long)ins.Imm; break;
                case 0x67: r[ins.Dst] <<= ins.Imm; break;
                case 0x77: r[ins.Dst] >>= ins.Imm; break;
                case 0x87: r[ins.Dst] = (ulong)-(long)r[ins.Dst]; break;
                case 0x97: if (ins.Imm != 0) r[ins.Dst] %= (ulong)(long)ins.Imm; break;
                case 0xa7: r[ins.Dst] ^= (ulong)(long)ins.Imm; break;
                case 0xb7: r[ins.Dst] = (ulong)(long)ins.Imm; break;
                case 0xc7: r[ins.Dst] = (ulong)((long)r[ins.Dst] >> ins.Imm); break;
                case 0xd7: r[ins.Dst] = Swap(r[ins.Dst], ins.Imm); break;
                case SDiv64Imm: r[ins.Dst] = (ulong)SDiv64((long)r[ins.Dst], ins.Imm); break;
                case SMod64Imm: r[ins.Dst] = (ulong)SMod64((long)r[ins.Dst], ins.Imm); break;

                // ---- ALU64, register ----
                case 0x0f: r[ins.Dst] += r[ins.Src]; break;
                case 0x1f: r[ins.Dst] -= r[ins.Src]; break;
                case 0x2f: r[ins.Dst] *= r[ins.Src]; break;
                case 0x3f: { ulong s = r[ins.Src]; r[ins.Dst] = s == 0 ? 0 : r[ins.Dst] / s; break; }
                case 0x4f: r[ins.Dst] |= r[ins.Src]; break;
                case 0x5f: r[ins.Dst] &= r[ins.Src]; break;
                case 0x6f: r[ins.Dst] <<= (int)r[ins.Src]; break;
                case 0x7f: r[ins.Dst] >>= (int)r[ins.Src]; break;
                case 0x9f: { ulong s = r[ins.Src]; if (s != 0) r[ins.Dst] %= s; break; }
                case 0xaf: r[ins.Dst] ^= r[ins.Src]; break;
                case 0xbf: r[ins.Dst] = r[ins.Src]; break;
                case 0xcf: r[ins.Dst] = (ulong)((long)r[ins.Dst] >> (int)r[ins.Src]); break;
                case SDiv64Reg: r[ins.Dst] = (ulong)SDiv64((long)r[ins.Dst], (long)r[ins.Src]); break;
                case SMod64Reg: r[ins.Dst] = (ulong)SMod64((long)r[ins.Dst], (long)r[ins.Src]); break;
                case MovSx64:
                    r[ins.Dst] = ins.Off switch { 8 => (ulong)(sbyte)r[ins.Src], 16 => (ulong)(short)r[ins.Src], _ => (ulong)(int)r[ins.Src] };
                    break;

                // ---- ALU32, immediate: 32-bit operation, result zero-extended ----
                case 0x04: r[ins.Dst] = (uint)((uint)r[ins.Dst] + (uint)ins.Imm); break;
                case 0x14: r[ins.Dst] = (uint)((uint)r[ins.Dst] - (uint)ins.Imm); break;
                case 0x24: r[ins.Dst] = (uint)((uint)r[ins.Dst] * (uint)ins.Imm); break;
                case 0x34: r[ins.Dst] = ins.Imm == 0 ? 0 : (uint)r[ins.Dst] / (uint)ins.Imm; break;
                case 0x44: r[ins.Dst] = (uint)r[ins.Dst] | (uint)ins.Imm; break;
                case 0x54: r[ins.Dst] = (uint)r[ins.Dst] & (uint)ins.Imm; break;
                case 0x64: r[ins.Dst] = (uint)r[ins.Dst] << ins.Imm; break;
                case 0x74: r[ins.Dst] = (uint)r[ins.Dst] >> ins.Imm; break;
                case 0x84: r[ins.Dst] = (uint)-(int)r[ins.Dst]; break;
                case 0x94: r[ins.Dst] = ins.Imm == 0 ? (uint)r[ins.Dst] : (uint)r[ins.Dst] % (uint)ins.Imm; break;
                case 0xa4: r[ins.Dst] = (uint)r[ins.Dst] ^ (uint)ins.Imm; break;
                case 0xb4: r[ins.Dst] = (uint)ins.Imm; break;
                case 0xc4: r[ins.Dst] = (uint)((int)r[ins.Dst] >> ins.Imm); break;
                case 0xd4: r[ins.Dst] = ins.Imm switch { 16 => (ushort)r[ins.Dst], 32 => (uint)r[ins.Dst], _ => r[ins.Dst] }; break; // le on a little-endian machine: truncate
                case SDiv32Imm: r[ins.Dst] = (uint)SDiv32((int)r[ins.Dst], ins.Imm); break;
                case SMod32Imm: r[ins.Dst] = (uint)SMod32((int)r[ins.Dst], ins.Imm); break;

                // ---- ALU32, register ----
                case 0x0c: r[ins.Dst] = (uint)((uint)r[ins.Dst] + (uint)r[ins.Src]); break;
                case 0x1c: r[ins.Dst] = (uint)((uint)r[ins.Dst] - (uint)r[ins.Src]); break;
                case 0x2c: r[ins.Dst] = (uint)((uint)r[ins.Dst] * (uint)r[ins.Src]); break;
                case 0x3c: { uint s = (uint)r[ins.Src]; r[ins.Dst] = s == 0 ? 0 : (uint)r[ins.Dst] / s; break; }
                case 0x4c: r[ins.Dst] = (uint)r[ins.Dst] | (uint)r[ins.Src]; break;
                case 0x5c: r[ins.Dst] = (uint)r[ins.Dst] & (uint)r[ins.Src]; break;
                case 0x6c: r[ins.Dst] = (uint)r[ins.Dst] << (int)r[ins.Src]; break;
                case 0x7c: r[ins.Dst] = (uint)r[ins.Dst] >> (int)r[ins.Src]; break;
                case 0x9c: { uint s = (uint)r[ins.Src]; r[ins.Dst] = s == 0 ? (uint)r[ins.Dst] : (uint)r[ins.Dst] % s; break; }
                case 0xac: r[ins.Dst] = (uint)r[ins.Dst] ^ (uint)r[ins.Src]; break;
                case 0xbc: r[ins.Dst] = (uint)r[ins.Src]; break;
                case 0xcc: r[ins.Dst] = (uint)((int)r[ins.Dst] >> (int)r[ins.Src]); break;
                case 0xdc: r[ins.Dst] = Swap(r[ins.Dst], ins.Imm); break; // be on a little-endian machine: swap
                case SDiv32Reg: r[ins.Dst] = (uint)SDiv32((int)r[ins.Dst], (int)r[ins.Src]); break;
                case SMod32Reg: r[ins.Dst] = (uint)SMod32((int)r[ins.Dst], (int)r[ins.Src]); break;
                case MovSx32: r[ins.Dst] = ins.Off == 8 ? (uint)(sbyte)r[ins.Src] : (uint)(short)r[ins.Src]; break;

                // ---- 64-bit immediate load (value resolved by Prepare; the next slot holds the high word) ----
                case 0x18:
                    r[ins.Dst] = (uint)ins.Imm | ((ulong)(uint)code[pc + 1].Imm << 32);
                    wideLoads++;
                    if (typeof(TMode) == typeof(TracedRun)) _recorder!.Step(pc, pc + 2, depth, transferred: false, r);
                    pc += 2;
                    continue;

                // ---- LDX ----
                // ---- superinstructions (BpfVm.Prepare.Fuse); never in traced runs, whose code is not fused ----
                case FusedBoundsCheck:
                {
                    ulong v = r[ins.Src] + (ulong)(long)ins.Imm;
                    r[ins.Dst] = v;
                    ref readonly DecodedSlot compare = ref code[pc + 2];
                    if (v > r[compare.Src])
                    {
                        target = pc + 3 + compare.Off;
                        pc += 2;
                        goto Transfer;
                    }
                    pc += 3;
                    continue;
                }
                case FusedLoad16Swap:
                    r[ins.Dst] = BinaryPrimitives.ReverseEndianness((ushort)Load16(regions, r[ins.Src] + (ulong)(long)ins.Off, pc));
                    pc += 2;
                    continue;
                case FusedLoad32Swap:
                    r[ins.Dst] = BinaryPrimitives.ReverseEndianness((uint)Load32(regions, r[ins.Src] + (ulong)(long)ins.Off, pc));
                    pc += 2;
                    continue;

                case 0x61: r[ins.Dst] = Load32(regions, r[ins.Src] + (ulong)(long)ins.Off, pc); break;
                case 0x69: r[ins.Dst] = Load16(regions, r[ins.Src] + (ulong)(long)ins.Off, pc); break;
                case 0x71: r[ins.Dst] = Load8(regions, r[ins.Src] + (ulong)(long)ins.Off, pc); break;
                case 0x79: r[ins.Dst] = Load64(regions, r[ins.Src] + (ulong)(long)ins.Off, pc); break;
                case 0x81: r[ins.Dst] = (ulong)(int)Load32(regions, r[ins.Src] + (ulong)(long)ins.Off, pc); break;
                case 0x89: r[ins.Dst] = (ulong)(short)Load16(regions, r[ins.Src] + (ulong)(long)ins.Off, pc); break;
                case 0x91: r[ins.Dst] = (ulong)(sbyte)Load8(regions, r[ins.Src] + (ulong)(long)ins.Off, pc); break;

                // ---- ST / STX ----
                case 0x62: Store(regions, r[ins.Dst] + (ulong)(long)ins.Off, 4, (ulong)(uint)ins.Imm, pc); break;
                case 0x6a: Store(regions, r[ins.Dst] + (ulong)(long)ins.Off, 2, (ulong)(uint)ins.Imm, pc); break;
                case 0x72: Store(regions, r[ins.Dst] + (ulong)(long)ins.Off, 1, (ulong)(uint)ins.Imm, pc); break;
                case 0x7a: Store(regions, r[ins.Dst] + (ulong)(long)ins.Off, 8, (ulong)(long)ins.Imm, pc); break;
                case 0x63: Store(regions, r[ins.Dst] + (ulong)(long)ins.Off, 4, r[ins.Src], pc); break;
                case 0x6b: Store(regions, r[ins.Dst] + (ulong)(long)ins.Off, 2, r[ins.Src], pc); break;
                case 0x73: Store(regions, r[ins.Dst] + (ulong)(long)ins.Off, 1, r[ins.Src], pc); break;
                case 0x7b: Store(regions, r[ins.Dst] + (ulong)(long)ins.Off, 8, r[ins.Src], pc); break;
                case 0xc3: Atomic32(regions, r, in ins, pc); break;
                case 0xdb: Atomic64(regions, r, in ins, pc); break;

                // ---- JMP ----
                case 0x05: goto Taken;
                case 0x15: if (r[ins.Dst] == (ulong)(long)ins.Imm) goto Taken; break;
                case 0x1d: if (r[ins.Dst] == r[ins.Src]) goto Taken; break;
                case 0x25: if (r[ins.Dst] > (ulong)(long)ins.Imm) goto Taken; break;
                case 0x2d: if (r[ins.Dst] > r[ins.Src]) goto Taken; break;
                case 0x35: if (r[ins.Dst] >= (ulong)(long)ins.Imm) goto Taken; break;
                case 0x3d: if (r[ins.Dst] >= r[ins.Src]) goto Taken; break;
                case 0x45: if ((r[ins.Dst] & (ulong)(long)ins.Imm) != 0) goto Taken; break;
                case 0x4d: if ((r[ins.Dst] & r[ins.Src]) != 0) goto Taken; break;
                case 0x55: if (r[ins.Dst] != (ulong)(long)ins.Imm) goto Taken; break;
                case 0x5d: if (r[ins.Dst] != r[ins.Src]) goto Taken; break;
                case 0x65: if ((long)r[ins.Dst] > ins.Imm) goto Taken; break;
                case 0x6d: if ((long)r[ins.Dst] > (long)r[ins.Src]) goto Taken; break;
                case 0x75: if ((long)r[ins.Dst] >= ins.Imm) goto Taken; break;
                case 0x7d: if ((long)r[ins.Dst] >= (long)r[ins.Src]) goto Taken; break;
                case 0xa5: if (r[ins.Dst] < (ulong)(long)ins.Imm) goto Taken; break;
                case 0xad: if (r[ins.Dst] < r[ins.Src]) goto Taken; break;
                case 0xb5: if (r[ins.Dst] <= (ulong)(long)ins.Imm) goto Taken; break;
                case 0xbd: if (r[ins.Dst] <= r[ins.Src]) goto Taken; break;
                case 0xc5: if ((long)r[ins.Dst] < ins.Imm) goto Taken; break;
                case 0xcd: if ((long)r[ins.Dst] < (long)r[ins.Src]) goto Taken; break;
                case 0xd5: if ((long)r[ins.Dst] <= ins.Imm) goto Taken; break;
                case 0xdd: if ((long)r[ins.Dst] <= (long)r[ins.Src]) goto Taken; break;
                case 0xe5: if (mayGoto == 0) goto Taken; mayGoto--; break;

                // ---- JMP32: compare the low 32 bits ----
                case 0x06: goto TakenLong;
                case 0x16: if ((uint)r[ins.Dst] == (uint)ins.Imm) goto Taken; break;
                case 0x1e: if ((uint)r[ins.Dst] == (uint)r[ins.Src]) goto Taken; break;
                case 0x26: if ((uint)r[ins.Dst] > (uint)ins.Imm) goto Taken; break;
                case 0x2e: if ((uint)r[ins.Dst] > (uint)r[ins.Src]) goto Taken; break;
                case 0x36: if ((uint)r[ins.Dst] >= (uint)ins.Imm) goto Taken; break;
                case 0x3e: if ((uint)r[ins.Dst] >= (uint)r[ins.Src]) goto Taken; break;
                case 0x46: if (((uint)r[ins.Dst] & (uint)ins.Imm) != 0) goto Taken; break;
                case 0x4e: if (((uint)r[ins.Dst] & (uint)r[ins.Src]) != 0) goto Taken; break;
                case 0x56: if ((uint)r[ins.Dst] != (uint)ins.Imm) goto Taken; break;
                case 0x5e: if ((uint)r[ins.Dst] != (uint)r[ins.Src]) goto Taken; break;
                case 0x66: if ((int)r[ins.Dst] > ins.Imm) goto Taken; break;
                case 0x6e: if ((int)r[ins.Dst] > (int)r[ins.Src]) goto Taken; break;
                case 0x76: if ((int)r[ins.Dst] >= ins.Imm) goto Taken; break;
                case 0x7e: if ((int)r[ins.Dst] >= (int)r[ins.Src]) goto Taken; break;
                case 0xa6: if ((uint)r[ins.Dst] < (uint)ins.Imm) goto Taken; break;
                case 0xae: if ((uint)r[ins.Dst] < (uint)r[ins.Src]) goto Taken; break;
                case 0xb6: if ((uint)r[ins.Dst] <= (uint)ins.Imm) goto Taken; break;
                case 0xbe: if ((uint)r[ins.Dst] <= (uint)r[ins.Src]) goto Taken; break;
                case 0xc6: if ((int)r[ins.Dst] < ins.Imm) goto Taken; break;
                case 0xce: if ((int)r[ins.Dst] < (int)r[ins.Src]) goto Taken; break;
                case 0xd6: if ((int)r[ins.Dst] <= ins.Imm) goto Taken; break;
                case 0xde: if ((int)r[ins.Dst] <= (int)r[ins.Src]) goto Taken; break;

                // ---- calls and exit ----
                // A helper that ran BPF code (a bpf_loop callback, a tail call) leaves its instruction count in
                // _nested; a tail call also ends the calling frame, as if it had exited with the callee's r0.
                case 0x85:
                    r[0] = CallHelper(ins.Imm, pc, depth, budget - (executed + pc + 1 - blockStart - wideLoads), r);
                    regions = Memory.Views;
                    if (_nested != 0)
                    {
                        executed += _nested;
                        _nested = 0;
                        if (_tailCalled) { _tailCalled = false; goto case 0x95; }
                    }
                    break;
                case 0x8d:
                    r[0] = CallHelper((long)r[ins.Dst], pc, depth, budget - (executed + pc + 1 - blockStart - wideLoads), r);
                    regions = Memory.Views;
                    if (_nested != 0)
                    {
                        executed += _nested;
                        _nested = 0;
                        if (_tailCalled) { _tailCalled = false; goto case 0x95; }
                    }
                    break;
                case LocalCall:
                    if (depth + 1 >= frames.Length) throw CallDepthExceeded(pc, frames.Length);
                    frames[depth] = new Frame { ReturnSlot = pc + 1, R6 = r[6], R7 = r[7], R8 = r[8], R9 = r[9], R10 = r[10] };
                    depth++;
                    Array.Clear(_stack[depth].Data, _stackClearFrom, Options.StackSize - _stackClearFrom);
                    r[10] = _stack[depth].End;
                    target = pc + 1 + ins.Imm;
                    goto Transfer;
                case 0x95:
                    if (depth == baseDepth)
                    {
                        if (typeof(TMode) == typeof(TracedRun)) _recorder!.Step(pc, -1, depth, transferred: false, r);
                        return new RunResult(r[0], executed + pc + 1 - blockStart - wideLoads);
                    }
                    depth--;
                    ref Frame f = ref frames[depth];
                    r[6] = f.R6; r[7] = f.R7; r[8] = f.R8; r[9] = f.R9; r[10] = f.R10;
                    target = f.ReturnSlot;
                    goto Transfer;

                default:
                    // Unreachable for validated programs; kept so a validator gap is an error, not undefined behaviour.
                    throw NotExecutable(pc, ins.Op);
            }
            if (typeof(TMode) == typeof(TracedRun)) _recorder!.Step(pc, pc + 1, depth, transferred: false, r);
            pc++;
            continue;

            // Control leaves the straight line that began at blockStart: count its slots and check the budget (an
            // lddw is two slots but one instruction; wideLoads corrects for that). Checking here, not per instruction,
            // keeps the dispatch loop short; every loop passes through a transfer, so runaway loops still stop.
        TakenLong:
            target = pc + 1 + ins.Imm;
            goto Transfer;
        Taken:
            target = pc + 1 + ins.Off;
        Transfer:
            executed += pc + 1 - blockStart;
            if (executed - wideLoads > budget) throw BudgetExhausted(pc, budget);
            // After the budget check: a jump that exhausts the budget is the faulting step, recorded by RunTraced.
            if (typeof(TMode) == typeof(TracedRun)) _recorder!.Step(pc, target, depth, transferred: true, r);
            pc = blockStart = target;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private BpfRuntimeException CallDepthExceeded(int pc, int frames) =>
        new BpfRuntimeException(RuntimeErrorKind.CallDepthExceeded,
            $"bpf-to-bpf call nesting exceeds {frames} frames (the kernel's limit is 8)").At(pc, Describe(pc));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private BpfRuntimeException NotExecutable(int pc, byte op) => ProgramError(pc, $"opcode 0x{op:x2} cannot be executed");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private BpfRuntimeException BudgetExhausted(int pc, long budget) =>
        new BpfRuntimeException(RuntimeErrorKind.BudgetExhausted,
            $"instruction budget of {Options.InstructionBudget:N0} exhausted (runaway loop?); raise VmOptions.InstructionBudget if the program really needs more").At(pc, Describe(pc));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe ulong CallHelper(long id, int pc, int depth, long budgetLeft, ulong* r) =>
        CallHelper(id, pc, depth, budgetLeft, r[1], r[2], r[3], r[4], r[5]);

    // Shared by the interpreter and the JIT (which keeps registers in locals, so it passes r1..r5 by value).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ulong CallHelper(long id, int pc, int depth, long budgetLeft, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        var helper = Helpers.Find(id) ?? throw (id == PoisonedRelocationHelper
            ? new BpfRuntimeException(RuntimeErrorKind.PoisonedRelocation,
                "reached a poisoned CO-RE relocation (call 0xbad2310): its field, type or enum value does not exist in this kernel, " +
                "so libbpf replaced the instruction; the kernel's verifier rejects a program that can reach it (guard it with an exists check)")
            : UnknownHelper(id)).At(pc, Describe(pc));
        _lastSlot = pc;
        _helperDepth = depth;
        _budgetLeft = budgetLeft;
        try
        {
            return helper.Function(new HelperCall(this, pc, r1, r2, r3, r4, r5));
        }
        catch (BpfRuntimeException e) when (e.Slot is null)
        {
            throw new BpfRuntimeException(e.Kind, $"helper {helper.Name} ({helper.Id}): {e.Reason}", e)
            {
                Address = e.Address, AccessSize = e.AccessSize, Region = e.Region,
            }.At(pc, Describe(pc));
        }
        catch (Exception e) when (e is not BpfRuntimeException)
        {
            throw new BpfRuntimeException(RuntimeErrorKind.HelperFailed, $"helper {helper.Name} ({helper.Id}) failed: {e.Message}", e).At(pc, Describe(pc));
        }
        finally
        {
            _helperDepth = -1; // CallFunction and TailCall are for helpers that are running
        }
    }

    // ---- arithmetic the RFC defines where C# would throw ----

    private static long SDiv64(long a, long b) => b == 0 ? 0 : b == -1 ? unchecked(-a) : a / b;

    private static long SMod64(long a, long b) => b == 0 ? a : b == -1 ? 0 : a % b;

    private static int SDiv32(int a, int b) => b == 0 ? 0 : b == -1 ? unchecked(-a) : a / b;

    private static int SMod32(int a, int b) => b == 0 ? a : b == -1 ? 0 : a % b;

    private static ulong Swap(ulong v, int width) => width switch
    {
        16 => BinaryPrimitives.ReverseEndianness((ushort)v),
        32 => BinaryPrimitives.ReverseEndianness((uint)v),
        _ => BinaryPrimitives.ReverseEndianness(v),
    };

    // ---- memory ----

    // The fast paths, shared by the interpreter and the JIT (which inlines them into compiled code): the region is the
    // address's high half minus one, the offset its low half, and the access must end within the region's read or
    // write limit (0 where hooks or read-only rules apply); anything else goes to the slow path, which decides.
    // Each check is coded straight so that the machine code tests each condition once.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref readonly RegionView RegionOf(RegionView[] regions, ulong index) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(regions), (nint)index); // index < regions.Length: checked by callers

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref byte At(byte[] data, uint offset) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(data), (nint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Load64(RegionView[] regions, ulong address, int pc)
    {
        ulong index = (address >> 32) - 1;
        if (index < (ulong)regions.Length)
        {
            ref readonly RegionView region = ref RegionOf(regions, index);
            if ((ulong)(uint)address + 8 <= region.ReadLimit) return Unsafe.ReadUnaligned<ulong>(ref At(region.Data, (uint)address));
        }
        return SlowLoad(address, 8, pc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Load32(RegionView[] regions, ulong address, int pc)
    {
        ulong index = (address >> 32) - 1;
        if (index < (ulong)regions.Length)
        {
            ref readonly RegionView region = ref RegionOf(regions, index);
            uint offset = (uint)address;
            if ((ulong)offset + 4 <= region.ReadLimit) return Unsafe.ReadUnaligned<uint>(ref At(region.Data, offset));
            // A context's data/data_end: answered here, as every packet program starts with them.
            if (region.PointerWords is { } words && (offset & 3) == 0 && offset / 4 < (uint)words.Length && words[offset / 4] != 0)
                return words[offset / 4];
        }
        return SlowLoad(address, 4, pc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Load16(RegionView[] regions, ulong address, int pc)
    {
        ulong index = (address >> 32) - 1;
        if (index < (ulong)regions.Length)
        {
            ref readonly RegionView region = ref RegionOf(regions, index);
            if ((ulong)(uint)address + 2 <= region.ReadLimit) return Unsafe.ReadUnaligned<ushort>(ref At(region.Data, (uint)address));
        }
        return SlowLoad(address, 2, pc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Load8(RegionView[] regions, ulong address, int pc)
    {
        ulong index = (address >> 32) - 1;
        if (index < (ulong)regions.Length)
        {
            ref readonly RegionView region = ref RegionOf(regions, index);
            if ((uint)address < region.ReadLimit) return At(region.Data, (uint)address);
        }
        return SlowLoad(address, 1, pc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Store(RegionView[] regions, ulong address, int size, ulong value, int pc)
    {
        ulong index = (address >> 32) - 1;
        if (index < (ulong)regions.Length)
        {
            ref readonly RegionView region = ref RegionOf(regions, index);
            if ((ulong)(uint)address + (ulong)size <= region.WriteLimit)
            {
                ref byte p = ref At(region.Data, (uint)address);
                switch (size)
                {
                    case 1: p = (byte)value; break;
                    case 2: Unsafe.WriteUnaligned(ref p, (ushort)value); break;
                    case 4: Unsafe.WriteUnaligned(ref p, (uint)value); break;
                    default: Unsafe.WriteUnaligned(ref p, value); break;
                }
                return;
            }
        }
        SlowStore(address, size, value, pc);
    }

    // The slow paths run on every context load and helper call: compiled fully optimized up front like Execute, so
    // short runs do not spend their time in tier-0 code.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private ulong SlowLoad(ulong address, int size, int pc)
    {
        var regions = Memory.Array;
        ulong index = (address >> 32) - 1;
        int offset = (int)(uint)address;
        if (index < (ulong)regions.Length && (ulong)(uint)offset + (ulong)size <= (ulong)regions[index].Length)
        {
            var region = regions[index];
            switch (region.LoadHook(offset, size, out ulong value))
            {
                case LoadHookResult.Value:
                    return value;
                case LoadHookResult.Refused:
                    throw new BpfRuntimeException(RuntimeErrorKind.MemoryFault, region.LoadRefusal(offset, size))
                    {
                        Address = address, AccessSize = size, Region = region,
                    }.At(pc, Describe(pc));
            }
            var bytes = region.Data.AsSpan(offset, size);
            return size switch
            {
                1 => bytes[0],
                2 => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
                4 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
                _ => BinaryPrimitives.ReadUInt64LittleEndian(bytes),
            };
        }
        throw Memory.Fault(address, size, false, null, null, null).At(pc, Describe(pc));
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void SlowStore(ulong address, int size, ulong value, int pc)
    {
        var region = Memory.Find(address);
        if (region is not null && (ulong)(uint)address + (ulong)size <= (ulong)region.Length)
        {
            int offset = (int)(uint)address;
            string? refusal = !region.Writable ? "the region is read-only" : region.StoreHook(offset, size);
            if (refusal is null)
            {
                var bytes = region.Data.AsSpan(offset, size);
                switch (size)
                {
                    case 1: bytes[0] = (byte)value; break;
                    case 2: BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)value); break;
                    case 4: BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)value); break;
                    default: BinaryPrimitives.WriteUInt64LittleEndian(bytes, value); break;
                }
                return;
            }
            throw Memory.Fault(address, size, true, null, region, refusal).At(pc, Describe(pc));
        }
        throw Memory.Fault(address, size, true, null, null, null).At(pc, Describe(pc));
    }

    // Atomics on a single-threaded machine are read-modify-write; imm's low bit asks for the old value back.
    private unsafe void Atomic32(RegionView[] regions, ulong* r, in DecodedSlot ins, int pc)
    {
        uint old = AtomicUpdate32(regions, r[ins.Dst] + (ulong)(long)ins.Off, ins.Imm, (uint)r[ins.Src], (uint)r[0], pc);
        if (ins.Imm == (int)Asm.AtomicOperation.Cmpxchg) r[0] = old;
        else if ((ins.Imm & 1) != 0) r[ins.Src] = old;
    }

    private unsafe void Atomic64(RegionView[] regions, ulong* r, in DecodedSlot ins, int pc)
    {
        ulong old = AtomicUpdate64(regions, r[ins.Dst] + (ulong)(long)ins.Off, ins.Imm, r[ins.Src], r[0], pc);
        if (ins.Imm == (int)Asm.AtomicOperation.Cmpxchg) r[0] = old;
        else if ((ins.Imm & 1) != 0) r[ins.Src] = old;
    }

    /// <summary>The memory half of a 32-bit atomic (shared with the JIT): stores the result, returns the old value.</summary>
    private uint AtomicUpdate32(RegionView[] regions, ulong address, int op, uint src, uint r0, int pc)
    {
        uint old = (uint)Load32(regions, address, pc);
        uint value = AtomicResult(op, old, src, r0, out bool store);
        if (store) Store(regions, address, 4, value, pc);
        return old;
    }

    /// <summary>The memory half of a 64-bit atomic (shared with the JIT): stores the result, returns the old value.</summary>
    private ulong AtomicUpdate64(RegionView[] regions, ulong address, int op, ulong src, ulong r0, int pc)
    {
        ulong old = Load64(regions, address, pc);
        ulong value = AtomicResult(op, old, src, r0, out bool store);
        if (store) Store(regions, address, 8, value, pc);
        return old;
    }

    /// <summary>The value an atomic operation stores (cmpxchg stores only when memory equals r0).</summary>
    private static T AtomicResult<T>(int op, T old, T src, T r0, out bool store) where T : System.Numerics.IBinaryInteger<T>
    {
        store = true;
        switch (op & ~1)
        {
            case 0x00: return old + src;
            case 0x40: return old | src;
            case 0x50: return old & src;
            case 0xa0: return old ^ src;
            case 0xe0: return src;
            default:
                store = old == r0;
                return src;
        }
    }
}
