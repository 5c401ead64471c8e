using BtfNotebooks.Btf.Containers;
using System.Collections.Concurrent;
using BtfNotebooks.Btf;

namespace BtfNotebooks.CoRe.Matrix;

/// <summary>
/// Loads the targets of a matrix from files, in parallel: decompressing a 1.2 MB .btf.xz takes about 100 ms and
/// parsing a few ms, each on one core, so N kernels load about as many times faster as there are cores. Bases
/// are loaded first (once each, however many modules split from them), then the rest.
/// </summary>
public static class CoreMatrixTargetLoader
{
    /// <summary>Loads every file (in the order given) with <see cref="BtfSpec.Load"/>, modules on top of their base.</summary>
    public static IReadOnlyList<CoreMatrixTarget> Load(IReadOnlyList<CoreMatrixTargetFile> files, int maxParallelism = -1, BtfBlobCache? cache = null)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxParallelism };
        var specs = new ConcurrentDictionary<string, BtfSpec>(StringComparer.Ordinal);

        // A base listed as a target too is loaded once and shared, so its column and its modules see the same spec.
        var bases = files.Where(f => f.BasePath is not null).Select(f => Full(f.BasePath!)).Distinct().ToList();
        Parallel.ForEach(bases, options, path => specs[path] = BtfSpec.Load(path, cache: cache));

        var targets = new CoreMatrixTarget[files.Count];
        Parallel.For(0, files.Count, options, i =>
        {
            var file = files[i];
            var path = Full(file.Path);
            var spec = file.BasePath is null
                ? specs.TryGetValue(path, out var loaded) ? loaded : BtfSpec.Load(path, cache: cache)
                : BtfSpec.Load(path, specs[Full(file.BasePath)], cache);
            targets[i] = new CoreMatrixTarget(file.Name, spec);
        });
        return targets;
    }

    /// <summary>
    /// Every <c>*.btf*</c> file of a kernel directory, ordered by name. A MANIFEST.tsv there (data/kernels,
    /// ../shared/kernels) tells which are split module BTF ("split; base=FILE" in its format column); those get their
    /// base, or are left out when <paramref name="includeModules"/> is false.
    /// </summary>
    public static IReadOnlyList<CoreMatrixTargetFile> FilesIn(string directory, bool includeModules = true)
    {
        var bases = ReadManifestBases(Path.Combine(directory, "MANIFEST.tsv"));
        var files = new List<CoreMatrixTargetFile>();
        foreach (var path in Directory.GetFiles(directory, "*.btf*").Order(StringComparer.Ordinal))
        {
            if (!bases.TryGetValue(Path.GetFileName(path), out var baseFile)) files.Add(new CoreMatrixTargetFile(path));
            else if (includeModules) files.Add(new CoreMatrixTargetFile(path, Path.Combine(directory, baseFile)));
        }
        return files;
    }

    /// <summary>file → base file, for the manifest rows whose format reads "split; base=FILE; ...".</summary>
    private static Dictionary<string, string> ReadManifestBases(string manifest)
    {
        var bases = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(manifest)) return bases;
        var lines = File.ReadAllLines(manifest);
        if (lines.Length == 0) return bases;
        var header = lines[0].Split('\t');
        int file = Array.IndexOf(header, "file"), format = Array.IndexOf(header, "format");
        if (file < 0 || format < 0) return bases;
        foreach (var line in lines.Skip(1))
        {
            var columns = line.Split('\t');
            if (columns.Length <= Math.Max(file, format)) continue;
            foreach (var part in columns[format].Split(';', StringSplitOptions.TrimEntries))
                if (part.StartsWith("base=", StringComparison.Ordinal)) bases[columns[file]] = part["base=".Length..];
        }
        return bases;
    }

    private static string Full(string path) => Path.GetFullPath(path);
}
