namespace BtfNotebooks.Btf.CDump;

/// <summary>The output side of the C dump: text plus libbpf's indentation (one tab a level, at most 13).</summary>
internal sealed class CCodeWriter(TextWriter output)
{
    private const int MaxIndent = 13;
    private static readonly string[] Indents = Enumerable.Range(0, MaxIndent + 1).Select(n => "\n" + new string('\t', n)).ToArray();

    public TextWriter Output { get; set; } = output;

    public void Write(string text) => Output.Write(text);

    public void Write(char c) => Output.Write(c);

    public void Write(long value) => Output.Write(value);

    public void Write(ulong value) => Output.Write(value);

    /// <summary>A line break followed by the indentation of nesting level <paramref name="level"/>.</summary>
    public void NewLine(int level) => Output.Write(Indents[Math.Clamp(level, 0, MaxIndent)]);
}
