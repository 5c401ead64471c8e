using BtfNotebooks.Btf;

namespace BtfNotebooks.CoRe.Matrix;

/// <summary>One column of a relocation matrix: a target BTF (a split module's spec sees its base) and its label.</summary>
public sealed record CoreMatrixTarget(string Name, BtfSpec Btf);

/// <summary>
/// A target file to load: <see cref="BasePath"/> is the vmlinux a split module's BTF continues (its type IDs start
/// after the base's), null for a vmlinux or any stand-alone BTF.
/// </summary>
public sealed record CoreMatrixTargetFile(string Path, string? BasePath = null)
{
    /// <summary>The file name without ".btf" and its compression suffix: "debian-6.1.0-56-amd64.btf.xz" gives "debian-6.1.0-56-amd64".</summary>
    public string Name
    {
        get
        {
            var name = System.IO.Path.GetFileName(Path);
            int btf = name.IndexOf(".btf", StringComparison.Ordinal);
            return btf > 0 ? name[..btf] : name;
        }
    }
}
