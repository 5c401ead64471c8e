using BtfNotebooks.Asm;

namespace BtfNotebooks.Vm;

public sealed partial class BpfVm
{
    /// <summary>One slot as the interpreter reads it: fields unpacked, signed variants given their own opcodes.</summary>
    internal struct DecodedSlot
    {
        public byte Op;
        public byte Dst;
        public byte Src;
        public short Off;
        public int Imm;
    }

    // Opcodes RFC 9669 leaves undefined, reused internally so the dispatch switch needs no second look at the
    // offset field: signed division/modulo (offset 1), sign-extending moves (offset 8/16/32), local calls (src 1).
    internal const byte SDiv64Imm = 0xe7, SDiv64Reg = 0xef, SMod64Imm = 0xf7, SMod64Reg = 0xff;
    internal const byte SDiv32Imm = 0xe4, SDiv32Reg = 0xec, SMod32Imm = 0xf4, SMod32Reg = 0xfc;
    internal const byte MovSx64 = 0xdf, MovSx32 = 0x8c, LocalCall = 0x86;

    // Superinstructions: common sequences executed by one dispatch (see Fuse). The codes are LDX-class opcodes
    // with the undefined "immediate" mode. The fused slots keep their own decoded form, and their original
    // instructions stay in the following slots, so counting, faults and jumps see the same program.
    internal const byte FusedBoundsCheck = 0x01, FusedLoad16Swap = 0x09, FusedLoad32Swap = 0x11;

    /// <summary>First stack byte a run must zero: frames start zeroed so runs are reproducible.</summary>
    private int _stackClearFrom;

    /// <summary>
    /// Where in each frame the program can touch the stack. When r10 is only ever a load/store base, that is the
    /// lowest r10 offset used (often none at all, so short programs skip clearing 512 bytes per run); when r10 is
    /// copied or computed with, any byte may be reached and the whole frame is cleared.
    /// </summary>
    private int StackClearStart()
    {
        int lowest = 0;
        foreach (var insn in _program)
        {
            bool memory = insn.IsLoadStore && insn.Class != InstructionClass.Ld;
            if (memory)
            {
                var baseRegister = insn.Class == InstructionClass.Ldx ? insn.Src : insn.Dst;
                if (insn.Class == InstructionClass.Stx && insn.Src == Register.R10) return 0; // stores the frame pointer
                if (baseRegister == Register.R10) lowest = Math.Min(lowest, insn.Offset);
            }
            else if (insn.Src == Register.R10 && insn.Source == OperandSource.Register && !insn.IsWide && !insn.IsCall || insn.IsCallRegister && insn.Dst == Register.R10)
            {
                return 0; // r10 flows into another register or a comparison
            }
        }
        return Math.Clamp(Options.StackSize + lowest, 0, Options.StackSize);
    }

