namespace BtfNotebooks.Elf;

/// <summary>
/// The fields of the ELF64 file header a BPF object reader needs. Only ELF64 relocatable files for EM_BPF are
/// accepted: that is what clang emits for <c>-target bpf</c>/<c>bpfeb</c> and what libbpf loads.
/// </summary>
internal readonly record struct ElfHeader(ulong SectionHeaderOffset, int SectionHeaderEntrySize, int SectionCount, int SectionNamesIndex)
{
    public const int Size = 64;
    public const ushort MachineBpf = 247;   // EM_BPF
    public const ushort TypeRelocatable = 1; // ET_REL
    private const ushort IndexExtended = 0xFFFF; // SHN_XINDEX: the real e_shstrndx is in section 0's sh_link

    // Field offsets in the ELF64 header.
    private const int Type = 16, Machine = 18, ShOff = 40, ShEntSize = 58, ShNum = 60, ShStrNdx = 62;

    /// <summary>Reads the identification bytes: the byte order, after checking magic, class and machine.</summary>
    public static bool ReadByteOrder(byte[] data, string? source)
    {
        if (data.Length < 16) throw new ElfFormatException($"ELF identification truncated ({data.Length} of 16 bytes)", 0, source);
        if (data[0] != 0x7F || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F')
            throw new ElfFormatException($"not an ELF file (magic {data[0]:x2} {data[1]:x2} {data[2]:x2} {data[3]:x2}, expected 7f 45 4c 46)", 0, source);
        if (data[4] != 2)
            throw new ElfFormatException($"ELF EI_CLASS {data[4]} is not 2 (ELF64); BPF objects are ELF64", 4, source);
        return data[5] switch
        {
            1 => false,
            2 => true,
            _ => throw new ElfFormatException($"ELF EI_DATA {data[5]} is neither 1 (little-endian) nor 2 (big-endian)", 5, source),
        };
    }

    public static ElfHeader Read(ElfBytes elf)
    {
        if (elf.Length < Size) throw elf.Error($"ELF header truncated ({elf.Length} of {Size} bytes)", 0);
        var machine = elf.U16(Machine, "e_machine");
        if (machine != MachineBpf) throw elf.Error($"ELF e_machine {machine} is not EM_BPF ({MachineBpf})", Machine);
        var type = elf.U16(Type, "e_type");
        if (type != TypeRelocatable) throw elf.Error($"ELF e_type {type} is not ET_REL ({TypeRelocatable}): not a relocatable BPF object", Type);

        var shoff = elf.U64(ShOff, "e_shoff");
        int entsize = elf.U16(ShEntSize, "e_shentsize");
        uint count = elf.U16(ShNum, "e_shnum");
        uint names = elf.U16(ShStrNdx, "e_shstrndx");
        if (shoff == 0) throw elf.Error("ELF e_shoff is 0: the object has no section header table", ShOff);
        if (entsize < ElfSectionHeader.HeaderSize)
            throw elf.Error($"ELF e_shentsize {entsize} is smaller than a section header ({ElfSectionHeader.HeaderSize} bytes)", ShEntSize);
        if (!elf.Contains(shoff, (ulong)entsize))
            throw elf.Error($"ELF section header table at 0x{shoff:x} runs past end of file (0x{elf.Length:x} bytes)", ShOff);

        // With 0xff00 sections or more, the real count and name-table index are kept in section 0.
        if (count == 0) count = checked((uint)Math.Min(elf.U64((long)shoff + 32, "section 0 sh_size"), uint.MaxValue));
        if (names == IndexExtended) names = elf.U32((long)shoff + 40, "section 0 sh_link");
        if (count > (ulong)(elf.Length - (long)shoff) / (ulong)entsize)
            throw elf.Error($"ELF section header table runs past end of file ({count} entries of {entsize} bytes at 0x{shoff:x}, file is 0x{elf.Length:x} bytes)", ShOff);
        if (names == 0 || names >= count)
            throw elf.Error($"ELF e_shstrndx {names} does not name a section ({count} sections)", ShStrNdx);
        return new ElfHeader(shoff, entsize, (int)count, (int)names);
    }
}
