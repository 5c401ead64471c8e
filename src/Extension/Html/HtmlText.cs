using System.Globalization;
using System.Text;

namespace BtfNotebooks.Extension.Html;

/// <summary>
/// The building blocks every renderer shares: escaping, the scoped style sheet and the fragment wrapper. Fragments
/// are well-formed XML (quoted attributes, <c>&amp;#160;</c> instead of named entities, no characters XML forbids)
/// so they can be parsed and checked, and so they survive any notebook front end.
/// </summary>
internal static class HtmlText
{
    /// <summary>The class every fragment's root carries; every style rule is scoped under it.</summary>
    public const string RootClass = "btfnb";

    /// <summary>A non-breaking space that XML parsers accept (HTML's named entity is not XML).</summary>
    public const string Nbsp = "&#160;";

    /// <summary>
    /// Text (or an attribute value) escaped for HTML and XML alike. Characters XML 1.0 cannot carry at all
    /// (control characters, lone surrogates), which BTF names or messages could contain, become U+FFFD.
    /// </summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            string? replacement = c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ when char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) => null,
                _ when char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1]) => null,
                _ when char.IsSurrogate(c) => "\uFFFD",
                _ when c < 0x20 && c is not ('\t' or '\n' or '\r') => "\uFFFD",
                _ when c is '\uFFFE' or '\uFFFF' => "\uFFFD",
                _ => null,
            };
            if (replacement is null)
            {
                sb?.Append(c);
                continue;
            }
            sb ??= new StringBuilder(text, 0, i, text.Length + 16);
            sb.Append(replacement);
        }
        return sb?.ToString() ?? text;
    }

    /// <summary>An attribute, with a leading space: <c> title="..."</c>; nothing when the value is null.</summary>
    public static string Attr(string name, string? value) => value is null ? "" : $" {name}=\"{Escape(value)}\"";

    /// <summary>The class attribute for the non-empty names given, nothing when there are none.</summary>
    public static string Classes(params string?[] names)
    {
        var list = names.Where(n => !string.IsNullOrEmpty(n)).ToList();
        return list.Count == 0 ? "" : $" class=\"{Escape(string.Join(' ', list))}\"";
    }

    /// <summary>Left padding that shows nesting depth (anonymous members, trace depth).</summary>
    public static string Indent(int depth) => depth <= 0 ? "" : string.Create(CultureInfo.InvariantCulture, $" style=\"padding-left:{0.5 + 1.5 * depth:0.##}em\"");

    public static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Num(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Plural(long n, string unit) => n == 1 ? $"1 {unit}" : $"{Num(n)} {unit}s";

    /// <summary>
    /// A fragment: a root <c>div</c> with <see cref="RootClass"/> and <paramref name="kind"/>, the style sheet
    /// (once per fragment, so each output cell is self-contained), then <paramref name="body"/>.
    /// </summary>
    public static string Fragment(string kind, string body) =>
        $"<div class=\"{RootClass} {RootClass}-{kind}\"><style>{Style}</style>{body}</div>";

    /// <summary>
    /// Every descendant rule doubles the root class (<c>.btfnb.btfnb td</c>) so it outranks the notebook's own table
    /// styles (Jupyter right-aligns <c>.jp-RenderedHTMLCommon td</c>), which a single class only ties with.
    /// Colors are translucent over the notebook's own background and text inherits its color, so the same rules
    /// read in light and dark themes; each kind of change, status and hole has its own hue.
    /// </summary>
    public const string Style =
        ".btfnb{font-family:var(--jp-code-font-family,var(--vscode-editor-font-family,ui-monospace,SFMono-Regular,Menlo,Consolas,monospace));font-size:12px;line-height:1.4;color:inherit}" +
        ".btfnb.btfnb table{border-collapse:collapse;margin:4px 0;color:inherit;background:transparent}" +
        ".btfnb.btfnb th,.btfnb.btfnb td{padding:1px 8px;text-align:left;vertical-align:top;border:0;white-space:pre;background:transparent;color:inherit}" +
        ".btfnb.btfnb thead th{font-weight:600;border-bottom:1px solid rgba(128,128,128,.55)}" +
        ".btfnb.btfnb th.group{text-align:center;border-left:1px solid rgba(128,128,128,.4)}" +
        ".btfnb.btfnb td.first,.btfnb.btfnb th.first{border-left:1px solid rgba(128,128,128,.4)}" +
        ".btfnb.btfnb .n{text-align:right}" +
        ".btfnb.btfnb .muted{opacity:.6}" +
        ".btfnb.btfnb .title{font-weight:600;margin:2px 0}" +
        ".btfnb.btfnb .stats span{margin-right:1.2em;white-space:nowrap}" +
        ".btfnb.btfnb tfoot td,.btfnb.btfnb tfoot th{border-top:1px solid rgba(128,128,128,.55)}" +
        ".btfnb.btfnb tr.hole td,.btfnb.btfnb tr.pad td{background:rgba(235,160,0,.20);font-style:italic}" +
        ".btfnb.btfnb tr.bithole td{background:rgba(235,160,0,.11);font-style:italic}" +
        ".btfnb.btfnb tr.cl td{border-top:1px dashed rgba(128,128,128,.8);font-size:11px;opacity:.75;padding-top:0;padding-bottom:0}" +
        ".btfnb.btfnb .moved{background:rgba(30,120,255,.20)}" +
        ".btfnb.btfnb .resized{background:rgba(150,70,255,.22)}" +
        ".btfnb.btfnb .retyped{background:rgba(255,130,0,.24)}" +
        ".btfnb.btfnb .added{background:rgba(0,170,60,.22)}" +
        ".btfnb.btfnb .removed{background:rgba(230,30,30,.20)}" +
        ".btfnb.btfnb .absent{opacity:.55}" +
        ".btfnb.btfnb .notype{background:rgba(128,128,128,.15);font-style:italic}" +
        ".btfnb.btfnb .legend span{padding:0 6px;margin-right:6px;border-radius:3px}" +
        ".btfnb.btfnb .poison{background:rgba(255,140,0,.28)}" +
        ".btfnb.btfnb .error{background:rgba(230,30,30,.28)}" +
        ".btfnb.btfnb .skipped,.btfnb.btfnb .notreached,.btfnb.btfnb .notloaded{opacity:.6;font-style:italic}" +
        ".btfnb.btfnb tr.differs td.mark{font-weight:700}" +
        ".btfnb.btfnb details{margin:2px 0}" +
        ".btfnb.btfnb summary{cursor:pointer}" +
        ".btfnb.btfnb pre{margin:4px 0;padding:6px 8px;background:rgba(128,128,128,.10);border-radius:3px;white-space:pre;overflow-x:auto;color:inherit}" +
        ".btfnb.btfnb .kw{color:#3b82f6;font-weight:600}" +
        ".btfnb.btfnb .cm{color:#6a9955;font-style:italic}" +
        ".btfnb.btfnb .str{color:#d97706}" +
        ".btfnb.btfnb .num{color:#0891b2}" +
        ".btfnb.btfnb .pp{color:#a855f7}" +
        ".btfnb.btfnb tr.annotated td{background:rgba(30,120,255,.13)}" +
        ".btfnb.btfnb td.note{font-style:italic;white-space:normal}" +
        ".btfnb.btfnb tr.label td{font-weight:600;opacity:.85}" +
        ".btfnb.btfnb .caret{color:#e11d48;font-weight:700}" +
        ".btfnb.btfnb .box{border:1px solid rgba(128,128,128,.5);border-radius:4px;padding:6px 10px;margin:4px 0}" +
        ".btfnb.btfnb .fault{border-color:rgba(230,30,30,.75);background:rgba(230,30,30,.08)}" +
        ".btfnb.btfnb .fault .title{color:#e11d48}" +
        ".btfnb.btfnb .box th{font-weight:600;padding-left:0}";
}
