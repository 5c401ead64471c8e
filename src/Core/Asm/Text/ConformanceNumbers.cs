using System.Globalization;

namespace BtfNotebooks.Asm.Text;

/// <summary>
/// Number operands of the conformance syntax, with bpf_conformance's range rules: unsigned hex may use the whole
/// field width (<c>0xffffffff</c> is imm -1, <c>0xffff</c> offset -1); decimal and signed hex must fit the signed
/// field. Nothing is silently truncated.
/// </summary>
internal static class ConformanceNumbers
{
    /// <summary>
    /// Parses <c>[+-]decimal</c> or <c>[+-]0xhex</c>; null when the text is not a number. Huge values clamp (range
    /// checks then fail). Hex without a minus is unsigned (<c>[%r1+0xffff]</c> is offset -1, as in bpf_conformance).
    /// </summary>
    public static (Int128 Value, bool UnsignedHex)? Parse(string text)
    {
        var s = text.AsSpan();
        bool negative = false;
        if (s.Length > 0 && (s[0] == '+' || s[0] == '-'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        bool hex = s.Length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        var digits = hex ? s[2..] : s;
        if (digits.Length == 0) return null;
        foreach (char c in digits)
            if (!(hex ? char.IsAsciiHexDigit(c) : char.IsAsciiDigit(c))) return null;
        Int128 magnitude = hex
            ? (UInt128.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var h) && h <= (UInt128)Int128.MaxValue ? (Int128)h : Int128.MaxValue)
            : (Int128.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : Int128.MaxValue);
        return (negative ? -magnitude : magnitude, hex && !negative);
    }

    public static int Imm32(ConformanceToken token)
    {
        var n = Parse(token.Text) ?? throw new ConformanceLineException(token.Column, $"Invalid immediate '{token.Text}': expected a decimal or 0x-hex number");
        if (n.UnsignedHex && n.Value >= 0 && n.Value <= uint.MaxValue) return (int)(uint)n.Value;
        if (n.Value >= int.MinValue && n.Value <= int.MaxValue) return (int)n.Value;
        throw new ConformanceLineException(token.Column, $"Immediate out of 32-bit range: {token.Text} (expected a decimal in {int.MinValue}..{int.MaxValue} or hex up to 0xffffffff)");
    }

    public static short Offset16(ConformanceToken token)
    {
        var n = Parse(token.Text) ?? throw new ConformanceLineException(token.Column, $"Invalid offset '{token.Text}': expected a decimal or 0x-hex number");
        if (n.UnsignedHex && n.Value >= 0 && n.Value <= ushort.MaxValue) return (short)(ushort)n.Value;
        if (n.Value >= short.MinValue && n.Value <= short.MaxValue) return (short)n.Value;
        throw new ConformanceLineException(token.Column, $"Offset out of 16-bit range: {token.Text} (expected a decimal in {short.MinValue}..{short.MaxValue} or hex up to 0xffff)");
    }

    /// <summary>lddw's constant: hex or positive decimal up to 2^64-1 (taken as unsigned), negative decimal down to -2^63.</summary>
    public static long Imm64(ConformanceToken token)
    {
        var n = Parse(token.Text) ?? throw new ConformanceLineException(token.Column, $"Invalid immediate '{token.Text}': expected a decimal or 0x-hex number");
        if (n.Value >= 0 && n.Value <= ulong.MaxValue) return (long)(ulong)n.Value;
        if (n.Value >= long.MinValue && n.Value < 0) return (long)n.Value;
        throw new ConformanceLineException(token.Column, $"Immediate out of 64-bit range: {token.Text} (expected hex up to 0xffffffffffffffff or a decimal in {long.MinValue}..{ulong.MaxValue})");
    }

    /// <summary>How the formatter writes a 32-bit immediate, as bpf_conformance does: small and negative values in decimal, the rest in hex.</summary>
    public static string FormatImm32(int imm) =>
        (imm < 0 && imm != int.MinValue) || imm is >= -10 and <= 10
            ? imm.ToString(CultureInfo.InvariantCulture)
            : "0x" + ((uint)imm).ToString("x", CultureInfo.InvariantCulture);

    public static string FormatImm64(long imm) =>
        (imm < 0 && imm != long.MinValue) || imm is >= -10 and <= 10
            ? imm.ToString(CultureInfo.InvariantCulture)
            : "0x" + ((ulong)imm).ToString("x", CultureInfo.InvariantCulture);

    /// <summary>A relative target: <c>+3</c>, <c>-1</c>, <c>+0</c>.</summary>
    public static string FormatRelative(int displacement) =>
        (displacement >= 0 ? "+" : "") + displacement.ToString(CultureInfo.InvariantCulture);

    public static string FormatDecimal(int value) => value.ToString(CultureInfo.InvariantCulture);
}
