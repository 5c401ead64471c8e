namespace BtfNotebooks.Btf.Containers;

/// <summary>Decompresses one stream and looks for BTF in what comes out.</summary>
internal static class CompressedLayer
{
    /// <param name="format">Detected from the stream's magic.</param>
    /// <param name="compressed">From the start of the stream to the end of the enclosing bytes (trailing data is ignored).</param>
    /// <param name="layer">The layer holding the compressed bytes.</param>
    /// <param name="offset">Where the stream starts in <paramref name="layer"/>.</param>
    /// <param name="description">How the decompressed layer appears in origins and errors, e.g. "xz".</param>
    public static BtfBlob Extract(ByteSlice compressed, CompressionFormat format, Layer layer, long offset, string description)
    {
        var inner = layer.Child(description, offset);
        using var stream = GuardedDecompressionStream.Open(format, compressed, layer, offset);
        // a tar is read straight from the decoder: only as far as the member we want
        if (TarReader.LooksLikeTar(stream.Peek(TarReader.BlockSize)))
        {
            var blob = TarLayer.Extract(stream, inner);
            // The stream's checksum comes at its end. Reading there is cheap for a BTFHub archive;
            // for a package's data.tar (hundreds of MB) the member's own checks have to do.
            if (compressed.Length <= layer.Limits.MaxVerifiedArchiveBytes) stream.ReadToEnd(discard: true);
            return blob;
        }
        return LayerDispatcher.Extract(stream.ReadToEnd(), inner);
    }
}
