using System.Globalization;
using System.Text.RegularExpressions;

namespace BtfNotebooks.Asm.Text;

/// <summary>What kind of line of an objdump listing, verifier log or hand-written source a line is.</summary>
internal enum LlvmLineKind
{
    /// <summary>Blank, a comment, or objdump's <c>file format</c> / <c>Disassembly of section</c> headers.</summary>
    Nothing,
    /// <summary>objdump's <c>0000000000000000 &lt;func&gt;:</c>: names the next slot if the name is new.</summary>
    Symbol,
    /// <summary>objdump -r's relocation line, which applies to the instruction before it.</summary>
    Relocation,
    /// <summary>Possibly a label, then possibly an instruction, after any address/bytes/opcode columns.</summary>
    Code,
}

/// <summary>
/// One line split into the columns that listings put before the instruction: objdump's address (<c>      12:</c>)
/// and raw bytes (<c>b7 01 00 00 ...</c>), the kernel's index and opcode (<c>12: (b7)</c>), and a label
/// (<c>LBB0_3:</c>). The instruction text starts at <see cref="CodeStart"/>, so columns in errors are the line's own.
/// </summary>
internal sealed partial class LlvmLine
{
    public LlvmLineKind Kind { get; private init; }

    /// <summary>Symbol name, relocation type, or label name.</summary>
    public string? Name { get; private init; }

    /// <summary>1-based column of <see cref="Name"/>.</summary>
    public int NameColumn { get; private init; }

    /// <summary>The raw bytes column (8 or 16 bytes), if present.</summary>
    public byte[]? Bytes { get; private init; }

    /// <summary>The kernel's <c>(xx)</c> opcode column, if present.</summary>
    public byte? Opcode { get; private init; }

    /// <summary>0-based index where the instruction text starts.</summary>
    public int CodeStart { get; private init; }

    public static LlvmLine Read(string line)
    {
        if (Header().IsMatch(line)) return new LlvmLine { Kind = LlvmLineKind.Nothing };
        if (SymbolLine().Match(line) is { Success: true } symbol)
            return new LlvmLine { Kind = LlvmLineKind.Symbol, Name = symbol.Groups[1].Value, NameColumn = symbol.Groups[1].Index + 1 };
        if (RelocationLine().Match(line) is { Success: true } relocation)
            return new LlvmLine { Kind = LlvmLineKind.Relocation, Name = relocation.Groups[1].Value, NameColumn = relocation.Groups[1].Index + 1 };
        if (Columns().Match(line) is { Success: true } columns)
        {
            byte[]? bytes = columns.Groups[1].Success
                ? columns.Groups[1].Value.Split(' ').Select(b => byte.Parse(b, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)).ToArray()
                : null;
            byte? opcode = columns.Groups[2].Success ? byte.Parse(columns.Groups[2].Value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture) : null;
            return new LlvmLine { Kind = LlvmLineKind.Code, Bytes = bytes, Opcode = opcode, CodeStart = columns.Length };
        }
        if (Label().Match(line) is { Success: true } label)
            return new LlvmLine { Kind = LlvmLineKind.Code, Name = label.Groups[1].Value, NameColumn = label.Groups[1].Index + 1, CodeStart = label.Length };
        return new LlvmLine { Kind = LlvmLineKind.Code };
    }

    [GeneratedRegex(@"^(\S.*:\s+file format\s.*|Disassembly of section .*:)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Header();

    [GeneratedRegex(@"^[0-9a-f]+ <([^>]+)>:\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex SymbolLine();

    [GeneratedRegex(@"^\s+[0-9a-f]+:\s+(R_BPF_\w+)(\s.*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex RelocationLine();

    // Address (decimal slot index in both objdump and the verifier log), then optional bytes, then optional (xx).
    [GeneratedRegex(@"^\s*\d+:(?:\s+((?:[0-9a-f]{2} ){7}[0-9a-f]{2}(?: (?:[0-9a-f]{2} ){7}[0-9a-f]{2})?)(?=\s|$))?(?:\s+\(([0-9a-f]{2})\)(?=\s|$))?", RegexOptions.CultureInvariant)]
    private static partial Regex Columns();

    [GeneratedRegex(@"^\s*([A-Za-z_.$][\w.$]*)\s*:", RegexOptions.CultureInvariant)]
    private static partial Regex Label();
}
