using System.Text;
using BtfNotebooks.Btf;

namespace BtfNotebooks.Kernels;

/// <summary>
/// The compact text form of a kernel object: <c>[struct|union] TYPE FIELD=VALUE ...</c>, assignments separated by
/// whitespace, a value quoted with "..." or '...' (backslash escapes \" \' \\ \n \t) when it has spaces. Short
/// enough to type in a notebook cell or a command line. The same syntax builds a lone <see cref="KernelObject"/> and
/// a <see cref="KernelHeap"/> object, whose paths may go through pointers (<c>real_parent.tgid=7</c>).
/// </summary>
internal static class KernelObjectText
{
    public static KernelObject Parse(BtfSpec spec, string text)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Parse(text, type => KernelObject.Create(spec, type), (obj, path, value) => obj.Set(path, value));
    }

    /// <summary>
    /// Reads the text, making the object with <paramref name="create"/> from the type as written and applying each
    /// assignment with <paramref name="set"/> as soon as it is read, so the first error in the text is the one
    /// reported; errors are prefixed with the column.
    /// </summary>
    public static T Parse<T>(string text, Func<string, T> create, Action<T, string, string> set)
    {
        ArgumentNullException.ThrowIfNull(text);
        int at = 0;
        SkipSpace(text, ref at);
        if (at == text.Length) throw new KernelObjectException("empty object text: expected a type and FIELD=VALUE assignments, e.g. task_struct pid=42 comm=bash");

        int typeColumn = at + 1;
        string type = Word(text, ref at);
        if (type.Contains('=', StringComparison.Ordinal))
            throw new KernelObjectException($"column {typeColumn}: expected the type first, got '{type}' (e.g. task_struct pid=42 comm=bash)");
        if (type is "struct" or "union")
        {
            SkipSpace(text, ref at);
            int nameColumn = at + 1;
            string name = at < text.Length ? Word(text, ref at) : "";
            if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal))
                throw new KernelObjectException($"column {nameColumn}: expected a name after '{type}'");
            type = $"{type} {name}";
        }

        T obj;
        try
        {
            obj = create(type);
        }
        catch (KernelObjectException e)
        {
            throw new KernelObjectException($"column {typeColumn}: {e.Message}", e);
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        while (true)
        {
            SkipSpace(text, ref at);
            if (at == text.Length) break;
            int column = at + 1;
            int nameStart = at;
            while (at < text.Length && text[at] != '=' && !char.IsWhiteSpace(text[at]) && text[at] is not ('"' or '\'')) at++;
            string path = text[nameStart..at];
            if (at == text.Length || text[at] != '=')
            {
                string got = at < text.Length && !char.IsWhiteSpace(text[at]) ? text[nameStart..] : path;
                throw new KernelObjectException($"column {column}: expected FIELD=VALUE, got '{got}'");
            }
            if (path.Length == 0) throw new KernelObjectException($"column {column}: '=' without a field name before it");
            at++; // '='
            int valueColumn = at + 1;
            string value;
            string raw;
            if (at < text.Length && text[at] is '"' or '\'')
            {
                int quoteStart = at;
                value = Quoted(text, ref at, valueColumn);
                raw = text[quoteStart..at];
                if (at < text.Length && !char.IsWhiteSpace(text[at]))
                    throw new KernelObjectException($"column {at + 1}: expected a space after the closing quote of {path}=");
            }
            else
            {
                value = Word(text, ref at);
                raw = value;
                if (value.Length == 0) throw new KernelObjectException($"column {column}: '{path}=' has no value");
            }

            string key = path.Trim();
            // "mm->arg_start" and "mm.arg_start" are one field (heap paths read -> as .).
            string same = key.Replace("->", ".", StringComparison.Ordinal);
            if (seen.TryGetValue(same, out int earlier))
                throw new KernelObjectException($"column {column}: {key} is already set at column {earlier}");
            seen[same] = column;
            try
            {
                set(obj, key, value);
            }
            catch (KernelObjectException e)
            {
                throw new KernelObjectException($"column {column}: {path}={raw}: {e.Message}", e);
            }
        }
        return obj;
    }

    /// <summary>A string as the text form writes it: bare when that reads back the same, else double-quoted with escapes.</summary>
    public static string Quote(string value)
    {
        bool bare = value.Length > 0 && !value.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\' or '=');
        if (bare) return value;
        var text = new StringBuilder("\"");
        foreach (char c in value)
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                _ => c.ToString(),
            });
        return text.Append('"').ToString();
    }

    private static void SkipSpace(string text, ref int at)
    {
        while (at < text.Length && char.IsWhiteSpace(text[at])) at++;
    }

    private static string Word(string text, ref int at)
    {
        int start = at;
        while (at < text.Length && !char.IsWhiteSpace(text[at])) at++;
        return text[start..at];
    }

    private static string Quoted(string text, ref int at, int column)
    {
        char quote = text[at++];
        var value = new StringBuilder();
        while (at < text.Length && text[at] != quote)
        {
            char c = text[at++];
            if (c != '\\') { value.Append(c); continue; }
            if (at == text.Length) break;
            char e = text[at++];
            value.Append(e switch
            {
                'n' => '\n',
                't' => '\t',
                '\\' or '"' or '\'' => e,
                _ => throw new KernelObjectException($"column {at - 1}: unknown escape '\\{e}' in a quoted value (known: \\\" \\' \\\\ \\n \\t)"),
            });
        }
        if (at == text.Length) throw new KernelObjectException($"column {column}: the quoted value has no closing {quote}");
        at++; // closing quote
        return value.ToString();
    }
}
