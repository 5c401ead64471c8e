using BtfNotebooks.Btf;

namespace BtfNotebooks.Kernels;

/// <summary>What a <see cref="KernelObject"/> field holds, which decides the values it takes.</summary>
public enum KernelFieldKind
{
    /// <summary>An integer (char, int, long, pid_t...), possibly a bitfield.</summary>
    Integer,
    /// <summary>A _Bool: 0/1 or true/false.</summary>
    Bool,
    /// <summary>An enum: a number or one of its enumerators' names.</summary>
    Enum,
    /// <summary>An array of 1-byte integers (char comm[16]): a NUL-terminated string.</summary>
    CharArray,
    /// <summary>
    /// A pointer (struct task_struct *real_parent): only a <see cref="KernelHeap"/> object sets one, to another heap
    /// object, a raw address or null; a lone <see cref="KernelObject"/> has nothing for it to point at.
    /// </summary>
    Pointer,
}

/// <summary>
/// Where one settable field of a kernel object lies in that kernel's layout: the bits from the start of the object
/// (through anonymous and embedded members), the width, signedness and the C type, so a notebook can show
/// <c>task_struct.pid</c> at byte 2416 on one kernel and 1264 on another.
/// </summary>
public sealed record KernelField(string Path, KernelFieldKind Kind, BtfType Type, string TypeName, ulong BitOffset, uint BitSize, bool IsSigned, bool IsBitfield)
{
    /// <summary>Byte offset of the field's first bit.</summary>
    public long ByteOffset => (long)(BitOffset / 8);

    /// <summary>Bytes the field spans (for a bitfield, the bytes its bits touch).</summary>
    public int ByteLength => (int)((BitOffset + BitSize + 7) / 8 - BitOffset / 8);

    /// <summary>Smallest value the field holds (for an enum without a signedness flag, the signed reading's).</summary>
    public Int128 Minimum => IsSigned || SignednessUnknown ? -(Int128.One << ((int)BitSize - 1)) : Int128.Zero;

    /// <summary>Largest value the field holds.</summary>
    public Int128 Maximum => IsSigned ? (Int128.One << ((int)BitSize - 1)) - 1 : UnsignedMaximum;

    /// <summary>All ones in <see cref="BitSize"/> bits: the largest bit pattern a hex literal may give.</summary>
    public Int128 UnsignedMaximum => (Int128.One << (int)BitSize) - 1;

    /// <summary>
    /// True for an enum whose BTF does not say whether it is signed (no kind_flag: BTF before kernel 6.0 never set
    /// it), so both readings of the bits are accepted.
    /// </summary>
    public bool SignednessUnknown { get; init; }

    /// <summary>"pid_t (32 bits, signed)", "unsigned int:1 (1 bit, unsigned)", "char[16]", "struct mm_struct * (64-bit pointer)".</summary>
    public string Description => Kind switch
    {
        KernelFieldKind.CharArray => TypeName,
        KernelFieldKind.Pointer => $"{TypeName} ({BitSize}-bit pointer)",
        _ => $"{TypeName} ({BitSize} bit{(BitSize == 1 ? "" : "s")}, {(Kind == KernelFieldKind.Bool ? "bool" : IsSigned ? "signed" : "unsigned")})",
    };

    public override string ToString() => IsBitfield
        ? $"{Path}: {Description} at bit {BitOffset} (byte {ByteOffset}, bit {BitOffset % 8})"
        : $"{Path}: {Description} at byte {ByteOffset}";
}
