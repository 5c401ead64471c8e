namespace BtfNotebooks.Asm.Text;

/// <summary>What a token of the pseudo-C syntax is.</summary>
internal enum LlvmTokenKind
{
    /// <summary>A name: register, keyword, label, helper name, size (<c>u32</c>).</summary>
    Identifier,
    /// <summary>An unsigned literal, decimal or 0x hex; a leading sign is its own token.</summary>
    Number,
    /// <summary>An operator or punctuation, longest match (<c>s&gt;&gt;=</c>, <c>&lt;&lt;=</c>, <c>==</c>, <c>(</c>).</summary>
    Symbol,
    /// <summary>A CO-RE operand <c>%name(arguments)</c>, taken whole (<see cref="CoreOperand"/>).</summary>
    CoreOperand,
    /// <summary>End of the line's code (end of text or start of a comment).</summary>
    End,
}

/// <summary>One token with its 1-based column, so every error can point at what it is about.</summary>
internal readonly record struct LlvmToken(LlvmTokenKind Kind, string Text, int Column, UInt128 Value = default)
{
    public bool Is(string text) => Kind != LlvmTokenKind.End && Text == text;

    public string Describe() => Kind == LlvmTokenKind.End ? "end of line" : $"'{Text}'";
}

/// <summary>
/// Splits one line of pseudo-C into tokens. Comments start at <c>;</c>, <c>//</c> or <c>#</c>, except that a
/// <c>#</c> glued to a name and followed by a number is the kernel's helper spelling (<c>call bpf_ktime_get_ns#5</c>).
/// The signed comparison and assignment operators (<c>s&lt;=</c>, <c>s&gt;&gt;=</c>, <c>s/=</c>) are single tokens.
/// </summary>
internal static class LlvmTokenizer
{
    // Longest first, so "<<=" wins over "<<" and "<=".
    private static readonly string[] Symbols =
    [
        "s>>=", "<<=", ">>=", "s/=", "s%=", "s>=", "s<=", "==", "!=", ">=", "<=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
        "s>", "s<", "=", ">", "<", "&", "*", "(", ")", "+", "-", ",", "[", "]", ":", "#",
    ];

    /// <summary>Tokens of <paramref name="line"/> from index <paramref name="start"/>; null and an error when a character fits no token.</summary>
    public static List<LlvmToken> Tokenize(string line, int start, out AsmDiagnosticDraft? error)
    {
        var tokens = new List<LlvmToken>();
        error = null;
        int i = start;
        while (i < line.Length)
        {
            char c = line[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == ';' || (c == '/' && i + 1 < line.Length && line[i + 1] == '/')) break;
            if (c == '#' && !IsHelperHash(line, i, tokens)) break;
            if (c == 's' && i + 1 < line.Length && "<>/%".Contains(line[i + 1]) && !IsNameChar(Prev(line, i)))
            {
                var signed = Symbols.FirstOrDefault(s => s[0] == 's' && string.CompareOrdinal(line, i, s, 0, s.Length) == 0);
                if (signed is not null)
                {
                    tokens.Add(new LlvmToken(LlvmTokenKind.Symbol, signed, i + 1));
                    i += signed.Length;
                    continue;
                }
            }
            if (c == '%' && i + 1 < line.Length && IsNameStart(line[i + 1]))
            {
                // %core_...(...): the arguments name BTF types and fields, resolved later; keep them verbatim.
                int nameEnd = i + 1;
                while (nameEnd < line.Length && IsNameChar(line[nameEnd])) nameEnd++;
                if (nameEnd >= line.Length || line[nameEnd] != '(')
                {
                    error = new AsmDiagnosticDraft(nameEnd + 1, $"expected '(' after '{line[i..nameEnd]}'");
                    return tokens;
                }
                int close = line.IndexOf(')', nameEnd);
                if (close < 0)
                {
                    error = new AsmDiagnosticDraft(nameEnd + 1, $"'{line[i..(nameEnd + 1)]}' has no closing ')'");
                    return tokens;
                }
                tokens.Add(new LlvmToken(LlvmTokenKind.CoreOperand, line[i..(close + 1)], i + 1));
                i = close + 1;
                continue;
            }
            if (IsNameStart(c))
            {
                int end = i + 1;
                while (end < line.Length && IsNameChar(line[end])) end++;
                tokens.Add(new LlvmToken(LlvmTokenKind.Identifier, line[i..end], i + 1));
                i = end;
                continue;
            }
            if (char.IsAsciiDigit(c))
            {
                int end = i;
                bool hex = c == '0' && i + 1 < line.Length && (line[i + 1] is 'x' or 'X');
                if (hex) end += 2;
                while (end < line.Length && (hex ? char.IsAsciiHexDigit(line[end]) : char.IsAsciiDigit(line[end]))) end++;
                if (end < line.Length && IsNameChar(line[end]) || (hex && end == i + 2))
                {
                    while (end < line.Length && IsNameChar(line[end])) end++;
                    error = new AsmDiagnosticDraft(i + 1, $"'{line[i..end]}' is not a number (decimal, or hex with 0x)");
                    return tokens;
                }
                if (!UInt128.TryParse(hex ? line[(i + 2)..end] : line[i..end], hex ? System.Globalization.NumberStyles.AllowHexSpecifier : System.Globalization.NumberStyles.None,
                        System.Globalization.CultureInfo.InvariantCulture, out var value) || value > ulong.MaxValue)
                {
                    error = new AsmDiagnosticDraft(i + 1, $"number '{line[i..end]}' does not fit in 64 bits");
                    return tokens;
                }
                tokens.Add(new LlvmToken(LlvmTokenKind.Number, line[i..end], i + 1, value));
                i = end;
                continue;
            }
            var symbol = Symbols.FirstOrDefault(s => s[0] != 's' && string.CompareOrdinal(line, i, s, 0, s.Length) == 0);
            if (symbol is null)
            {
                error = new AsmDiagnosticDraft(i + 1, $"unexpected character '{c}'");
                return tokens;
            }
            tokens.Add(new LlvmToken(LlvmTokenKind.Symbol, symbol, i + 1));
            i += symbol.Length;
        }
        tokens.Add(new LlvmToken(LlvmTokenKind.End, "", Math.Min(i, line.Length) + 1));
        return tokens;
    }

    // "bpf_ktime_get_ns#5" / "kfunc#-3": the '#' touches a name and a number follows.
    private static bool IsHelperHash(string line, int i, List<LlvmToken> tokens) =>
        tokens.Count > 0 && tokens[^1].Kind == LlvmTokenKind.Identifier && tokens[^1].Column - 1 + tokens[^1].Text.Length == i
        && i + 1 < line.Length && (char.IsAsciiDigit(line[i + 1]) || line[i + 1] == '-');

    private static char Prev(string line, int i) => i > 0 ? line[i - 1] : ' ';

    public static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c is '_' or '.' or '$';

    public static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '$';
}

/// <summary>An error before its line number is known: column and message.</summary>
internal readonly record struct AsmDiagnosticDraft(int Column, string Message);
