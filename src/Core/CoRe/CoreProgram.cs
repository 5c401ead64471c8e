using BtfNotebooks.Asm;
using BtfNotebooks.Elf;

namespace BtfNotebooks.CoRe;

/// <summary>
/// One program's code as CO-RE sees it: in ELF section <see cref="Section"/>, starting at slot
/// <see cref="SlotOffset"/>, one entry per 8-byte slot (an lddw's second slot is an opcode-0 entry holding the
/// high immediate). Programs with <see cref="Autoload"/> false (libbpf's <c>SEC("?...")</c>) are not relocated.
/// </summary>
public sealed record CoreProgram(string Section, string Name, int SlotOffset, IReadOnlyList<Instruction> Slots, bool Autoload = true)
{
    /// <summary>From decoded instructions (lddw as one <see cref="Instruction"/>), split into slots.</summary>
    public static CoreProgram FromInstructions(string section, string name, int slotOffset, IEnumerable<Instruction> program, bool autoload = true)
    {
        var slots = new List<Instruction>();
        foreach (var insn in program)
        {
            slots.Add(insn.IsWide ? insn with { NextImm = 0 } : insn);
            if (insn.IsWide) slots.Add(new Instruction(0, Register.R0, Register.R0, 0, insn.NextImm));
        }
        return new CoreProgram(section, name, slotOffset, slots, autoload);
    }

    /// <summary>
    /// A function of an ELF object. libbpf does not load programs of sections named <c>?...</c> unless asked.
    /// </summary>
    public static CoreProgram FromObject(BpfObjectProgram program) =>
        FromInstructions(program.SectionName, program.Name, program.SlotOffset, program.Instructions, autoload: !program.SectionName.StartsWith('?'));

    /// <summary>Raw bytes of a program (8 bytes per slot) in the given byte order.</summary>
    public static CoreProgram FromBytes(string section, string name, int slotOffset, ReadOnlySpan<byte> code, ByteOrder order = ByteOrder.LittleEndian)
    {
        var slots = new Instruction[code.Length / InstructionCodec.SlotSize];
        for (int i = 0; i < slots.Length; i++)
            slots[i] = InstructionCodec.ReadSlot(code.Slice(i * InstructionCodec.SlotSize, InstructionCodec.SlotSize), order);
        return new CoreProgram(section, name, slotOffset, slots);
    }

    public bool ContainsSlot(string section, int slot) => section == Section && slot >= SlotOffset && slot < SlotOffset + Slots.Count;
}
