namespace BtfNotebooks.Btf.CDump;

/// <summary>
/// Making the compiler give an enum its BTF size. C makes an enum int-sized unless a value needs more, so
/// other sizes are forced with GCC's mode attribute (clang has it too).
/// </summary>
internal static class CEnumLayout
{
    /// <summary>The attribute to print after the closing brace (with its leading space), or "".</summary>
    public static string SizeAttribute(BtfType e, int pointerSize)
    {
        switch (e.Size)
        {
            case 1:
                return " __attribute__((mode(byte)))";
            case 2:
                // libbpf prints nothing here, and the enum becomes 4 bytes.
                return " __attribute__((mode(HI)))";
            case 8 when !ValuesNeed64Bits(e):
                // mode(word) is what libbpf prints on 64-bit targets; a word is 4 bytes on 32-bit ones, where
                // libbpf prints nothing and the enum ends up 4 bytes, so say DI (8 bytes) there.
                return pointerSize == 8 ? " __attribute__((mode(word)))" : " __attribute__((mode(DI)))";
            default:
                return "";
        }
    }

    /// <summary>
    /// Whether the compiler widens the enum to 64 bits by itself: the values fit neither int nor unsigned int.
    /// (libbpf looks only at the upper 32 bits of ENUM64 values, so it takes a signed enum with a negative value
    /// for a wide one, and prints it 4 bytes long.)
    /// </summary>
    private static bool ValuesNeed64Bits(BtfType e)
    {
        if (e.Kind != BtfKind.Enum64) return false;
        bool allInt = true, allUnsignedInt = true;
        foreach (var v in e.EnumValues)
        {
            if (v.IsSigned)
            {
                long s = v.SignedValue;
                allInt &= s is >= int.MinValue and <= int.MaxValue;
                allUnsignedInt &= s is >= 0 and <= uint.MaxValue;
            }
            else
            {
                allInt &= v.UnsignedValue <= int.MaxValue;
                allUnsignedInt &= v.UnsignedValue <= uint.MaxValue;
            }
        }
        return !(allInt || allUnsignedInt);
    }
}
