using System.Globalization;
using BtfNotebooks.Asm;

namespace BtfNotebooks.Conformance;

/// <summary>
/// One bpf_conformance <c>.data</c> file: sections <c>-- asm</c>, <c>-- raw</c>, <c>-- mem</c>, <c>-- result</c>,
/// <c>-- error</c> (plus <c>-- c</c> and <c>-- no register offset</c>, which carry nothing to run); <c>#</c> starts a
/// comment. Raw programs are either one 64-bit little-endian word per slot (<c>0x5566778800000018</c>) or lines of
/// eight hex bytes (<c>07 00 01 00 01 00 00 00</c>).
/// </summary>
public sealed class ConformanceTestFile
{
    private ConformanceTestFile(string path) => Path = path;

    public string Path { get; }

    /// <summary>Text of the <c>-- asm</c> section (null if none), with the file line each of its lines came from.</summary>
    public string? Assembly { get; private set; }

    /// <summary>File line of the first line of the asm section (to turn assembler line numbers into file lines).</summary>
    public int AssemblyFirstLine { get; private set; }

    /// <summary>Encoded program from <c>-- raw</c>, or null.</summary>
    public byte[]? Raw { get; private set; }

    /// <summary>Input memory from <c>-- mem</c> (empty when absent).</summary>
    public byte[] Memory { get; private set; } = [];

    public ulong? ExpectedResult { get; private set; }

    /// <summary>Text of <c>-- error</c>: the run must fail, with a message containing it when non-empty.</summary>
    public string? ExpectedError { get; private set; }

    public static ConformanceTestFile Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Parses the text; a malformed file throws <see cref="FormatException"/> naming the line.</summary>
    public static ConformanceTestFile Parse(string text, string path)
    {
        var file = new ConformanceTestFile(path);
        string? section = null;
        var asm = new List<string>();
        var raw = new List<byte>();
        var mem = new List<byte>();
        string? result = null;
        bool sawError = false, sawAsm = false;
        int lineNo = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNo++;
            string line = rawLine.TrimEnd('\r');
            int hash = line.IndexOf('#');
            string content = (hash >= 0 ? line[..hash] : line).Trim();
            if (content.StartsWith("--", StringComparison.Ordinal))
            {
                string name = content[2..].Trim();
                section = name switch
                {
                    "asm" or "raw" or "mem" or "result" or "error" or "c" or "no register offset" => name,
                    _ => throw new FormatException($"{path}:{lineNo}: unknown directive '{content}' (expected -- asm, raw, mem, result, error, c or no register offset)"),
                };
                if (section == "asm") { sawAsm = true; file.AssemblyFirstLine = lineNo + 1; asm.Clear(); }
                if (section == "error") sawError = true;
                continue;
            }
            switch (section)
            {
                case "asm":
                    asm.Add(hash >= 0 ? line[..hash] : line); // keep positions: assembler columns stay file columns
                    break;
                case "raw" when content.Length > 0:
                    ParseRaw(content, raw, path, lineNo);
                    break;
                case "mem" when content.Length > 0:
                    foreach (var token in content.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                        mem.Add(byte.TryParse(token, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte b)
                            ? b : throw new FormatException($"{path}:{lineNo}: '{token}' in -- mem is not a hex byte"));
                    break;
                case "result" when content.Length > 0:
                    result = content;
                    break;
                case "error" when content.Length > 0:
                    file.ExpectedError = content;
                    break;
            }
        }
        if (sawAsm) file.Assembly = string.Join('\n', asm);
        if (raw.Count > 0) file.Raw = [.. raw];
        file.Memory = [.. mem];
        if (sawError) file.ExpectedError ??= "";
        if (result is not null)
        {
            bool hex = result.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
            file.ExpectedResult = ulong.TryParse(hex ? result[2..] : result, hex ? NumberStyles.HexNumber : NumberStyles.None, CultureInfo.InvariantCulture, out ulong v)
                ? v : throw new FormatException($"{path}: -- result '{result}' is not a number");
        }
        if (file.ExpectedResult is null && file.ExpectedError is null)
            throw new FormatException($"{path}: no -- result or -- error section: nothing to check");
        if (file.Assembly is null && file.Raw is null)
            throw new FormatException($"{path}: no -- asm or -- raw section: no program");
        return file;
    }

    private static void ParseRaw(string content, List<byte> raw, string path, int lineNo)
    {
        var tokens = content.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        bool bytes = tokens.Length > 1 && tokens.All(t => t.Length == 2 && byte.TryParse(t, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out _));
        if (bytes)
        {
            foreach (var t in tokens) raw.Add(byte.Parse(t, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            return;
        }
        foreach (var t in tokens)
        {
            bool hex = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
            if (!ulong.TryParse(hex ? t[2..] : t, hex ? NumberStyles.HexNumber : NumberStyles.None, CultureInfo.InvariantCulture, out ulong word))
                throw new FormatException($"{path}:{lineNo}: '{t}' in -- raw is neither a 64-bit slot word nor a hex byte");
            var slot = new byte[InstructionCodec.SlotSize];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(slot, word);
            raw.AddRange(slot);
        }
    }
}
