using BtfNotebooks.Asm;

namespace BtfNotebooks.Elf;

/// <summary>
/// An executable section decoded into instructions, with the slot each instruction starts at, so functions (given
/// in slots by their symbols) and relocations (given in bytes) can be mapped to instructions.
/// </summary>
internal sealed class CodeSection
{
    private readonly Dictionary<int, int> _indexOfSlot;

    private CodeSection(ElfSectionHeader header, Instruction[] instructions)
    {
        Header = header;
        Instructions = instructions;
        SlotOf = ProgramValidator.SlotIndex(instructions, out int slots);
        SlotCount = slots;
        _indexOfSlot = new Dictionary<int, int>(instructions.Length);
        for (int i = 0; i < SlotOf.Length; i++) _indexOfSlot[SlotOf[i]] = i;
    }

    public ElfSectionHeader Header { get; }
    public Instruction[] Instructions { get; }
    public int[] SlotOf { get; }
    public int SlotCount { get; }

    /// <summary>Decodes the section; a bad length or invalid instruction is reported at its file offset.</summary>
    public static CodeSection Decode(ElfBytes elf, ElfSectionHeader header)
    {
        if (header.Size % InstructionCodec.SlotSize != 0)
            throw elf.Error($"executable section '{header.Name}' size 0x{header.Size:x} is not a multiple of {InstructionCodec.SlotSize} (BPF instruction slots)", header.HeaderOffset);
        var bytes = elf.Range(header.Offset, header.Size, $"section '{header.Name}'", header.HeaderOffset).Span;
        try
        {
            return new CodeSection(header, InstructionCodec.Decode(bytes, elf.BigEndian ? ByteOrder.BigEndian : ByteOrder.LittleEndian));
        }
        catch (BpfEncodingException e)
        {
            var first = e.Errors[0];
            throw new ElfFormatException(
                $"section '{header.Name}' slot {first.Slot}: {first.Reason}{(e.Errors.Count > 1 ? $" (and {e.Errors.Count - 1} more)" : "")}",
                (long)header.Offset + (long)first.Slot * InstructionCodec.SlotSize, elf.Source, e);
        }
    }

    /// <summary>Index of the instruction starting at <paramref name="slot"/>, or null (inside an lddw, or past the end).</summary>
    public int? IndexOfSlot(int slot) => _indexOfSlot.TryGetValue(slot, out int i) ? i : null;

    /// <summary>Instructions of slots [<paramref name="slot"/>, +<paramref name="count"/>), or null when a boundary splits an lddw.</summary>
    public Instruction[]? Slice(int slot, int count)
    {
        if (IndexOfSlot(slot) is not int first) return null;
        int? end = slot + count == SlotCount ? Instructions.Length : IndexOfSlot(slot + count);
        return end is int last ? Instructions[first..last] : null;
    }
}
