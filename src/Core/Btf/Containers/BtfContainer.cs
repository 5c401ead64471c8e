namespace BtfNotebooks.Btf.Containers;

/// <summary>
/// Finds kernel BTF in whatever it was shipped in: raw BTF, ELF (.BTF section), gzip / xz / zstd /
/// lz4 / bzip2 / lzma wrappers, tar (BTFHub), Debian .deb, x86 bzImage, EFI zboot, or a raw kernel
/// image. Detection is by content, never by file name; layers nest (a .deb holds an xz data.tar
/// holding a bzImage whose xz payload is an ELF vmlinux).
/// </summary>
public static class BtfContainer
{
    /// <summary>Unwraps <paramref name="input"/> down to the raw BTF bytes.</summary>
    /// <param name="input">The container bytes; the result may point into this array.</param>
    /// <param name="sourceName">Names the input in error messages (e.g. a file path).</param>
    /// <exception cref="BtfFormatException">No BTF found, or a container layer is corrupt or truncated.</exception>
    public static BtfBlob Extract(byte[] input, string? sourceName = null) => Extract(input, sourceName, ExtractionLimits.Default);

    /// <summary>Reads the file and unwraps it; see <see cref="Extract(byte[], string?)"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="BtfFormatException">No BTF found, or a container layer is corrupt or truncated.</exception>
    public static BtfBlob ExtractFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                Directory.Exists(path) ? $"BTF input '{path}' is a directory, not a file" : $"BTF input file '{path}' does not exist", path);
        return Extract(File.ReadAllBytes(path), path);
    }

    internal static BtfBlob Extract(byte[] input, string? sourceName, ExtractionLimits limits)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            return LayerDispatcher.Extract(new ByteSlice(input), Layer.Root(new ExtractionSession(sourceName, limits)));
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidOperationException or NullReferenceException
                                      or OverflowException or IOException or InvalidDataException or NotSupportedException)
        {
            // Every reader checks its bounds and decoder exceptions are wrapped where they occur, so this is a bug;
            // still, callers were promised a BtfFormatException for bad input.
            throw new BtfFormatException($"internal error while unwrapping the container ({e.GetType().Name}: {e.Message})", null, null, sourceName, e);
        }
    }
}
