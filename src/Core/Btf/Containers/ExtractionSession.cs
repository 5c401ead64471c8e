namespace BtfNotebooks.Btf.Containers;

/// <summary>State shared by every layer of one <see cref="BtfContainer.Extract(byte[], string?)"/> call.</summary>
internal sealed class ExtractionSession(string? sourceName, ExtractionLimits limits)
{
    private long _decompressed;
    private int _scanAttempts;

    public string? SourceName { get; } = sourceName;
    public ExtractionLimits Limits { get; } = limits;

    /// <summary>Counts decompressed bytes across all layers and attempts; scans may decompress many candidates.</summary>
    public void ChargeDecompressed(long bytes, Layer layer, long offset)
    {
        _decompressed += bytes;
        if (_decompressed > Limits.MaxTotalDecompressedBytes)
            throw layer.Error($"gave up: more than {Limits.MaxTotalDecompressedBytes} bytes decompressed in total", offset);
    }

    /// <summary>Scans retry decompression from every magic they find; nested scans share one allowance.</summary>
    public bool TryTakeScanAttempt() => ++_scanAttempts <= Limits.MaxScanAttempts;
}
