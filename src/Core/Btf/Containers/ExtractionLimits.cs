namespace BtfNotebooks.Btf.Containers;

/// <summary>Resource bounds for one extraction, so hostile input is an error rather than an OOM or a hang.</summary>
/// <param name="MaxLayerBytes">Largest decompressed stream or archive member.</param>
/// <param name="MaxTotalDecompressedBytes">All decompression of one call together (scans may try many streams).</param>
/// <param name="MaxDepth">Deepest container nesting (a .deb needs 5 layers down to the vmlinux).</param>
/// <param name="MaxScanAttempts">Compressed-stream candidates a magic scan may try, across the whole call.</param>
/// <param name="MaxArchiveAttempts">Members of a tar/ar tried when none has a telling name.</param>
/// <param name="MaxVerifiedArchiveBytes">A compressed tar up to this size is decompressed to its end so its checksum is verified.</param>
internal sealed record ExtractionLimits(
    long MaxLayerBytes = 1L << 30,
    long MaxTotalDecompressedBytes = 4L << 30,
    int MaxDepth = 8,
    int MaxScanAttempts = 48,
    int MaxArchiveAttempts = 16,
    long MaxVerifiedArchiveBytes = 16L << 20)
{
    public static readonly ExtractionLimits Default = new();
}
