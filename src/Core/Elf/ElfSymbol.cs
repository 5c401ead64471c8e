namespace BtfNotebooks.Elf;

/// <summary>
/// One ELF64 symbol table entry, its name resolved. <see cref="Value"/> is the byte offset inside section
/// <see cref="SectionIndex"/> (relocatable objects have no addresses); <see cref="EntryOffset"/> is where the entry
/// sits in the file.
/// </summary>
public sealed record ElfSymbol(int Index, string Name, byte Info, byte Other, ushort SectionIndex, ulong Value, ulong Size, long EntryOffset)
{
    /// <summary>Bytes of one ELF64 symbol.</summary>
    public const int EntrySize = 24;

    public const byte TypeNoType = 0, TypeObject = 1, TypeFunction = 2, TypeSection = 3, TypeFile = 4;
    public const byte BindLocal = 0, BindGlobal = 1, BindWeak = 2;
    public const ushort SectionUndefined = 0, SectionReservedStart = 0xff00;

    /// <summary>STT_* (low nibble of st_info).</summary>
    public byte Type => (byte)(Info & 0xf);

    /// <summary>STB_* (high nibble of st_info).</summary>
    public byte Binding => (byte)(Info >> 4);

    public bool IsFunction => Type == TypeFunction;

    /// <summary>True when <see cref="SectionIndex"/> names a real section (not undefined, ABS, COMMON or XINDEX).</summary>
    public bool IsInSection => SectionIndex != SectionUndefined && SectionIndex < SectionReservedStart;
}
