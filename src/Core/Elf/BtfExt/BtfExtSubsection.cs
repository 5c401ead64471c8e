namespace BtfNotebooks.Elf.BtfExt;

/// <summary>
/// The layout of one info sub-section (func_info, line_info or core_relo): <c>u32 rec_size</c>, then blocks of
/// <c>{u32 sec_name_off; u32 num_info; num_info records}</c> until the sub-section's length is used up. Only the
/// structure is checked here (the rules of libbpf's <c>btf_ext_parse_sec_info</c>); what the records say is the
/// record readers' job.
/// </summary>
internal sealed record BtfExtSubsection(string Name, int RecordSize, IReadOnlyList<BtfExtBlock> Blocks)
{
    /// <summary>
    /// Walks the sub-section at <paramref name="bounds"/>. A sub-section of length 0 is absent (no blocks).
    /// <paramref name="foreignByteOrder"/>: libbpf swaps a foreign-order .BTF.ext record by record, so it only accepts
    /// records of exactly the known size there.
    /// </summary>
    public static BtfExtSubsection Read(BtfExtBytes ext, uint headerLength, BtfExtSubsectionBounds bounds, int minimumRecordSize, bool foreignByteOrder)
    {
        var name = bounds.Name;
        if (bounds.Length == 0) return new BtfExtSubsection(name, minimumRecordSize, []);
        if (bounds.Offset % 4 != 0)
            throw ext.Error($".BTF.ext {name}_off {bounds.Offset} is not a multiple of 4", bounds.FieldOffset);
        ulong start = (ulong)headerLength + bounds.Offset;
        if (!ext.Contains(start, bounds.Length))
            throw ext.Error($".BTF.ext {name} sub-section ({bounds.Length} bytes at {start}) runs past the end of .BTF.ext ({ext.Length} bytes)", bounds.FieldOffset);
        int at = (int)start, end = at + (int)bounds.Length;
        if (end - at < 4)
            throw ext.Error($".BTF.ext {name} sub-section is {bounds.Length} bytes, too short for its rec_size", at);

        uint recordSize = ext.U32(at);
        if (recordSize < minimumRecordSize || recordSize % 4 != 0 || foreignByteOrder && recordSize != minimumRecordSize)
            throw ext.Error($".BTF.ext {name} rec_size {recordSize} is invalid: it must be a multiple of 4 and " +
                (foreignByteOrder ? $"exactly {minimumRecordSize} in a .BTF.ext of the other byte order than the object" : $"at least {minimumRecordSize}"), at);
        at += 4;
        if (at == end)
            throw ext.Error($".BTF.ext {name} sub-section has a rec_size but no section blocks", at);

        var blocks = new List<BtfExtBlock>();
        while (at < end)
        {
            if (end - at < BtfExtBlock.HeaderSize)
                throw ext.Error($".BTF.ext {name} block header (sec_name_off, num_info) is truncated: {end - at} bytes left in the sub-section", at);
            uint count = ext.U32(at + 4);
            if (count == 0) throw ext.Error($".BTF.ext {name} block has num_info 0", at + 4);
            ulong blockSize = BtfExtBlock.HeaderSize + (ulong)count * recordSize;
            if (blockSize > (ulong)(end - at))
                throw ext.Error($".BTF.ext {name} block of {count} records of {recordSize} bytes runs past the end of the sub-section ({end - at - BtfExtBlock.HeaderSize} bytes left)", at + 4);
            blocks.Add(new BtfExtBlock(at, ext.U32(at), (int)count, at + BtfExtBlock.HeaderSize));
            at += (int)blockSize;
        }
        return new BtfExtSubsection(name, (int)recordSize, blocks);
    }
}

/// <summary>
/// One per-ELF-section block of an info sub-section: <see cref="Count"/> records starting at <see cref="RecordsOffset"/>
/// for the section whose name is at <see cref="SectionNameOffset"/> in the .BTF strings. Offsets are within .BTF.ext.
/// </summary>
internal sealed record BtfExtBlock(int Offset, uint SectionNameOffset, int Count, int RecordsOffset)
{
    public const int HeaderSize = 8;
}
