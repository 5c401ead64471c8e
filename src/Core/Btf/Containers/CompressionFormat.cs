using System.Buffers.Binary;

namespace BtfNotebooks.Btf.Containers;

internal enum CompressionFormat
{
    Gzip,
    Xz,
    Zstd,
    Lz4Legacy,
    Lz4Frame,
    Bzip2,
    Lzma,
    /// <summary>Only inside ELF SHF_COMPRESSED sections: its 2-byte header is too weak to detect by content.</summary>
    Zlib,
}

/// <summary>Recognises compressed streams by their magic and a few header sanity checks.</summary>
internal static class CompressionFormats
{
    /// <summary>Order of the fallback magic scan: most common in distro kernels first (as scripts/extract-vmlinux).</summary>
    public static readonly CompressionFormat[] ScanOrder =
    [
        CompressionFormat.Xz, CompressionFormat.Zstd, CompressionFormat.Gzip, CompressionFormat.Lz4Legacy,
        CompressionFormat.Bzip2, CompressionFormat.Lzma, CompressionFormat.Lz4Frame,
    ];

    public static string Name(this CompressionFormat format) => format switch
    {
        CompressionFormat.Gzip => "gzip",
        CompressionFormat.Xz => "xz",
        CompressionFormat.Zstd => "zstd",
        CompressionFormat.Lz4Legacy => "lz4 legacy",
        CompressionFormat.Lz4Frame => "lz4 frame",
        CompressionFormat.Bzip2 => "bzip2",
        CompressionFormat.Lzma => "lzma",
        CompressionFormat.Zlib => "zlib",
        _ => format.ToString(),
    };

    /// <summary>The bytes every stream of <paramref name="format"/> starts with (what the scan searches for).</summary>
    public static ReadOnlySpan<byte> Magic(CompressionFormat format) => format switch
    {
        CompressionFormat.Gzip => [0x1F, 0x8B, 0x08],
        CompressionFormat.Xz => [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00],
        CompressionFormat.Zstd => [0x28, 0xB5, 0x2F, 0xFD],
        CompressionFormat.Lz4Legacy => [0x02, 0x21, 0x4C, 0x18],
        CompressionFormat.Lz4Frame => [0x04, 0x22, 0x4D, 0x18],
        CompressionFormat.Bzip2 => "BZh"u8,
        CompressionFormat.Lzma => [0x5D, 0x00, 0x00],
        _ => [],
    };

    /// <summary>The compressed format <paramref name="s"/> starts with, if any.</summary>
    public static CompressionFormat? Detect(ReadOnlySpan<byte> s)
    {
        foreach (var format in ScanOrder)
            if (LooksLike(format, s)) return format;
        return null;
    }

    /// <summary>Magic plus the cheap header checks, so a stray magic in a kernel image is rarely tried.</summary>
    public static bool LooksLike(CompressionFormat format, ReadOnlySpan<byte> s)
    {
        if (!s.StartsWith(Magic(format))) return false;
        return format switch
        {
            CompressionFormat.Gzip => s.Length >= 18 && (s[3] & 0xE0) == 0,                      // reserved FLG bits clear
            CompressionFormat.Xz => s.Length >= 32 && s[6] == 0 && (s[7] & 0xF0) == 0,          // stream flags
            CompressionFormat.Zstd => s.Length >= 9 && (s[4] & 0x08) == 0,                      // reserved descriptor bit
            CompressionFormat.Lz4Legacy => s.Length >= 8,
            CompressionFormat.Lz4Frame => s.Length >= 7 && (s[4] & 0xC2) == 0x40 && (s[5] & 0x8F) == 0,
            CompressionFormat.Bzip2 => s.Length >= 10 && s[3] is >= (byte)'1' and <= (byte)'9' &&
                                       (s[4..10].SequenceEqual((ReadOnlySpan<byte>)[0x31, 0x41, 0x59, 0x26, 0x53, 0x59]) ||
                                        s[4..10].SequenceEqual((ReadOnlySpan<byte>)[0x17, 0x72, 0x45, 0x38, 0x50, 0x90])),
            CompressionFormat.Lzma => LooksLikeLzmaHeader(s, long.MaxValue),
            _ => false,
        };
    }

    /// <summary>
    /// .lzma ("LZMA alone") has no real magic: accept only the default properties byte, a dictionary
    /// size liblzma would accept (2^n or 2^n + 2^(n-1)) and a sane uncompressed size.
    /// </summary>
    public static bool LooksLikeLzmaHeader(ReadOnlySpan<byte> s, long maxSize)
    {
        if (s.Length < 14 || s[0] != 0x5D) return false;
        var dict = BinaryPrimitives.ReadUInt32LittleEndian(s[1..]);
        if (dict < 4096 || dict > 1u << 30) return false;
        var high = 1u << (31 - System.Numerics.BitOperations.LeadingZeroCount(dict));
        if (dict != high && dict != high + (high >> 1)) return false;
        var size = BinaryPrimitives.ReadUInt64LittleEndian(s[5..]);
        return size == ulong.MaxValue || size <= (ulong)Math.Min(maxSize, 1L << 40);
    }
}
