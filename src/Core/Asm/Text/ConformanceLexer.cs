namespace BtfNotebooks.Asm.Text;

/// <summary>A word of a conformance-syntax line and its 1-based column.</summary>
internal readonly record struct ConformanceToken(string Text, int Column);

/// <summary>An error on one line; the assembler records it and goes on with the next line.</summary>
internal sealed class ConformanceLineException(int column, string message) : Exception(message)
{
    public int Column { get; } = column;
}

/// <summary>
/// Splits a line into words. Whitespace and commas separate words (bpf_conformance reads whitespace-separated words
/// and drops a trailing comma); a bracketed memory operand is one word even with spaces inside (<c>[%r10 - 8]</c>);
/// <c>#</c> and <c>;</c> start a comment.
/// </summary>
internal static class ConformanceLexer
{
    public static List<ConformanceToken> Tokenize(string line)
    {
        var tokens = new List<ConformanceToken>();
        int i = 0;
        while (i < line.Length)
        {
            char c = line[i];
            if (c is '#' or ';') break;
            if (char.IsWhiteSpace(c) || c == ',')
            {
                i++;
                continue;
            }
            int start = i;
            if (c == '[')
            {
                int close = line.IndexOf(']', i);
                i = close < 0 ? line.Length : close + 1;
            }
            else
            {
                while (i < line.Length && !char.IsWhiteSpace(line[i]) && line[i] is not (',' or '#' or ';' or '[')) i++;
            }
            tokens.Add(new ConformanceToken(line[start..i], start + 1));
        }
        return tokens;
    }
}
