using BtfNotebooks.Btf;

namespace BtfNotebooks.Cli;

/// <summary>Loads the BTF files named on the command line, with an optional base for split BTF.</summary>
internal static class KernelFiles
{
    public static BtfSpec Load(string path, string? basePath)
    {
        var baseSpec = basePath is null ? null : BtfSpec.Load(basePath);
        return BtfSpec.Load(path, baseSpec);
    }

    /// <summary>"NAME=FILE" or "FILE" (named after the file, without its directories).</summary>
    public static (string Name, string Path) ParseNamed(string text)
    {
        int eq = text.IndexOf('=');
        if (eq == 0 || eq == text.Length - 1)
            throw new CliException($"bad --kernel '{text}': expected NAME=FILE or FILE");
        return eq < 0 ? (System.IO.Path.GetFileName(text), text) : (text[..eq], text[(eq + 1)..]);
    }
}