    /// <summary>
    /// Decodes the program for <see cref="Execute{TMode}"/>. <paramref name="fuse"/> is false for traced runs: a
    /// superinstruction executes several instructions in one dispatch, and a trace must show each of them as its
    /// own step. Both forms run the same instructions with the same results (see <see cref="Fuse"/>).
    /// </summary>
    private DecodedSlot[] Prepare(bool fuse = true)
    {
        var uninitialized = RegisterInitAnalysis.FindUninitializedReads(_program, Options.EntryRegisters);
        if (uninitialized.Count > 0)
        {
            var (slot, reg) = uninitialized[0];
            string more = uninitialized.Count > 1 ? $" (and {uninitialized.Count - 1} more such read(s))" : "";
            throw ProgramError(slot, $"invalid read of r{reg}: no path to this instruction writes it{more}");
        }

        _stackClearFrom = StackClearStart();
        var code = new DecodedSlot[SlotCount];
        for (int i = 0; i < _program.Length; i++)
        {
            var insn = _program[i];
            int slot = _slotOf[i];
            byte op = insn.Opcode;
            if (insn.IsArithmetic && insn.Offset != 0)
            {
                bool is64 = insn.Class == InstructionClass.Alu64, reg = insn.Source == OperandSource.Register;
                op = insn.AluOperation switch
                {
                    AluOperation.Div => is64 ? (reg ? SDiv64Reg : SDiv64Imm) : (reg ? SDiv32Reg : SDiv32Imm),
                    AluOperation.Mod => is64 ? (reg ? SMod64Reg : SMod64Imm) : (reg ? SMod32Reg : SMod32Imm),
                    _ => is64 ? MovSx64 : MovSx32,
                };
            }
            else if (insn.IsCall)
            {
                switch ((CallKind)insn.Src)
                {
                    case CallKind.Local: op = LocalCall; break;
                    case CallKind.Kfunc: throw ProgramError(slot, $"kfunc call (BTF ID {insn.Imm}) cannot run: the VM has no kernel functions");
                    default:
                        // libbpf's poisoned CO-RE instruction is only an error if executed: the verifier accepts a
                        // program whose guard (bpf_core_field_exists) makes it unreachable, so it faults at run time.
                        if (Helpers.Find(insn.Imm) is null && insn.Imm != PoisonedRelocationHelper)
                            throw UnknownHelper(insn.Imm).At(slot, Describe(slot));
                        break;
                }
            }
            code[slot] = new DecodedSlot { Op = op, Dst = (byte)insn.Dst, Src = (byte)insn.Src, Off = insn.Offset, Imm = insn.Imm };
            if (insn.IsWide)
            {
                long value = insn.Imm64;
                if (insn.LoadImm64Kind == LoadImm64Kind.Function)
                {
                    // A callback's address (bpf_loop): the VM's own code, so no loader is involved.
                    long callee = slot + 1L + insn.Imm;
                    if (callee < 0 || callee >= SlotCount || Array.BinarySearch(_slotOf, (int)callee) < 0)
                        throw ProgramError(slot, $"lddw of a function address points at slot {callee}, which is not an instruction of this program (0..{SlotCount - 1})");
                    value = (long)FunctionAddress((int)callee);
                }
                else if (insn.LoadImm64Kind != LoadImm64Kind.Value)
                {
                    var resolve = _resolve ?? _host?._resolve;
                    if (resolve is null)
                        throw ProgramError(slot, $"lddw of a {insn.LoadImm64Kind} (imm {insn.Imm}) needs a loader to resolve it; none is attached");
                    try
                    {
                        value = (long)resolve(insn, slot);
                    }
                    catch (Exception e) when (e is not BpfRuntimeException { Slot: not null })
                    {
                        throw ProgramError(slot, $"lddw of a {insn.LoadImm64Kind} (imm {insn.Imm}) cannot be resolved: {(e is BpfRuntimeException b ? b.Reason : e.Message)}");
                    }
                }
                code[slot].Imm = (int)value;
                code[slot].Src = 0;
                code[slot + 1] = new DecodedSlot { Imm = (int)(value >> 32) };
            }
        }
        if (fuse) Fuse(code);
        return code;
    }

    /// <summary>
    /// Replaces the first slot of two patterns clang emits in every packet parser with a superinstruction, where no
    /// branch, call or return lands inside the pattern:
    /// <c>rA = rB; rA += K; if rA &gt; rC goto L</c> (the data_end bounds check) and
    /// <c>rA = *(u16|u32 *)(rB + off); rA = be16|be32|bswap16|bswap32 rA</c> (a network-order field).
    /// </summary>
    private void Fuse(DecodedSlot[] code)
    {
        var leader = new bool[code.Length + 1];
        for (int i = 0; i < _program.Length; i++)
        {
            if (_program[i].TargetSlot(_slotOf[i]) is long t && t >= 0 && t < leader.Length) leader[t] = true;
            if (_program[i].IsLocalCall || _program[i].IsCall || _program[i].IsCallRegister) leader[_slotOf[i] + 1] = true;
        }
        bool IsSwap(in DecodedSlot s, byte dst, int width) =>
            s.Dst == dst && s.Imm == width && s.Op is 0xdc or 0xd7; // be (ALU|X|END) or bswap (ALU64|END)
        for (int slot = 0; slot + 1 < code.Length; slot++)
        {
            ref var a = ref code[slot];
            ref var b = ref code[slot + 1];
            if (leader[slot + 1]) continue;
            if (a.Op == 0xbf && b.Op == 0x07 && b.Dst == a.Dst && slot + 2 < code.Length && !leader[slot + 2]
                && code[slot + 2].Op == 0x2d && code[slot + 2].Dst == a.Dst && a.Dst != a.Src)
            {
                a.Op = FusedBoundsCheck;
                a.Imm = b.Imm; // rA = rB + K; the compare's register and offset are read from slot + 2
            }
            else if (a.Op == 0x69 && IsSwap(b, a.Dst, 16)) a.Op = FusedLoad16Swap;
            else if (a.Op == 0x61 && IsSwap(b, a.Dst, 32)) a.Op = FusedLoad32Swap;
        }
    }
}
