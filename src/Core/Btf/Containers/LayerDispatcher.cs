namespace BtfNotebooks.Btf.Containers;

/// <summary>Decides what a run of bytes is, by content only, and hands it to the reader for that container.</summary>
internal static class LayerDispatcher
{
    public static BtfBlob Extract(ByteSlice bytes, Layer layer)
    {
        var head = bytes.Span;
        if (head.IsEmpty) throw layer.Error("not BTF: input is empty", 0);
        if (RawBtfScanner.HasMagic(head)) return layer.Blob(bytes, "raw BTF");
        if (Elf.ElfFileHeader.HasMagic(head)) return ElfBtfSection.Extract(bytes, layer);
        if (CompressionFormats.Detect(head) is { } format)
            return CompressedLayer.Extract(bytes, format, layer, 0, format.Name());
        if (ArArchive.HasMagic(head)) return ArArchive.Extract(bytes, layer);
        if (TarReader.LooksLikeTar(head)) return TarLayer.Extract(bytes.OpenRead(), layer);
        if (BzImage.HasHeader(head)) return BzImage.Extract(bytes, layer);
        if (EfiZbootImage.HasHeader(head)) return EfiZbootImage.Extract(bytes, layer);
        return ImageScanner.Extract(bytes, layer, ImageScanner.Context.UnrecognisedContent(head));
    }

    /// <summary>True for content a kernel payload can be: compressed, ELF, or raw BTF.</summary>
    public static bool IsKnownPayload(ReadOnlySpan<byte> head) =>
        RawBtfScanner.HasMagic(head) || Elf.ElfFileHeader.HasMagic(head) || CompressionFormats.Detect(head) is not null;
}
