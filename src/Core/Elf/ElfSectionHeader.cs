namespace BtfNotebooks.Elf;

/// <summary>
/// One section header (ELF32 or ELF64), its name resolved. <see cref="HeaderOffset"/> is where the header itself sits in the
/// file, so errors about a section can point at it.
/// </summary>
public sealed record ElfSectionHeader(
    int Index, string Name, uint Type, ulong Flags, ulong Offset, ulong Size, uint Link, uint Info, ulong EntrySize, long HeaderOffset)
{
    public const uint TypeProgBits = 1, TypeSymbolTable = 2, TypeStringTable = 3, TypeRel = 9, TypeNoBits = 8;
    public const ulong FlagWrite = 0x1, FlagAlloc = 0x2, FlagExecInstr = 0x4, FlagCompressed = 0x800;

    /// <summary>SHF_EXECINSTR: the section holds BPF instructions (a program section or <c>.text</c>).</summary>
    public bool IsExecutable => (Flags & FlagExecInstr) != 0;

    /// <summary>SHT_NOBITS (e.g. <c>.bss</c>): occupies no bytes in the file.</summary>
    public bool HasNoFileData => Type == TypeNoBits;
}
