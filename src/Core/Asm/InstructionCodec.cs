using System.Buffers.Binary;

namespace BtfNotebooks.Asm;

/// <summary>
/// Encodes and decodes the 8-byte BPF instruction slot in either byte order. Little-endian puts dst in the low
/// nibble of byte 1; big-endian puts it in the high nibble and stores offset and imm big-endian, as the kernel's
/// <c>struct bpf_insn</c> bitfields lay out on such hosts.
/// </summary>
public static class InstructionCodec
{
    public const int SlotSize = 8;

    /// <summary>Number of slots a sequence of instructions occupies.</summary>
    public static int SlotCount(IEnumerable<Instruction> program) => program.Sum(i => i.SlotCount);

    /// <summary>Encodes <paramref name="program"/> into a new byte array.</summary>
    public static byte[] Encode(IReadOnlyList<Instruction> program, ByteOrder order = ByteOrder.LittleEndian)
    {
        var bytes = new byte[SlotCount(program) * SlotSize];
        int at = 0;
        foreach (var insn in program)
        {
            WriteSlot(bytes.AsSpan(at), insn.Opcode, insn.Dst, insn.Src, insn.Offset, insn.Imm, order);
            at += SlotSize;
            if (insn.IsWide)
            {
                WriteSlot(bytes.AsSpan(at), 0, 0, 0, 0, insn.NextImm, order);
                at += SlotSize;
            }
        }
        return bytes;
    }

    /// <summary>
    /// Decodes every slot of <paramref name="bytes"/>. With <paramref name="validate"/>, every invalid instruction
    /// is reported (slot and reason) in one <see cref="BpfEncodingException"/>; without, only structural problems
    /// (a length that is not a multiple of 8, an lddw missing or corrupting its second slot) are errors, so a
    /// disassembler can still show invalid encodings.
    /// </summary>
    public static Instruction[] Decode(ReadOnlySpan<byte> bytes, ByteOrder order = ByteOrder.LittleEndian, bool validate = true, string? source = null)
    {
        var errors = new List<EncodingError>();
        if (bytes.Length % SlotSize != 0)
            errors.Add(new EncodingError(bytes.Length / SlotSize, $"program length {bytes.Length} is not a multiple of 8 bytes ({bytes.Length % SlotSize} trailing byte(s))"));
        int slots = bytes.Length / SlotSize;
        var result = new List<Instruction>(slots);
        for (int slot = 0; slot < slots; slot++)
        {
            var insn = ReadSlot(bytes.Slice(slot * SlotSize, SlotSize), order);
            if (insn.IsWide)
            {
                if (slot + 1 >= slots)
                {
                    errors.Add(new EncodingError(slot, "lddw is missing its second slot (program ends)"));
                    result.Add(insn);
                    continue;
                }
                var next = ReadSlot(bytes.Slice((slot + 1) * SlotSize, SlotSize), order);
                if (next.Opcode != 0 || next.Dst != 0 || next.Src != 0 || next.Offset != 0)
                    errors.Add(new EncodingError(slot + 1, $"second slot of lddw must have opcode, registers and offset zero (found opcode 0x{next.Opcode:x2})"));
                insn = insn with { NextImm = next.Imm };
                slot++;
            }
            if (validate && InstructionValidator.Validate(insn) is string reason)
                errors.Add(new EncodingError(insn.IsWide ? slot - 1 : slot, reason));
            result.Add(insn);
        }
        if (errors.Count > 0)
            throw new BpfEncodingException(errors, source);
        return result.ToArray();
    }

    /// <summary>Reads one 8-byte slot as a single-slot instruction (an lddw's <see cref="Instruction.NextImm"/> is left 0).</summary>
    public static Instruction ReadSlot(ReadOnlySpan<byte> slot, ByteOrder order)
    {
        byte regs = slot[1];
        return order == ByteOrder.LittleEndian
            ? new Instruction(slot[0], (Register)(regs & 0xf), (Register)(regs >> 4),
                BinaryPrimitives.ReadInt16LittleEndian(slot[2..]), BinaryPrimitives.ReadInt32LittleEndian(slot[4..]))
            : new Instruction(slot[0], (Register)(regs >> 4), (Register)(regs & 0xf),
                BinaryPrimitives.ReadInt16BigEndian(slot[2..]), BinaryPrimitives.ReadInt32BigEndian(slot[4..]));
    }

    /// <summary>Writes one 8-byte slot.</summary>
    public static void WriteSlot(Span<byte> slot, byte opcode, Register dst, Register src, short offset, int imm, ByteOrder order)
    {
        slot[0] = opcode;
        if (order == ByteOrder.LittleEndian)
        {
            slot[1] = (byte)(((byte)src << 4) | ((byte)dst & 0xf));
            BinaryPrimitives.WriteInt16LittleEndian(slot[2..], offset);
            BinaryPrimitives.WriteInt32LittleEndian(slot[4..], imm);
        }
        else
        {
            slot[1] = (byte)(((byte)dst << 4) | ((byte)src & 0xf));
            BinaryPrimitives.WriteInt16BigEndian(slot[2..], offset);
            BinaryPrimitives.WriteInt32BigEndian(slot[4..], imm);
        }
    }
}
