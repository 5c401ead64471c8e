namespace BtfNotebooks.Btf.Containers;

/// <summary>
/// Finds BTF inside bytes that have no container structure we understand (arm64/riscv <c>Image</c>,
/// an ELF whose .BTF section was renamed or stripped, ...). A BTF blob has no length prefix or
/// end marker, so a candidate is accepted only if its header is fully self-consistent.
/// </summary>
internal static class RawBtfScanner
{
    public const int HeaderLength = 24;

    // magic, version 1, flags 0, hdr_len 24: the fixed first 8 bytes of every BTF header in either byte order
    private static ReadOnlySpan<byte> LittleEndianPrefix => [0x9F, 0xEB, 0x01, 0x00, 0x18, 0x00, 0x00, 0x00];
    private static ReadOnlySpan<byte> BigEndianPrefix => [0xEB, 0x9F, 0x01, 0x00, 0x00, 0x00, 0x00, 0x18];

    public readonly record struct Hit(int Offset, int Length, bool BigEndian, int ValidCandidates)
    {
        public string Describe() =>
            $"BTF header found by scan at 0x{Offset:x} ({(BigEndian ? "big" : "little")}-endian, {Length} bytes" +
            (ValidCandidates > 1 ? $", largest of {ValidCandidates} candidates)" : ")");
    }

    /// <summary>Raw BTF at the very start: magic 0xEB9F in either byte order, version 1.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> s) =>
        s.Length >= 3 && s[2] == 0x01 && ((s[0] == 0x9F && s[1] == 0xEB) || (s[0] == 0xEB && s[1] == 0x9F));

    /// <summary>The largest valid BTF blob anywhere in <paramref name="image"/>, or null.</summary>
    public static Hit? FindLargest(ReadOnlySpan<byte> image)
    {
        Hit? best = null;
        var valid = 0;
        foreach (var bigEndian in (ReadOnlySpan<bool>)[false, true])
        {
            var prefix = bigEndian ? BigEndianPrefix : LittleEndianPrefix;
            for (var pos = 0; pos < image.Length;)
            {
                var found = image[pos..].IndexOf(prefix);
                if (found < 0) break;
                var offset = pos + found;
                pos = offset + 1;
                var length = ValidBlobLength(image, offset, bigEndian);
                if (length == 0) continue;
                valid++;
                if (best is null || length > best.Value.Length) best = new Hit(offset, length, bigEndian, 0);
            }
        }
        return best is { } b ? b with { ValidCandidates = valid } : null;
    }

    /// <summary>Total length of the blob whose header is at <paramref name="offset"/>, or 0 if the header is not plausible.</summary>
    internal static int ValidBlobLength(ReadOnlySpan<byte> image, int offset, bool bigEndian)
    {
        if (image.Length - offset < HeaderLength) return 0;
        var header = image.Slice(offset, HeaderLength);
        uint typeOff = Endian.U32(header, 8, bigEndian), typeLen = Endian.U32(header, 12, bigEndian);
        uint strOff = Endian.U32(header, 16, bigEndian), strLen = Endian.U32(header, 20, bigEndian);
        if (typeOff != 0 || typeLen % 4 != 0 || strOff < typeLen || strLen == 0) return 0;
        long total = HeaderLength + (long)strOff + strLen;
        if (total > image.Length - offset) return 0;
        // string section: offset 0 is the empty name, and every string is NUL-terminated
        if (image[offset + HeaderLength + (int)strOff] != 0 || image[offset + (int)total - 1] != 0) return 0;
        return (int)total;
    }
}
