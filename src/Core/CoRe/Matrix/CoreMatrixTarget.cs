using BtfNotebooks.Btf;

namespace BtfNotebooks.CoRe.Matrix;

/// <summary>One column of a relocation matrix: a target BTF (a split module's spec sees its base) and its label.</summary>
public sealed record CoreMatrixTarget(string Name, BtfSpec Btf);

/// <summary>
/// A target file to load: <see cref="BasePath"/> is the vmlinux a split module's BTF continues (its type IDs start
/// after the base's), null for a vmlinux or any stand-alone BTF. <see cref="Label"/> names the column; without it
/// the column is named after the file (<see cref="NameOf"/>).
/// </summary>
public sealed record CoreMatrixTargetFile(string Path, string? BasePath = null, string? Label = null)
{
    public string Name => Label ?? NameOf(Path);

    /// <summary>
    /// The file name without its directories, BTF and compression suffixes: "debian-6.1.0-56-amd64.btf.xz" gives
    /// "debian-6.1.0-56-amd64", "target_a.btf" gives "target_a".
    /// </summary>
    public static string NameOf(string path)
    {
        string name = System.IO.Path.GetFileName(path);
        bool stripped;
        do
        {
            stripped = false;
            foreach (var suffix in Suffixes)
                if (name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.Ordinal)) { name = name[..^suffix.Length]; stripped = true; }
        } while (stripped);
        return name;
    }

    private static readonly string[] Suffixes = [".xz", ".gz", ".zst", ".lz4", ".bz2", ".tar", ".btf", ".BTF", ".raw"];
}
