using BtfNotebooks.Asm;

namespace BtfNotebooks.Vm;

/// <summary>
/// Finds reads of registers that no path to the instruction has written: the kernel verifier's "R0 !read_ok".
/// A union over paths ("may be written"), so it only reports reads that are uninitialized on every path and
/// never rejects a program the kernel's path-sensitive verifier would accept for this reason. Helper and local
/// calls clobber r1-r5, as in the kernel.
/// </summary>
internal static class RegisterInitAnalysis
{
    private const ushort R10 = 1 << 10;
    private const ushort CallerSaved = 0b111110; // r1-r5

    /// <summary>Every (slot, register) read before any write, in slot order.</summary>
    public static List<(int Slot, int Register)> FindUninitializedReads(IReadOnlyList<Instruction> program, IEnumerable<int> entryRegisters)
    {
        var slotOf = ProgramValidator.SlotIndex(program, out int slots);
        var indexAtSlot = new int[slots];
        Array.Fill(indexAtSlot, -1);
        for (int i = 0; i < slotOf.Length; i++) indexAtSlot[slotOf[i]] = i;

        var state = new ushort[slots];
        var seen = new bool[slots];
        var work = new Stack<int>();
        void Flow(int slot, ushort regs)
        {
            if ((uint)slot >= (uint)slots || indexAtSlot[slot] < 0) return; // ProgramValidator reports bad targets
            if (seen[slot] && (state[slot] | regs) == state[slot]) return;
            seen[slot] = true;
            state[slot] |= regs;
            work.Push(slot);
        }

        ushort entry = R10;
        foreach (int r in entryRegisters) entry |= (ushort)(1 << r);
        Flow(0, entry);
        foreach (var (insn, i) in program.Select((x, i) => (x, i)))
            if (insn.IsLocalCall) Flow(slotOf[i] + 1 + insn.Imm, R10 | CallerSaved);

        while (work.Count > 0)
        {
            int slot = work.Pop();
            var insn = program[indexAtSlot[slot]];
            ushort s = state[slot];
            ushort after = (ushort)(s | Defs(insn));
            if (insn.IsCall || insn.IsCallRegister) after = (ushort)((after | 1) & ~CallerSaved);
            if (insn.IsExit) continue;
            int next = slot + insn.SlotCount;
            if (insn.IsBranch)
            {
                Flow(next + insn.BranchDisplacement, after);
                if (insn.JumpOperation != JumpOperation.Ja) Flow(next, after);
            }
            else Flow(next, after);
        }

        var result = new List<(int, int)>();
        for (int slot = 0; slot < slots; slot++)
        {
            if (!seen[slot]) continue;
            ushort uses = Uses(program[indexAtSlot[slot]]);
            ushort missing = (ushort)(uses & ~state[slot]);
            for (int r = 0; r <= 10; r++)
                if ((missing & (1 << r)) != 0) result.Add((slot, r));
        }
        return result;
    }

    private static ushort Bit(Register r) => (ushort)(1 << (int)r);

    private static ushort Uses(in Instruction insn)
    {
        bool reg = insn.Source == OperandSource.Register;
        switch (insn.Class)
        {
            case InstructionClass.Alu:
            case InstructionClass.Alu64:
                if (insn.AluOperation == AluOperation.Mov) return reg ? Bit(insn.Src) : (ushort)0;
                return (ushort)(Bit(insn.Dst) | (reg && insn.AluOperation != AluOperation.End ? Bit(insn.Src) : 0));
            case InstructionClass.Ldx:
                return Bit(insn.Src);
            case InstructionClass.St:
                return Bit(insn.Dst);
            case InstructionClass.Stx:
                ushort u = (ushort)(Bit(insn.Dst) | Bit(insn.Src));
                if (insn.Mode == AccessMode.Atomic && insn.Imm == (int)AtomicOperation.Cmpxchg) u |= 1;
                return u;
            case InstructionClass.Ld:
                return 0;
            default:
                if (insn.IsExit) return 1;
                if (insn.IsCallRegister) return Bit(insn.Dst);
                if (insn.IsCall || insn.JumpOperation is JumpOperation.Ja or JumpOperation.Jcond) return 0;
                return (ushort)(Bit(insn.Dst) | (reg ? Bit(insn.Src) : 0));
        }
    }

    private static ushort Defs(in Instruction insn) => insn.Class switch
    {
        InstructionClass.Alu or InstructionClass.Alu64 or InstructionClass.Ldx or InstructionClass.Ld => Bit(insn.Dst),
        InstructionClass.Stx when insn.Mode == AccessMode.Atomic =>
            insn.Imm == (int)AtomicOperation.Cmpxchg ? (ushort)1 : (insn.Imm & 1) != 0 ? Bit(insn.Src) : (ushort)0,
        _ => 0,
    };
}
