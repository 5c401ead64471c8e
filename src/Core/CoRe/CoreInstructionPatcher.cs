using BtfNotebooks.Asm;

namespace BtfNotebooks.CoRe;

/// <summary>How an instruction was rewritten: libbpf's patch classes and the values its log prints.</summary>
public enum CorePatchKind
{
    /// <summary>ALU/ALU64 with an immediate operand: imm replaced.</summary>
    AluImmediate,
    /// <summary>LDX/ST/STX: offset replaced, access size possibly rewritten.</summary>
    MemoryOffset,
    /// <summary>lddw: the 64-bit immediate replaced in both slots.</summary>
    LoadImm64,
    /// <summary>Replaced by a call to helper 0xbad2310 (both slots of an lddw).</summary>
    Poison,
}

/// <summary>
/// A patch as libbpf logs it: the value found in the instruction (unsigned 64-bit, a sign-extended imm/off) and
/// the value written, plus the access size change of a resized load/store.
/// </summary>
public sealed record CorePatch(CorePatchKind Kind, ulong? Old, ulong? New, int? OldMemorySize = null, int? NewMemorySize = null)
{
    /// <summary>libbpf's label: ALU/ALU64, LDX/ST/STX (+ mem_sz a->b), LDIMM64 or POISON.</summary>
    public string Label => Kind switch
    {
        CorePatchKind.AluImmediate => "ALU/ALU64",
        CorePatchKind.MemoryOffset => NewMemorySize is { } n ? $"LDX/ST/STX mem_sz {OldMemorySize}->{n}" : "LDX/ST/STX",
        CorePatchKind.LoadImm64 => "LDIMM64",
        _ => "POISON",
    };
}

/// <summary>
/// bpf_core_patch_insn: writes a relocation's value into the instruction at a slot of a program (slots are
/// single 8-byte instructions; an lddw's second slot is its own entry with opcode 0). Instructions whose shape
/// does not fit, or whose current value differs from the expected one, are errors.
/// </summary>
public static class CoreInstructionPatcher
{
    /// <summary>Helper number a poisoned instruction calls: 0xbad2310, "bad relo"; the verifier rejects it if reachable.</summary>
    public const int PoisonHelper = 0x0bad2310;

    private const byte LoadImm64 = Instruction.LoadImm64Opcode;

    public static CorePatch Patch(Instruction[] slots, int index, CoreRelocationValue value)
    {
        var insn = slots[index];
        if (value.Poison) return Poison(slots, index);
        switch (insn.Class)
        {
            case InstructionClass.Alu or InstructionClass.Alu64:
            {
                if (insn.Source != OperandSource.Immediate)
                    throw new CoreRelocationException($"insn #{index} (ALU/ALU64) has a register operand, not an immediate");
                ulong found = unchecked((ulong)(long)insn.Imm);
                if (value.Validate && found != value.Original)
                    throw new CoreRelocationException($"unexpected insn #{index} (ALU/ALU64) value: got {unchecked((uint)insn.Imm)}, exp {value.Original} -> {value.New}");
                slots[index] = insn with { Imm = unchecked((int)value.New) };
                return new CorePatch(CorePatchKind.AluImmediate, found, value.New);
            }
            case InstructionClass.Ldx or InstructionClass.St or InstructionClass.Stx:
            {
                ulong found = unchecked((ulong)(long)insn.Offset);
                if (value.Validate && found != value.Original)
                    throw new CoreRelocationException($"unexpected insn #{index} (LDX/ST/STX) value: got {unchecked((ushort)insn.Offset)}, exp {value.Original} -> {value.New}");
                if (value.New > (ulong)short.MaxValue)
                    throw new CoreRelocationException($"insn #{index} (LDX/ST/STX) value too big: {value.New}", "ERANGE");
                if (value.FailMemorySizeAdjust)
                    // libbpf: "accesses field incorrectly" (the sizes differ and the types cannot be resized)
                    return Poison(slots, index);
                insn = insn with { Offset = (short)value.New };
                int? oldSize = null, newSize = null;
                if (value.NewSize != value.OriginalSize)
                {
                    if (insn.AccessBytes != value.OriginalSize)
                        throw new CoreRelocationException($"insn #{index} (LDX/ST/STX) unexpected mem size: got {insn.AccessBytes}, exp {value.OriginalSize}");
                    var size = value.NewSize switch
                    {
                        8 => AccessSize.DoubleWord,
                        4 => AccessSize.Word,
                        2 => AccessSize.Half,
                        1 => AccessSize.Byte,
                        _ => throw new CoreRelocationException($"insn #{index} (LDX/ST/STX) invalid new mem size: {value.NewSize}"),
                    };
                    insn = insn with { Opcode = (byte)((insn.Opcode & 0xe7) | (byte)size) };
                    oldSize = (int)value.OriginalSize;
                    newSize = (int)value.NewSize;
                }
                slots[index] = insn;
                return new CorePatch(CorePatchKind.MemoryOffset, found, value.New, oldSize, newSize);
            }
            case InstructionClass.Ld:
            {
                bool wellFormed = insn.Opcode == LoadImm64 && insn.Src == 0 && insn.Offset == 0 && index + 1 < slots.Length
                    && slots[index + 1] is { Opcode: 0, Dst: 0, Src: 0, Offset: 0 };
                if (!wellFormed)
                    throw new CoreRelocationException($"insn #{index} (LDIMM64) has unexpected form");
                ulong found = (uint)insn.Imm | ((ulong)(uint)slots[index + 1].Imm << 32);
                if (value.Validate && found != value.Original)
                    throw new CoreRelocationException($"unexpected insn #{index} (LDIMM64) value: got {found}, exp {value.Original} -> {value.New}");
                slots[index] = insn with { Imm = unchecked((int)value.New) };
                slots[index + 1] = slots[index + 1] with { Imm = unchecked((int)(value.New >> 32)) };
                return new CorePatch(CorePatchKind.LoadImm64, found, value.New);
            }
            default:
                throw new CoreRelocationException(
                    $"trying to relocate unrecognized insn #{index}, code:0x{insn.Opcode:x}, src:0x{(byte)insn.Src:x}, dst:0x{(byte)insn.Dst:x}, off:0x{unchecked((ushort)insn.Offset):x}, imm:0x{insn.Imm:x}");
        }
    }

    /// <summary>bpf_core_poison_insn; an lddw's second slot first, so the verifier sees no stray opcode-0 slot.</summary>
    private static CorePatch Poison(Instruction[] slots, int index)
    {
        var poisoned = Instruction.Call(PoisonHelper) with { Src = Register.R0 };
        if (slots[index].Opcode == LoadImm64 && index + 1 < slots.Length) slots[index + 1] = poisoned;
        slots[index] = poisoned;
        return new CorePatch(CorePatchKind.Poison, null, null);
    }
}
