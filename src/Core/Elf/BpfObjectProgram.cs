using BtfNotebooks.Asm;

namespace BtfNotebooks.Elf;

/// <summary>
/// One function of a BPF object: an entry program (in a section such as <c>xdp</c> or <c>socket</c>) or a
/// bpf-to-bpf subprogram (in <c>.text</c>). <see cref="SlotOffset"/> and <see cref="SlotCount"/> are in 8-byte
/// slots within the section, as llvm-objdump numbers them; <see cref="Instructions"/> are decoded in the object's
/// byte order, call immediates as the compiler left them (see <see cref="BpfObjectFile.LinkProgram"/>).
/// </summary>
public sealed record BpfObjectProgram(string SectionName, string Name, int SectionIndex, int SlotOffset, int SlotCount, IReadOnlyList<Instruction> Instructions, ElfSymbol Symbol)
{
    /// <summary>The section libbpf collects bpf-to-bpf subprograms from.</summary>
    public const string SubprogramSection = ".text";

    /// <summary>True for functions in <c>.text</c>, which libbpf links into the entry programs that call them.</summary>
    public bool IsSubprogram => SectionName == SubprogramSection;
}
