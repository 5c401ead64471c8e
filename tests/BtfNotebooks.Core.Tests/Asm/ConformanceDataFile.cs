using System.Buffers.Binary;
using System.Globalization;

namespace BtfNotebooks.Tests.Asm;

/// <summary>
/// A bpf_conformance <c>.data</c> test file: sections introduced by <c>-- name</c> lines (<c>asm</c>, <c>raw</c>,
/// <c>result</c>, <c>mem</c>, <c>error</c>, ...). The files live in /work/shared/conformance when that is present.
/// </summary>
internal sealed class ConformanceDataFile
{
    public const string Directory = "/work/shared/conformance";

    private ConformanceDataFile(string path, Dictionary<string, string> sections)
    {
        Path = path;
        Sections = sections;
    }

    public string Path { get; }

    public string Name => System.IO.Path.GetFileName(Path);

    public IReadOnlyDictionary<string, string> Sections { get; }

    public string? Asm => Sections.GetValueOrDefault("asm");

    /// <summary>The expected error phrase, when the file has a non-empty <c>-- error</c> section.</summary>
    public string? Error => Sections.TryGetValue("error", out var e) && e.Trim().Length > 0 ? e.Trim() : null;

    public static ConformanceDataFile Read(string path)
    {
        var sections = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        var body = new List<string>();
        void Flush()
        {
            if (current is not null) sections[current] = string.Join("\n", body);
            body.Clear();
        }
        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("-- ", StringComparison.Ordinal))
            {
                Flush();
                current = line[3..].Trim();
            }
            else if (current is not null) body.Add(line);
        }
        Flush();
        return new ConformanceDataFile(path, sections);
    }

    /// <summary>
    /// The <c>-- raw</c> section as bytes: either one <c>0x...</c> word per line (one little-endian slot as a u64)
    /// or hex bytes separated by spaces.
    /// </summary>
    public byte[]? Raw()
    {
        if (!Sections.TryGetValue("raw", out var raw)) return null;
        var bytes = new List<byte>();
        foreach (string line in raw.Split('\n'))
        {
            string t = line.Trim();
            if (t.Length == 0 || t.StartsWith('#')) continue;
            if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                var slot = new byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(slot, ulong.Parse(t[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                bytes.AddRange(slot);
            }
            else
            {
                foreach (string b in t.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    bytes.Add(byte.Parse(b, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
            }
        }
        return bytes.ToArray();
    }

    /// <summary>Every <c>*.data</c> in <paramref name="subdirectory"/> of the shared corpus; empty when it is absent.</summary>
    public static IEnumerable<string> Names(string subdirectory = "")
    {
        string dir = System.IO.Path.Combine(Directory, subdirectory);
        return System.IO.Directory.Exists(dir)
            ? System.IO.Directory.GetFiles(dir, "*.data").Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal)!
            : [];
    }
}
