namespace BtfNotebooks.Asm.Text;

/// <summary>A jump or call target: a relative displacement, or a label resolved once every label is known.</summary>
internal readonly record struct ConformanceTarget(int Displacement, string? Label, int Column);

/// <summary>Register, memory and target operands of the conformance syntax. Each failure names what was expected.</summary>
internal static class ConformanceOperands
{
    /// <summary><c>%r0</c>..<c>%r10</c>; the <c>%</c> is optional (<c>r1</c>).</summary>
    public static Register Register(ConformanceToken token) =>
        TryRegister(token.Text, out var reg) ? reg
            : throw new ConformanceLineException(token.Column, $"Invalid register: {token.Text} (expected %r0..%r10)");

    public static bool TryRegister(string text, out Register register)
    {
        var s = text.AsSpan();
        if (s.StartsWith("%")) s = s[1..];
        register = default;
        if (s.Length < 2 || (s[0] != 'r' && s[0] != 'R')) return false;
        s = s[1..];
        foreach (char c in s)
            if (!char.IsAsciiDigit(c)) return false;
        if (s.Length > 2 || (s.Length == 2 && s[0] == '0')) return false;
        int n = int.Parse(s, provider: System.Globalization.CultureInfo.InvariantCulture);
        if (n > 10) return false;
        register = (Register)n;
        return true;
    }

    /// <summary>True when the token reads as a register (so a second operand is the register form, not an immediate).</summary>
    public static bool LooksLikeRegister(ConformanceToken token) =>
        token.Text.StartsWith('%') || (token.Text.Length > 1 && token.Text[0] is 'r' or 'R' && char.IsAsciiDigit(token.Text[1]));

    /// <summary><c>[%rN]</c>, <c>[%rN+off]</c> or <c>[%rN-off]</c> with a 16-bit offset.</summary>
    public static (Register Base, short Offset) Memory(ConformanceToken token)
    {
        string text = token.Text;
        if (text.Length < 2 || text[0] != '[' || text[^1] != ']')
            throw new ConformanceLineException(token.Column, $"Invalid memory operand '{text}': expected [%rN], [%rN+offset] or [%rN-offset]");
        string inner = text[1..^1];
        int sign = inner.IndexOfAny(['+', '-']);
        string reg = (sign < 0 ? inner : inner[..sign]).Trim();
        int regColumn = token.Column + 1 + (inner.Length - inner.TrimStart().Length);
        var register = Register(new ConformanceToken(reg, regColumn));
        if (sign < 0) return (register, 0);
        string offset = inner[sign] + inner[(sign + 1)..].Replace(" ", "", StringComparison.Ordinal).Trim();
        return (register, ConformanceNumbers.Offset16(new ConformanceToken(offset, token.Column + 1 + sign)));
    }

    /// <summary>
    /// <c>+N</c>/<c>-N</c> (relative to the next slot) or a label name. <paramref name="wide"/> targets (ja32,
    /// call local, lddw func) live in the 32-bit imm field, the others in the 16-bit offset.
    /// </summary>
    public static ConformanceTarget Target(ConformanceToken token, bool wide)
    {
        string text = token.Text;
        if (text.StartsWith('+') || text.StartsWith('-'))
        {
            int displacement = wide ? ConformanceNumbers.Imm32(token) : ConformanceNumbers.Offset16(token);
            return new ConformanceTarget(displacement, null, token.Column);
        }
        if (!IsLabelName(text))
            throw new ConformanceLineException(token.Column, $"Invalid label: {text} (expected +N, -N or a label name)");
        return new ConformanceTarget(0, text, token.Column);
    }

    /// <summary>Letters, digits, <c>_</c>, <c>.</c> and <c>$</c>, not starting with a sign.</summary>
    public static bool IsLabelName(string text) =>
        text.Length > 0 && text[0] is not ('+' or '-') && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '$');
}
