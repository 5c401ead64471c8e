namespace BtfNotebooks.Btf.Containers;

/// <summary>
/// Last resort for bytes without a header we understand (raw arm64 <c>Image</c>, a kernel image
/// whose header did not lead anywhere): look for a valid BTF header anywhere, then try to
/// decompress from every compression magic found (like scripts/extract-vmlinux), within a bounded
/// number of attempts.
/// </summary>
internal static class ImageScanner
{
    private const int MaxHitsPerFormat = 20;

    /// <param name="Failure">Composes the error reason from what was tried, if nothing is found.</param>
    /// <param name="PriorAttempt">What was already tried and why it failed, for the error message.</param>
    /// <param name="PriorError">The exception of that attempt (becomes the inner exception).</param>
    /// <param name="SkipOffset">A stream start already tried (e.g. the bzImage payload).</param>
    internal sealed record Context(Func<string, string> Failure, string? PriorAttempt, BtfFormatException? PriorError, long? SkipOffset)
    {
        public static Context UnrecognisedContent(ReadOnlySpan<byte> head)
        {
            var failure = $"not BTF: unrecognised content (first bytes: {Endian.Hex(head)})";
            return new Context(tried => $"{failure}; {tried}", null, null, null);
        }

        public static Context KernelImage(string attempt, BtfFormatException? error, long? skipOffset) =>
            new(tried => $"no BTF found in kernel image ({tried})", attempt, error, skipOffset);
    }

    public static BtfBlob Extract(ByteSlice image, Layer layer, Context context)
    {
        var span = image.Span;
        if (RawBtfScanner.FindLargest(span) is { } hit)
            return layer.Blob(image.Slice(hit.Offset, hit.Length), hit.Describe());

        var failures = new List<string>();
        BtfFormatException? firstFailure = null;
        var outOfAttempts = false;
        foreach (var format in CompressionFormats.ScanOrder)
        {
            var magic = CompressionFormats.Magic(format);
            var hits = 0;
            for (var pos = 0; pos < span.Length && hits < MaxHitsPerFormat && !outOfAttempts;)
            {
                var found = span[pos..].IndexOf(magic);
                if (found < 0) break;
                var offset = pos + found;
                pos = offset + 1;
                if (offset == context.SkipOffset || !CompressionFormats.LooksLike(format, span[offset..])) continue;
                hits++;
                if (!layer.Session.TryTakeScanAttempt())
                {
                    outOfAttempts = true;
                    break;
                }
                try
                {
                    return CompressedLayer.Extract(image.Slice(offset), format, layer, offset, $"{format.Name()} stream found by scan at 0x{offset:x}");
                }
                catch (BtfFormatException e)
                {
                    firstFailure ??= e;
                    failures.Add($"{format.Name()} at 0x{offset:x}: {e.Reason}");
                }
            }
        }

        var details = new List<string>();
        if (context.PriorAttempt is not null) details.Add(context.PriorAttempt);
        details.Add("no valid BTF header found by scanning");
        details.Add(failures.Count == 0
            ? "no compressed stream found"
            : $"{failures.Count} compressed stream candidate(s) failed ({string.Join("; ", failures.Take(3))}{(failures.Count > 3 ? "; ..." : "")})");
        if (outOfAttempts) details.Add("gave up after too many candidates");
        throw layer.Error(context.Failure(string.Join("; ", details)), 0, context.PriorError ?? firstFailure);
    }
}
