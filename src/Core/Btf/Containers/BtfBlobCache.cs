using System.Security.Cryptography;
using System.Text;

namespace BtfNotebooks.Btf.Containers;

/// <summary>
/// A directory of BTF blobs already taken out of their containers, so a kernel shipped as <c>.btf.xz</c>, a .deb or
/// a vmlinuz pays for decompression once: later loads read the raw blob. Keyed by the file's full path, length and
/// modification time, so a changed file is extracted again. Best effort: a cache that cannot be written is skipped.
/// </summary>
public sealed class BtfBlobCache(string directory)
{
    /// <summary>Where the blobs are kept.</summary>
    public string Directory { get; } = directory;

    /// <summary>
    /// The cache <c>BTFNB_CACHE</c> names (a directory, or <c>off</c>); without it <c>$XDG_CACHE_HOME/btfnb</c> or
    /// <c>~/.cache/btfnb</c>. Null when turned off or no home directory is known.
    /// </summary>
    public static BtfBlobCache? FromEnvironment()
    {
        var setting = Environment.GetEnvironmentVariable("BTFNB_CACHE");
        if (string.Equals(setting, "off", StringComparison.OrdinalIgnoreCase)) return null;
        if (!string.IsNullOrEmpty(setting)) return new BtfBlobCache(setting);
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var root = !string.IsNullOrEmpty(xdg) ? xdg : !string.IsNullOrEmpty(home) ? Path.Combine(home, ".cache") : null;
        return root is null ? null : new BtfBlobCache(Path.Combine(root, "btfnb", "blobs"));
    }

    /// <summary>The raw BTF of <paramref name="path"/>: from the cache, or extracted (and then cached when it needed unwrapping).</summary>
    public BtfBlob Extract(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists) return BtfContainer.ExtractFile(path); // its error message says what is wrong
        string cached = Path.Combine(Directory, Key(file) + ".btf");
        if (File.Exists(cached))
        {
            try
            {
                var bytes = File.ReadAllBytes(cached);
                return new BtfBlob(bytes, 0, bytes.Length, "cached raw BTF");
            }
            catch (IOException) { /* fall back to extracting */ }
        }
        var blob = BtfContainer.ExtractFile(path);
        if (blob.Origin != "raw BTF") Store(cached, blob);
        return blob;
    }

    private void Store(string cached, BtfBlob blob)
    {
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            // Written under a temporary name and renamed, so a reader never sees half a blob.
            var temp = $"{cached}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
            using (var stream = File.Create(temp)) stream.Write(blob.Span);
            File.Move(temp, cached, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* best effort */ }
    }

    private static string Key(FileInfo file)
    {
        var identity = $"{file.FullName}\n{file.Length}\n{file.LastWriteTimeUtc.Ticks}";
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..32].ToLowerInvariant();
    }
}
