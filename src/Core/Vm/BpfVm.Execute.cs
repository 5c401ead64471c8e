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

    private Frame[]? _frames;

    // The dispatch loop. Each case is one RFC 9669 opcode (plus the internal ones from Prepare). Register indexes
    // were validated (0..10); the register file has 16 entries so even a nibble can never index past it.
    // Fully optimized from the first call: an interpreter loop gains nothing from tier-0 code and on-stack replacement.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe RunResult Execute(DecodedSlot[] code, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5)
    {
        ulong* r = stackalloc ulong[16];
        r[1] = a1; r[2] = a2; r[3] = a3; r[4] = a4; r[5] = a5;
        r[10] = _stack[0].End;
        var frames = _frames ??= new Frame[Options.MaxCallFrames];
        var regions = Memory.Snapshot;
        long budget = Options.InstructionBudget, remaining = budget, mayGoto = Options.MayGotoBudget;
        int depth = 0, pc = 0;
        _lastSlot = -1;

        while (true)
        {
            if (--remaining < 0) throw BudgetExhausted(pc, budget);
            ref readonly DecodedSlot ins = ref code[pc];
            ulong* d = r + ins.Dst;
            switch (ins.Op)
            {
                // ---- ALU64, immediate (sign-extended) ----
                case 0x07: *d += (ulong)(long)ins.Imm; break;
                case 0x17: *d -= (ulong)(long)ins.Imm; break;
                case 0x27: *d *= (ulong)(long)ins.Imm; break;
                case 0x37: *d = ins.Imm == 0 ? 0 : *d / (ulong)(long)ins.Imm; break;
                case 0x47: *d |= (ulong)(long)ins.Imm; break;
                case 0x57: *d &= (ulong)(long)ins.Imm; break;
                case 0x67: *d <<= ins.Imm; break;
                case 0x77: *d >>= ins.Imm; break;
                case 0x87: *d = (ulong)-(long)*d; break;
                case 0x97: if (ins.Imm != 0) *d %= (ulong)(long)ins.Imm; break;
                case 0xa7: *d ^= (ulong)(long)ins.Imm; break;
                case 0xb7: *d = (ulong)(long)ins.Imm; break;
                case 0xc7: *d = (ulong)((long)*d >> ins.Imm); break;
                case 0xd7: *d = Swap(*d, ins.Imm); break;
                case SDiv64Imm: *d = (ulong)SDiv64((long)*d, ins.Imm); break;
                case SMod64Imm: *d = (ulong)SMod64((long)*d, ins.Imm); break;

                // ---- ALU64, register ----
                case 0x0f: *d += r[ins.Src]; break;
                case 0x1f: *d -= r[ins.Src]; break;
                case 0x2f: *d *= r[ins.Src]; break;
                case 0x3f: { ulong s = r[ins.Src]; *d = s == 0 ? 0 : *d / s; break; }
                case 0x4f: *d |= r[ins.Src]; break;
                case 0x5f: *d &= r[ins.Src]; break;
                case 0x6f: *d <<= (int)r[ins.Src]; break;
                case 0x7f: *d >>= (int)r[ins.Src]; break;
                case 0x9f: { ulong s = r[ins.Src]; if (s != 0) *d %= s; break; }
                case 0xaf: *d ^= r[ins.Src]; break;
                case 0xbf: *d = r[ins.Src]; break;
                case 0xcf: *d = (ulong)((long)*d >> (int)r[ins.Src]); break;
                case SDiv64Reg: *d = (ulong)SDiv64((long)*d, (long)r[ins.Src]); break;
                case SMod64Reg: *d = (ulong)SMod64((long)*d, (long)r[ins.Src]); break;
                case MovSx64:
                    *d = ins.Off switch { 8 => (ulong)(sbyte)r[ins.Src], 16 => (ulong)(short)r[ins.Src], _ => (ulong)(int)r[ins.Src] };
                    break;

                // ---- ALU32, immediate: 32-bit operation, result zero-extended ----
                case 0x04: *d = (uint)((uint)*d + (uint)ins.Imm); break;
                case 0x14: *d = (uint)((uint)*d - (uint)ins.Imm); break;
                case 0x24: *d = (uint)((uint)*d * (uint)ins.Imm); break;
                case 0x34: *d = ins.Imm == 0 ? 0 : (uint)*d / (uint)ins.Imm; break;
                case 0x44: *d = (uint)*d | (uint)ins.Imm; break;
                case 0x54: *d = (uint)*d & (uint)ins.Imm; break;
                case 0x64: *d = (uint)*d << ins.Imm; break;
                case 0x74: *d = (uint)*d >> ins.Imm; break;
                case 0x84: *d = (uint)-(int)*d; break;
                case 0x94: *d = ins.Imm == 0 ? (uint)*d : (uint)*d % (uint)ins.Imm; break;
                case 0xa4: *d = (uint)*d ^ (uint)ins.Imm; break;
                case 0xb4: *d = (uint)ins.Imm; break;
                case 0xc4: *d = (uint)((int)*d >> ins.Imm); break;
                case 0xd4: *d = ins.Imm switch { 16 => (ushort)*d, 32 => (uint)*d, _ => *d }; break; // le on a little-endian machine: truncate
                case SDiv32Imm: *d = (uint)SDiv32((int)*d, ins.Imm); break;
                case SMod32Imm: *d = (uint)SMod32((int)*d, ins.Imm); break;

                // ---- ALU32, register ----
                case 0x0c: *d = (uint)((uint)*d + (uint)r[ins.Src]); break;
                case 0x1c: *d = (uint)((uint)*d - (uint)r[ins.Src]); break;
                case 0x2c: *d = (uint)((uint)*d * (uint)r[ins.Src]); break;
                case 0x3c: { uint s = (uint)r[ins.Src]; *d = s == 0 ? 0 : (uint)*d / s; break; }
                case 0x4c: *d = (uint)*d | (uint)r[ins.Src]; break;
                case 0x5c: *d = (uint)*d & (uint)r[ins.Src]; break;
                case 0x6c: *d = (uint)*d << (int)r[ins.Src]; break;
                case 0x7c: *d = (uint)*d >> (int)r[ins.Src]; break;
                case 0x9c: { uint s = (uint)r[ins.Src]; *d = s == 0 ? (uint)*d : (uint)*d % s; break; }
                case 0xac: *d = (uint)*d ^ (uint)r[ins.Src]; break;
                case 0xbc: *d = (uint)r[ins.Src]; break;
                case 0xcc: *d = (uint)((int)*d >> (int)r[ins.Src]); break;
                case 0xdc: *d = Swap(*d, ins.Imm); break; // be on a little-endian machine: swap
                case SDiv32Reg: *d = (uint)SDiv32((int)*d, (int)r[ins.Src]); break;
                case SMod32Reg: *d = (uint)SMod32((int)*d, (int)r[ins.Src]); break;
                case MovSx32: *d = ins.Off == 8 ? (uint)(sbyte)r[ins.Src] : (uint)(short)r[ins.Src]; break;

                // ---- 64-bit immediate load (value resolved by Prepare; the next slot holds the high word) ----
                case 0x18:
                    *d = (uint)ins.Imm | ((ulong)(uint)code[pc + 1].Imm << 32);
                    pc += 2;
                    continue;

                // ---- LDX ----
                case 0x61: *d = Load32(regions, r[ins.Src] + (ulong)(long)ins.Off, pc); break;
                case 0x69: *d = Load16(regions, r[ins.Src] + (ulong)(long)ins.Off, pc); break;
                case 0x71: *d = Load8(regions, r[ins.Src] + (ulong)(long)ins.Off, pc); break;
                case 0x79: *d = Load64(regions, r[ins.Src] + (ulong)(long)ins.Off, pc); break;
                case 0x81: *d = (ulong)(int)Load32(regions, r[ins.Src] + (ulong)(long)ins.Off, pc); break;
                case 0x89: *d = (ulong)(short)Load16(regions, r[ins.Src] + (ulong)(long)ins.Off, pc); break;
                case 0x91: *d = (ulong)(sbyte)Load8(regions, r[ins.Src] + (ulong)(long)ins.Off, pc); break;

                // ---- ST / STX ----
                case 0x62: Store(regions, *d + (ulong)(long)ins.Off, 4, (ulong)(uint)ins.Imm, pc); break;
                case 0x6a: Store(regions, *d + (ulong)(long)ins.Off, 2, (ulong)(uint)ins.Imm, pc); break;
                case 0x72: Store(regions, *d + (ulong)(long)ins.Off, 1, (ulong)(uint)ins.Imm, pc); break;
                case 0x7a: Store(regions, *d + (ulong)(long)ins.Off, 8, (ulong)(long)ins.Imm, pc); break;
                case 0x63: Store(regions, *d + (ulong)(long)ins.Off, 4, r[ins.Src], pc); break;
                case 0x6b: Store(regions, *d + (ulong)(long)ins.Off, 2, r[ins.Src], pc); break;
                case 0x73: Store(regions, *d + (ulong)(long)ins.Off, 1, r[ins.Src], pc); break;
                case 0x7b: Store(regions, *d + (ulong)(long)ins.Off, 8, r[ins.Src], pc); break;
                case 0xc3: Atomic32(regions, r, in ins, pc); break;
                case 0xdb: Atomic64(regions, r, in ins, pc); break;

                // ---- JMP ----
                case 0x05: pc += ins.Off; break;
                case 0x15: if (*d == (ulong)(long)ins.Imm) pc += ins.Off; break;
                case 0x1d: if (*d == r[ins.Src]) pc += ins.Off; break;
                case 0x25: if (*d > (ulong)(long)ins.Imm) pc += ins.Off; break;
                case 0x2d: if (*d > r[ins.Src]) pc += ins.Off; break;
                case 0x35: if (*d >= (ulong)(long)ins.Imm) pc += ins.Off; break;
                case 0x3d: if (*d >= r[ins.Src]) pc += ins.Off; break;
                case 0x45: if ((*d & (ulong)(long)ins.Imm) != 0) pc += ins.Off; break;
                case 0x4d: if ((*d & r[ins.Src]) != 0) pc += ins.Off; break;
                case 0x55: if (*d != (ulong)(long)ins.Imm) pc += ins.Off; break;
                case 0x5d: if (*d != r[ins.Src]) pc += ins.Off; break;
                case 0x65: if ((long)*d > ins.Imm) pc += ins.Off; break;
                case 0x6d: if ((long)*d > (long)r[ins.Src]) pc += ins.Off; break;
                case 0x75: if ((long)*d >= ins.Imm) pc += ins.Off; break;
                case 0x7d: if ((long)*d >= (long)r[ins.Src]) pc += ins.Off; break;
                case 0xa5: if (*d < (ulong)(long)ins.Imm) pc += ins.Off; break;
                case 0xad: if (*d < r[ins.Src]) pc += ins.Off; break;
                case 0xb5: if (*d <= (ulong)(long)ins.Imm) pc += ins.Off; break;
                case 0xbd: if (*d <= r[ins.Src]) pc += ins.Off; break;
                case 0xc5: if ((long)*d < ins.Imm) pc += ins.Off; break;
                case 0xcd: if ((long)*d < (long)r[ins.Src]) pc += ins.Off; break;
                case 0xd5: if ((long)*d <= ins.Imm) pc += ins.Off; break;
                case 0xdd: if ((long)*d <= (long)r[ins.Src]) pc += ins.Off; break;
                case 0xe5: if (mayGoto == 0) pc += ins.Off; else mayGoto--; break;

                // ---- JMP32: compare the low 32 bits ----
                case 0x06: pc += ins.Imm; break;
                case 0x16: if ((uint)*d == (uint)ins.Imm) pc += ins.Off; break;
                case 0x1e: if ((uint)*d == (uint)r[ins.Src]) pc += ins.Off; break;
                case 0x26: if ((uint)*d > (uint)ins.Imm) pc += ins.Off; break;
                case 0x2e: if ((uint)*d > (uint)r[ins.Src]) pc += ins.Off; break;
                case 0x36: if ((uint)*d >= (uint)ins.Imm) pc += ins.Off; break;
                case 0x3e: if ((uint)*d >= (uint)r[ins.Src]) pc += ins.Off; break;
                case 0x46: if (((uint)*d & (uint)ins.Imm) != 0) pc += ins.Off; break;
                case 0x4e: if (((uint)*d & (uint)r[ins.Src]) != 0) pc += ins.Off; break;
                case 0x56: if ((uint)*d != (uint)ins.Imm) pc += ins.Off; break;
                case 0x5e: if ((uint)*d != (uint)r[ins.Src]) pc += ins.Off; break;
                case 0x66: if ((int)*d > ins.Imm) pc += ins.Off; break;
                case 0x6e: if ((int)*d > (int)r[ins.Src]) pc += ins.Off; break;
                case 0x76: if ((int)*d >= ins.Imm) pc += ins.Off; break;
                case 0x7e: if ((int)*d >= (int)r[ins.Src]) pc += ins.Off; break;
                case 0xa6: if ((uint)*d < (uint)ins.Imm) pc += ins.Off; break;
                case 0xae: if ((uint)*d < (uint)r[ins.Src]) pc += ins.Off; break;
                case 0xb6: if ((uint)*d <= (uint)ins.Imm) pc += ins.Off; break;
                case 0xbe: if ((uint)*d <= (uint)r[ins.Src]) pc += ins.Off; break;
                case 0xc6: if ((int)*d < ins.Imm) pc += ins.Off; break;
                case 0xce: if ((int)*d < (int)r[ins.Src]) pc += ins.Off; break;
                case 0xd6: if ((int)*d <= ins.Imm) pc += ins.Off; break;
                case 0xde: if ((int)*d <= (int)r[ins.Src]) pc += ins.Off; break;

                // ---- calls and exit ----
                case 0x85:
                    r[0] = CallHelper(ins.Imm, pc, r);
                    regions = Memory.Snapshot;
                    break;
                case 0x8d:
                    r[0] = CallHelper((long)*d, pc, r);
                    regions = Memory.Snapshot;
                    break;
                case LocalCall:
                    if (depth + 1 >= frames.Length)
                        throw new BpfRuntimeException(RuntimeErrorKind.CallDepthExceeded,
                            $"bpf-to-bpf call nesting exceeds {frames.Length} frames (the kernel's limit is 8)").At(pc, Describe(pc));
                    frames[depth] = new Frame { ReturnSlot = pc + 1, R6 = r[6], R7 = r[7], R8 = r[8], R9 = r[9], R10 = r[10] };
                    depth++;
                    Array.Clear(_stack[depth].Data);
                    r[10] = _stack[depth].End;
                    pc += 1 + ins.Imm;
                    continue;
                case 0x95:
                    if (depth == 0) return new RunResult(r[0], budget - remaining);
                    depth--;
                    ref Frame f = ref frames[depth];
                    r[6] = f.R6; r[7] = f.R7; r[8] = f.R8; r[9] = f.R9; r[10] = f.R10;
                    pc = f.ReturnSlot;
                    continue;

                default:
                    // Unreachable for validated programs; kept so a validator gap is an error, not undefined behaviour.
                    throw ProgramError(pc, $"opcode 0x{ins.Op:x2} cannot be executed");
            }
            pc++;
        }
    }

    private BpfRuntimeException BudgetExhausted(int pc, long budget) =>
        new BpfRuntimeException(RuntimeErrorKind.BudgetExhausted,
            $"instruction budget of {budget:N0} exhausted (runaway loop?); raise VmOptions.InstructionBudget if the program really needs more").At(pc, Describe(pc));

    private unsafe ulong CallHelper(long id, int pc, ulong* r)
    {
        var helper = Helpers.Find(id) ?? throw new BpfRuntimeException(RuntimeErrorKind.UnknownHelper,
            $"unknown helper {id}: no helper with this ID is registered").At(pc, Describe(pc));
        _lastSlot = pc;
        try
        {
            return helper.Function(new HelperCall(this, pc, r[1], r[2], r[3], r[4], r[5]));
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

    /// <summary>The byte at <paramref name="address"/> if [address, address+size) lies in one region that allows
    /// the access directly; a null ref otherwise (hooked, read-only or out of bounds: the slow path decides).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref byte Direct(MemoryRegion[] regions, ulong address, int size, bool write)
    {
        ulong index = (address >> 32) - 1;
        if (index < (ulong)regions.Length)
        {
            var region = regions[(int)index];
            uint offset = (uint)address;
            if ((ulong)offset + (ulong)size <= (ulong)region.Data.Length && !region.HasHooks && (!write || region.Writable))
                return ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(region.Data), (nint)offset);
        }
        return ref Unsafe.NullRef<byte>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Load64(MemoryRegion[] regions, ulong address, int pc)
    {
        ref byte p = ref Direct(regions, address, 8, false);
        return Unsafe.IsNullRef(ref p) ? SlowLoad(address, 8, pc) : Unsafe.ReadUnaligned<ulong>(ref p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Load32(MemoryRegion[] regions, ulong address, int pc)
    {
        ref byte p = ref Direct(regions, address, 4, false);
        return Unsafe.IsNullRef(ref p) ? SlowLoad(address, 4, pc) : Unsafe.ReadUnaligned<uint>(ref p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Load16(MemoryRegion[] regions, ulong address, int pc)
    {
        ref byte p = ref Direct(regions, address, 2, false);
        return Unsafe.IsNullRef(ref p) ? SlowLoad(address, 2, pc) : Unsafe.ReadUnaligned<ushort>(ref p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Load8(MemoryRegion[] regions, ulong address, int pc)
    {
        ref byte p = ref Direct(regions, address, 1, false);
        return Unsafe.IsNullRef(ref p) ? SlowLoad(address, 1, pc) : p;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Store(MemoryRegion[] regions, ulong address, int size, ulong value, int pc)
    {
        ref byte p = ref Direct(regions, address, size, true);
        if (Unsafe.IsNullRef(ref p)) { SlowStore(address, size, value, pc); return; }
        switch (size)
        {
            case 1: p = (byte)value; break;
            case 2: Unsafe.WriteUnaligned(ref p, (ushort)value); break;
            case 4: Unsafe.WriteUnaligned(ref p, (uint)value); break;
            default: Unsafe.WriteUnaligned(ref p, value); break;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ulong SlowLoad(ulong address, int size, int pc)
    {
        var region = Memory.Find(address);
        if (region is not null && (ulong)(uint)address + (ulong)size <= (ulong)region.Length)
        {
            int offset = (int)(uint)address;
            ulong? hooked;
            try
            {
                hooked = region.LoadHook(offset, size);
            }
            catch (BpfRuntimeException e) when (e.Slot is null)
            {
                throw e.At(pc, Describe(pc));
            }
            if (hooked is ulong value) return value;
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

    [MethodImpl(MethodImplOptions.NoInlining)]
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
    private unsafe void Atomic32(MemoryRegion[] regions, ulong* r, in DecodedSlot ins, int pc)
    {
        ulong address = r[ins.Dst] + (ulong)(long)ins.Off;
        uint old = (uint)Load32(regions, address, pc);
        uint value = AtomicResult(ins.Imm, old, (uint)r[ins.Src], (uint)r[0], out bool store);
        if (store) Store(regions, address, 4, value, pc);
        if (ins.Imm == (int)Asm.AtomicOperation.Cmpxchg) r[0] = old;
        else if ((ins.Imm & 1) != 0) r[ins.Src] = old;
    }

    private unsafe void Atomic64(MemoryRegion[] regions, ulong* r, in DecodedSlot ins, int pc)
    {
        ulong address = r[ins.Dst] + (ulong)(long)ins.Off;
        ulong old = Load64(regions, address, pc);
        ulong value = AtomicResult(ins.Imm, old, r[ins.Src], r[0], out bool store);
        if (store) Store(regions, address, 8, value, pc);
        if (ins.Imm == (int)Asm.AtomicOperation.Cmpxchg) r[0] = old;
        else if ((ins.Imm & 1) != 0) r[ins.Src] = old;
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
