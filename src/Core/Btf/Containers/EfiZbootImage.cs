using System.Text;

namespace BtfNotebooks.Btf.Containers;

/// <summary>
/// EFI zboot images (arm64/riscv/loongarch <c>vmlinuz.efi</c>): a PE header with "zimg" at
/// offset 4, u32 LE payload offset at 8 and size at 12, and the compression name at 24. The
/// payload decompresses to a raw kernel Image, whose BTF is then found by scanning.
/// </summary>
internal static class EfiZbootImage
{
    public static bool HasHeader(ReadOnlySpan<byte> s) =>
        s.Length >= 56 && s[0] == (byte)'M' && s[1] == (byte)'Z' && s.Slice(4, 4).SequenceEqual("zimg"u8);

    public static BtfBlob Extract(ByteSlice image, Layer layer)
    {
        var s = image.Span;
        long start = Endian.U32Le(s, 8), length = Endian.U32Le(s, 12);
        var typeField = s.Slice(24, 32);
        var nul = typeField.IndexOf((byte)0);
        var type = Encoding.ASCII.GetString(nul < 0 ? typeField : typeField[..nul]);
        string attempt;
        BtfFormatException? error = null;
        long? payloadStart = null;
        if (length == 0 || start + length > s.Length)
        {
            attempt = $"EFI zboot payload (0x{length:x} bytes at 0x{start:x}) is empty or runs past end of file (0x{s.Length:x} bytes)";
        }
        else if (CompressionFormats.Detect(s.Slice((int)start, (int)length)) is not { } format)
        {
            attempt = $"EFI zboot payload at 0x{start:x} ('{type}') is in no known compression format";
        }
        else
        {
            payloadStart = start;
            try
            {
                return CompressedLayer.Extract(image.Slice(start, length), format, layer, start, $"EFI zboot {format.Name()} payload at 0x{start:x}");
            }
            catch (BtfFormatException e)
            {
                error = e;
                attempt = $"EFI zboot payload at 0x{start:x}: {e.Reason}";
            }
        }
        return ImageScanner.Extract(image, layer, ImageScanner.Context.KernelImage(attempt, error, payloadStart));
    }
}
