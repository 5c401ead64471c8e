namespace BtfNotebooks.Btf.Containers;

/// <summary>
/// Picks the member of a tar archive that holds the BTF: a <c>*.btf</c> file (BTFHub archives) or
/// a kernel image (<c>./boot/vmlinuz-*</c> in a Debian data.tar), else the first few other files
/// that yield BTF. Kernel modules come last: their BTF is split BTF, useless without the vmlinux.
/// </summary>
internal static class TarLayer
{
    private enum Rank { BtfFile, KernelImage, Other, Module }

    private static readonly string[] KernelImageNames = ["vmlinuz", "vmlinux", "Image", "bzImage", "zImage"];
    private static readonly string[] ModuleSuffixes = [".ko", ".ko.xz", ".ko.zst", ".ko.gz"];

    public static BtfBlob Extract(Stream archive, Layer layer)
    {
        var reader = new TarReader(archive, layer);
        BtfBlob? fallback = null;
        var fallbackRank = Rank.Module;
        BtfFormatException? preferredFailure = null;
        var files = 0;
        var attempts = 0;
        var failures = new List<string>();

        while (reader.Next() is { } entry)
        {
            if (!entry.IsRegularFile || entry.Size == 0) continue;
            files++;
            var rank = RankOf(entry.Name);
            var preferred = rank is Rank.BtfFile or Rank.KernelImage;
            if (!preferred && (attempts >= layer.Limits.MaxArchiveAttempts || (fallback is not null && rank >= fallbackRank)))
                continue;
            if (!preferred) attempts++;

            var content = reader.ReadContent();
            try
            {
                var blob = LayerDispatcher.Extract(content, layer.Child($"tar member {entry.Name}", entry.HeaderOffset));
                if (preferred) return blob; // stop reading: the rest of a package's data.tar is modules
                fallback = blob;
                fallbackRank = rank;
            }
            catch (BtfFormatException e)
            {
                if (preferred) preferredFailure ??= e;
                failures.Add($"{entry.Name}: {e.Reason}");
            }
        }

        // A .btf/vmlinuz member that is itself broken: its own error says more than "nothing found",
        // and settling for another member (say a module's split BTF) would hide the damage.
        if (preferredFailure is not null) throw preferredFailure;
        if (fallback is not null) return fallback;
        var tried = failures.Count == 0 ? "" : $"; tried {string.Join("; ", failures.Take(4))}{(failures.Count > 4 ? "; ..." : "")}";
        throw layer.Error(
            $"tar: no .btf file in archive ({files} regular files, none named *.btf or vmlinuz-*/vmlinux-*/Image-*, none of the others holds BTF{tried})",
            reader.Position);
    }

    private static Rank RankOf(string path)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        if (name.EndsWith(".btf", StringComparison.OrdinalIgnoreCase)) return Rank.BtfFile;
        foreach (var image in KernelImageNames)
            if (name == image || name.StartsWith(image + "-", StringComparison.Ordinal) || name.StartsWith(image + ".", StringComparison.Ordinal))
                return Rank.KernelImage;
        foreach (var suffix in ModuleSuffixes)
            if (name.EndsWith(suffix, StringComparison.Ordinal)) return Rank.Module;
        return Rank.Other;
    }
}
