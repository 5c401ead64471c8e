using BtfNotebooks.Btf;

namespace BtfNotebooks.Elf.BtfExt;

/// <summary>
/// Gives meaning to the numbers in .BTF.ext records: string offsets into the object's .BTF strings, section names to
/// the object's code sections, instruction offsets within them, type IDs into .BTF. Each failure is reported at
/// the .BTF.ext offset of the field that holds the bad number.
/// </summary>
internal sealed class BtfExtResolver(BtfExtBytes ext, BtfSpec btf, Func<string, ElfSectionHeader?> findSection)
{
    public BtfExtBytes Bytes => ext;

    /// <summary>The .BTF string at <paramref name="offset"/>, which field <paramref name="field"/> at <paramref name="at"/> holds.</summary>
    public string String(uint offset, string field, int at)
    {
        if (offset >= btf.TotalStringLength)
            throw ext.Error($".BTF.ext {field} {offset} is outside the .BTF strings ({btf.TotalStringLength} bytes)", at);
        return btf.GetString(offset);
    }

    /// <summary>
    /// The code section a block is for. libbpf itself skips a block whose name is empty or unknown; such a block
    /// can only come from a corrupted or hand-made object, so it is reported rather than silently dropped.
    /// </summary>
    public ElfSectionHeader CodeSection(BtfExtBlock block, string subsection)
    {
        var name = String(block.SectionNameOffset, $"{subsection} sec_name_off", block.Offset);
        if (name.Length == 0) throw ext.Error($".BTF.ext {subsection} block names no section (empty sec_name_off string)", block.Offset);
        var section = findSection(name)
            ?? throw ext.Error($".BTF.ext {subsection} block is for section '{name}', which the object does not have", block.Offset);
        if (!section.IsExecutable || section.HasNoFileData)
            throw ext.Error($".BTF.ext {subsection} block is for section '{name}', which is not a code section", block.Offset);
        return section;
    }

    /// <summary>
    /// The record's <c>insn_off</c>: a byte offset of an instruction. One past the end of <paramref name="section"/>
    /// is kept, as libbpf keeps it: such a record belonged to a <c>__weak</c> subprogram the linker dropped, and
    /// relocation skips it (the CO-RE engine reports it as skipped) rather than failing the object.
    /// </summary>
    public int InstructionOffset(ElfSectionHeader section, string subsection, int at)
    {
        uint offset = ext.U32(at);
        if (offset % 8 != 0)
            throw ext.Error($".BTF.ext {subsection} insn_off {offset} is not a multiple of 8 (an instruction boundary)", at);
        if (offset > int.MaxValue)
            throw ext.Error($".BTF.ext {subsection} insn_off {offset} is too large for a section offset (section '{section.Name}' is {section.Size} bytes)", at);
        return (int)offset;
    }

    /// <summary>A type ID that must name a type of .BTF (0, void, included).</summary>
    public uint TypeId(string subsection, int at)
    {
        uint id = ext.U32(at);
        if (!btf.Contains(id))
            throw ext.Error($".BTF.ext {subsection} type_id {id} is not in .BTF (type IDs 0..{btf.TypeCount - 1})", at);
        return id;
    }

    /// <summary>The kind of the type with ID <paramref name="id"/> (checked by <see cref="TypeId"/>).</summary>
    public BtfType Type(uint id) => btf[id];
}
