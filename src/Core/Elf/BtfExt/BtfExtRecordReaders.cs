using BtfNotebooks.Btf;

namespace BtfNotebooks.Elf.BtfExt;

/// <summary>
/// Decodes the records of each kind of block, checking every field against the object (via
/// <see cref="BtfExtResolver"/>). Bytes of a record beyond the known fields (rec_size larger than the minimum) are
/// ignored, as libbpf does for forward compatibility.
/// </summary>
internal static class BtfExtRecordReaders
{
    /// <summary><c>struct bpf_func_info { u32 insn_off; u32 type_id; }</c></summary>
    public const int FuncInfoSize = 8;

    /// <summary><c>struct bpf_line_info { u32 insn_off; u32 file_name_off; u32 line_off; u32 line_col; }</c></summary>
    public const int LineInfoSize = 16;

    /// <summary><c>struct bpf_core_relo { u32 insn_off; u32 type_id; u32 access_str_off; u32 kind; }</c></summary>
    public const int CoreRelocationSize = 16;

    /// <summary>The largest kind number (<see cref="CoreRelocationKind.TypeMatches"/>); libbpf rejects anything above.</summary>
    private const uint LastKind = (uint)CoreRelocationKind.TypeMatches;

    public static IEnumerable<BtfFuncInfo> FuncInfos(BtfExtResolver r, BtfExtSubsection sub, BtfExtBlock block)
    {
        var section = r.CodeSection(block, sub.Name);
        for (int i = 0, at = block.RecordsOffset; i < block.Count; i++, at += sub.RecordSize)
        {
            int insn = r.InstructionOffset(section, sub.Name, at);
            uint typeId = r.TypeId(sub.Name, at + 4);
            // The kernel rejects func_info that does not point at a FUNC; so would every consumer of the record.
            if (r.Type(typeId) is var t && (t.IsVoid || t.Kind != BtfKind.Func))
                throw r.Bytes.Error($".BTF.ext func_info type_id {typeId} is {t}, not a FUNC", at + 4);
            yield return new BtfFuncInfo(section.Name, insn, typeId);
        }
    }

    public static IEnumerable<BtfLineInfo> LineInfos(BtfExtResolver r, BtfExtSubsection sub, BtfExtBlock block)
    {
        var section = r.CodeSection(block, sub.Name);
        for (int i = 0, at = block.RecordsOffset; i < block.Count; i++, at += sub.RecordSize)
        {
            int insn = r.InstructionOffset(section, sub.Name, at);
            var file = r.String(r.Bytes.U32(at + 4), "line_info file_name_off", at + 4);
            var text = r.String(r.Bytes.U32(at + 8), "line_info line_off", at + 8);
            var (line, column) = BtfLineInfo.SplitLineColumn(r.Bytes.U32(at + 12));
            yield return new BtfLineInfo(section.Name, insn, file, text, line, column);
        }
    }

    public static IEnumerable<CoreRelocationRecord> CoreRelocations(BtfExtResolver r, BtfExtSubsection sub, BtfExtBlock block)
    {
        var section = r.CodeSection(block, sub.Name);
        for (int i = 0, at = block.RecordsOffset; i < block.Count; i++, at += sub.RecordSize)
        {
            int insn = r.InstructionOffset(section, sub.Name, at);
            uint typeId = r.TypeId(sub.Name, at + 4);
            var access = r.String(r.Bytes.U32(at + 8), "core_relo access_str_off", at + 8);
            if (CoreAccessString.Problem(access) is { } problem)
                throw r.Bytes.Error($".BTF.ext core_relo access string '{access}' {problem}", at + 8);
            uint kind = r.Bytes.U32(at + 12);
            if (kind > LastKind)
                throw r.Bytes.Error($".BTF.ext core_relo kind {kind} is not a known CO-RE relocation kind (0..{LastKind})", at + 12);
            // The record index is the position within its block: libbpf's "relo #N".
            yield return new CoreRelocationRecord(section.Name, i, insn, typeId, access, (CoreRelocationKind)kind);
        }
    }
}
