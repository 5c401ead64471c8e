namespace BtfNotebooks.Btf.Containers;

/// <summary>
/// x86 bzImage (boot protocol >= 2.08): the setup header says exactly where the compressed
/// vmlinux is. setup_sects (0x1F1, 0 meaning 4) sectors of setup code follow the boot sector; the
/// payload is payload_offset (0x248) bytes into the protected-mode code, payload_length (0x24C)
/// bytes long. If that does not lead to BTF, fall back to scanning the whole image.
/// </summary>
internal static class BzImage
{
    private const int SetupSectsOffset = 0x1F1;
    private const int HeaderMagicOffset = 0x202;
    private const int VersionOffset = 0x206;
    private const int PayloadOffsetField = 0x248;
    private const int PayloadLengthField = 0x24C;
    private const ushort FirstVersionWithPayloadFields = 0x0208;

    public static bool HasHeader(ReadOnlySpan<byte> s) => s.Length >= HeaderMagicOffset + 4 && s.Slice(HeaderMagicOffset, 4).SequenceEqual("HdrS"u8);

    public static BtfBlob Extract(ByteSlice image, Layer layer)
    {
        string attempt;
        BtfFormatException? error = null;
        long? payloadStart = null;
        var s = image.Span;
        if (s.Length < PayloadLengthField + 4)
        {
            attempt = $"bzImage setup header truncated ({s.Length} bytes)";
        }
        else if (Endian.U16(s, VersionOffset, bigEndian: false) is var version && version < FirstVersionWithPayloadFields)
        {
            attempt = $"bzImage boot protocol {version >> 8}.{version & 0xFF:d2} has no payload fields";
        }
        else
        {
            var setupSects = s[SetupSectsOffset] == 0 ? 4 : s[SetupSectsOffset];
            var start = (setupSects + 1) * 512L + Endian.U32Le(s, PayloadOffsetField);
            long length = Endian.U32Le(s, PayloadLengthField);
            if (length == 0 || start + length > s.Length)
            {
                attempt = $"bzImage payload (0x{length:x} bytes at 0x{start:x}) is empty or runs past end of file (0x{s.Length:x} bytes)";
            }
            else if (!LayerDispatcher.IsKnownPayload(s.Slice((int)start, (int)length)))
            {
                attempt = $"bzImage payload at 0x{start:x} is in no known format (first bytes: {Endian.Hex(s.Slice((int)start, (int)length))})";
            }
            else
            {
                payloadStart = start;
                try
                {
                    return LayerDispatcher.Extract(image.Slice(start, length), layer.Child($"bzImage payload at 0x{start:x}", start));
                }
                catch (BtfFormatException e)
                {
                    error = e;
                    attempt = $"bzImage payload at 0x{start:x}: {e.Reason}";
                }
            }
        }
        return ImageScanner.Extract(image, layer, ImageScanner.Context.KernelImage(attempt, error, payloadStart));
    }
}
