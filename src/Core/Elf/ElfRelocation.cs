namespace BtfNotebooks.Elf;

/// <summary>
/// One ELF64 SHT_REL entry: at byte <see cref="Offset"/> of its target section, relocation <see cref="Type"/> against
/// symbol <see cref="SymbolIndex"/>. BPF objects carry no addends; the instruction's own immediate serves as one.
/// </summary>
public sealed record ElfRelocation(ulong Offset, int SymbolIndex, uint Type, long EntryOffset)
{
    /// <summary>Bytes of one ELF64 Rel entry.</summary>
    public const int EntrySize = 16;

    /// <summary>R_BPF_64_64: a 64-bit immediate load (lddw) referring to the symbol (map, global data, subprogram address).</summary>
    public const uint Bpf64_64 = 1;

    /// <summary>R_BPF_64_32: a call's 32-bit immediate referring to the symbol (bpf-to-bpf call, extern function).</summary>
    public const uint Bpf64_32 = 10;
}
