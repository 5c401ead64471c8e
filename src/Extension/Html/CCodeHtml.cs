using System.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.CDump;
using static BtfNotebooks.Extension.Html.HtmlText;

namespace BtfNotebooks.Extension.Html;

/// <summary>
/// C text (a type's definition from the C dump, or a whole header) in a <c>pre</c> with light highlighting:
/// keywords, comments, preprocessor lines, string and character literals, numbers. A small lexer is enough for
/// what the dump prints; anything it does not recognise is shown as plain, escaped text, never dropped.
/// </summary>
public static class CCodeHtml
{
    /// <summary>Keywords of C11 plus the GNU spellings the dump and kernel headers use.</summary>
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
        "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
        "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
        "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn", "_Static_assert",
        "_Thread_local", "__attribute__", "__attribute", "__restrict", "__restrict__", "__volatile__", "__inline",
        "__inline__", "__signed__", "__const", "__typeof__", "typeof", "__int128", "__asm__", "asm",
    };

    /// <summary><paramref name="source"/> highlighted, as a self-contained HTML fragment.</summary>
    public static string Render(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Fragment("c", $"<pre class=\"c\">{Highlight(source)}</pre>");
    }

    /// <summary>
    /// The C declaration of one type as the C dump writes it (<see cref="CHeaderWriter.Declaration"/>: a struct
    /// with its body, an enum, a typedef, a function prototype), highlighted.
    /// </summary>
    public static string Declaration(BtfSpec spec, uint typeId, CHeaderOptions? options = null) =>
        Render(CHeaderWriter.Declaration(spec, typeId, options));

    /// <summary>The declaration of a type named as <see cref="BtfSpec.FindType"/> takes it ("struct file", "pid_t").</summary>
    public static string Declaration(BtfSpec spec, string typeReference, CHeaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Declaration(spec, spec.FindType(typeReference).Id, options);
    }

    /// <summary>The highlighted, escaped body of the <c>pre</c>: spans with classes kw, cm, pp, str, num.</summary>
    internal static string Highlight(string source)
    {
        var html = new StringBuilder(source.Length * 5 / 4);
        int i = 0;
        bool lineStart = true;
        while (i < source.Length)
        {
            char c = source[i];
            int start = i;
            if (c == '/' && Peek(source, i + 1) == '*')
            {
                int end = source.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? source.Length : end + 2;
                Span(html, "cm", source[start..i]);
                continue;
            }
            if (c == '/' && Peek(source, i + 1) == '/')
            {
                i = LineEnd(source, i);
                Span(html, "cm", source[start..i]);
                continue;
            }
            if (c == '#' && lineStart)
            {
                // A directive runs to the end of the line, through backslash continuations.
                int end = LineEnd(source, i);
                while (end < source.Length && source[end - 1] == '\\') end = LineEnd(source, end + 1);
                i = end;
                Span(html, "pp", source[start..i]);
                continue;
            }
            if (c is '"' or '\'')
            {
                i++;
                while (i < source.Length && source[i] != c && source[i] != '\n') i += source[i] == '\\' ? 2 : 1;
                i = Math.Min(i + 1, source.Length);
                Span(html, "str", source[start..i]);
                lineStart = false;
                continue;
            }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < source.Length && (char.IsAsciiLetterOrDigit(source[i]) || source[i] == '_')) i++;
                string word = source[start..i];
                if (Keywords.Contains(word)) Span(html, "kw", word);
                else html.Append(Escape(word));
                lineStart = false;
                continue;
            }
            if (char.IsAsciiDigit(c))
            {
                while (i < source.Length && (char.IsAsciiLetterOrDigit(source[i]) || source[i] == '_' || source[i] == '.')) i++;
                Span(html, "num", source[start..i]);
                lineStart = false;
                continue;
            }
            html.Append(Escape(c.ToString()));
            if (c == '\n') lineStart = true;
            else if (!char.IsWhiteSpace(c)) lineStart = false;
            i++;
        }
        return html.ToString();
    }

    private static char Peek(string s, int i) => i < s.Length ? s[i] : '\0';

    private static int LineEnd(string s, int from)
    {
        int nl = s.IndexOf('\n', from);
        return nl < 0 ? s.Length : nl;
    }

    private static void Span(StringBuilder html, string cls, string text) =>
        html.Append("<span class=\"").Append(cls).Append("\">").Append(Escape(text)).Append("</span>");
}
