using System.Buffers.Binary;
using BtfNotebooks.Asm;
using BtfNotebooks.Elf.BtfExt;

namespace BtfNotebooks.Elf;

/// <summary>
/// Writes a .BTF.ext section holding CO-RE relocation records (func_info and line_info absent, length 0), the
/// way clang lays it out: a 32-byte header, then the core_relo subsection — <c>rec_size</c> (16) and one block per
/// program section (<c>sec_name_off, num_info</c>, records <c>insn_off, type_id, access_str_off, kind</c>).
/// Strings are offsets into the object's .BTF string section, which must already hold them.
/// </summary>
public static class BtfExtWriter
{
    private const int HeaderLength = 32, CoreRecordSize = 16;

    public static byte[] Write(IReadOnlyList<CoreRelocationRecord> records, Func<string, uint> stringOffset, ByteOrder order = ByteOrder.LittleEndian)
    {
        var words = new List<uint> { CoreRecordSize };
        foreach (var section in records.GroupBy(r => r.Section, StringComparer.Ordinal))
        {
            words.Add(stringOffset(section.Key));
            words.Add((uint)section.Count());
            foreach (var r in section.OrderBy(r => r.Index))
            {
                words.Add((uint)r.InstructionOffset);
                words.Add(r.TypeId);
                words.Add(stringOffset(r.Access));
                words.Add((uint)r.Kind);
            }
        }
        var bytes = new byte[HeaderLength + words.Count * 4];
        bool be = order == ByteOrder.BigEndian;
        void Put16(int at, ushort v) { if (be) BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(at), v); else BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), v); }
        void Put32(int at, uint v) { if (be) BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at), v); else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), v); }
        Put16(0, 0xEB9F);
        bytes[2] = 1;                  // version
        bytes[3] = 0;                  // flags
        Put32(4, HeaderLength);
        Put32(8, 0); Put32(12, 0);     // func_info: absent
        Put32(16, 0); Put32(20, 0);    // line_info: absent
        Put32(24, 0);                  // core_relo right after the header
        Put32(28, (uint)(words.Count * 4));
        for (int i = 0; i < words.Count; i++) Put32(HeaderLength + 4 * i, words[i]);
        return bytes;
    }
}
