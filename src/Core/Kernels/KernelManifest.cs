namespace BtfNotebooks.Kernels;

/// <summary>One row of a MANIFEST.tsv: what the folder's author recorded about one file.</summary>
internal sealed record KernelManifestRow(string File, int Line, string? Release, string? Arch, string? Flavour, string? Module, string? BaseFile);

/// <summary>
/// The MANIFEST.tsv of a kernel folder (data/kernels, ../shared/kernels): a header naming the columns, then a row per
/// file. Read by column name so extra or reordered columns do not matter: <c>file</c> (required),
/// <c>kernel_release</c>, <c>arch</c>, <c>flavour</c> ("generic", "generic/module:ext4") and <c>format</c>
/// ("split; base=FILE; ..." for a module's BTF). "-" or an empty cell means unknown.
/// </summary>
internal sealed class KernelManifest
{
    public const string FileName = "MANIFEST.tsv";

    private readonly Dictionary<string, KernelManifestRow> _rows;

    private KernelManifest(string path, Dictionary<string, KernelManifestRow> rows)
    {
        Path = path;
        _rows = rows;
    }

    public string Path { get; }

    public KernelManifestRow? Row(string fileName) => _rows.TryGetValue(fileName, out var row) ? row : null;

    /// <summary>The manifest of <paramref name="directory"/>, or null when it has none.</summary>
    public static KernelManifest? TryRead(string directory)
    {
        string path = System.IO.Path.Combine(directory, FileName);
        return File.Exists(path) ? Read(path) : null;
    }

    public static KernelManifest Read(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new KernelCatalogException($"{path}: empty manifest (expected a header line with a 'file' column)");
        var header = lines[0].Split('\t');
        int file = Column("file"), release = Column("kernel_release"), arch = Column("arch"), flavour = Column("flavour"), format = Column("format");
        if (file < 0) throw new KernelCatalogException($"{path}: the header has no 'file' column (it has: {string.Join(", ", header)})");

        var rows = new Dictionary<string, KernelManifestRow>(StringComparer.Ordinal);
        for (int i = 1; i < lines.Length; i++)
        {
            int line = i + 1;
            if (lines[i].Trim().Length == 0) continue;
            var cells = lines[i].Split('\t');
            if (cells.Length != header.Length)
                throw new KernelCatalogException($"{path}, line {line}: {cells.Length} column(s), but the header has {header.Length}");
            string name = cells[file].Trim();
            if (name.Length == 0) throw new KernelCatalogException($"{path}, line {line}: empty 'file' cell");
            if (rows.TryGetValue(name, out var earlier))
                throw new KernelCatalogException($"{path}, line {line}: '{name}' is already described on line {earlier.Line}");

            string? flavourText = Cell(cells, flavour), module = null;
            if (flavourText is not null)
            {
                int at = flavourText.IndexOf("/module:", StringComparison.Ordinal);
                if (at >= 0)
                {
                    module = flavourText[(at + "/module:".Length)..].Trim();
                    flavourText = flavourText[..at].Trim();
                    if (module.Length == 0) module = null;
                    if (flavourText.Length == 0) flavourText = null;
                }
            }
            rows[name] = new KernelManifestRow(name, line, Cell(cells, release), Cell(cells, arch), flavourText, module, BaseOf(Cell(cells, format), path, line));
        }
        return new KernelManifest(path, rows);

        int Column(string name) => Array.FindIndex(header, h => h.Trim() == name);
    }

    private static string? Cell(string[] cells, int index)
    {
        if (index < 0) return null;
        string value = cells[index].Trim();
        return value.Length == 0 || value == "-" ? null : value;
    }

    // "split; base=FILE; first_type_id=N" gives FILE; "raw BTF (little-endian)" gives null.
    private static string? BaseOf(string? format, string path, int line)
    {
        if (format is null) return null;
        bool split = false;
        string? baseFile = null;
        foreach (var part in format.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "split") split = true;
            else if (part.StartsWith("base=", StringComparison.Ordinal))
            {
                split = true;
                baseFile = part["base=".Length..].Trim();
                if (baseFile.Length == 0) throw new KernelCatalogException($"{path}, line {line}: 'base=' names no file in the format column");
            }
        }
        if (split && baseFile is null)
            throw new KernelCatalogException($"{path}, line {line}: the format says split BTF but gives no base=FILE");
        return baseFile;
    }
}
