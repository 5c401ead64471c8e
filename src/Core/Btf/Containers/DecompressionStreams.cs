using SharpCompress.Compressors;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.Deflate;
using SharpCompress.Compressors.LZMA;
using SharpCompress.Compressors.Xz;

namespace BtfNotebooks.Btf.Containers;

/// <summary>A library decoder and a way to ask how far into the compressed bytes it has read.</summary>
internal sealed record Decoder(Stream Stream, Func<long> InputPosition);

/// <summary>
/// Opens the decoder for each format. These streams throw whatever their library throws;
/// <see cref="GuardedDecompressionStream"/> turns that into <see cref="BtfFormatException"/>.
/// All of them stop at the end of the first stream/frame, so bytes after it (x86 appends the
/// uncompressed size; kernel images continue with code) are ignored.
/// xz and .lzma go through the system liblzma when it can be loaded (<see cref="Liblzma.IsAvailable"/>),
/// otherwise through SharpCompress.
/// </summary>
internal static class DecompressionStreams
{
    /// <param name="format">Which decoder.</param>
    /// <param name="compressed">From the start of the stream; bytes after its end are ignored.</param>
    /// <param name="maxBytes">The output limit (the caller enforces it; here it only bounds header checks and decoder memory).</param>
    /// <param name="allowNative">False forces the managed xz/lzma decoders (tests compare both).</param>
    public static Decoder Open(CompressionFormat format, ByteSlice compressed, long maxBytes, bool allowNative = true)
    {
        var native = allowNative && Liblzma.IsAvailable;
        switch (format)
        {
            case CompressionFormat.Xz when native:
            {
                var xz = LiblzmaStream.OpenXz(compressed, NativeMemoryLimit(maxBytes));
                return new Decoder(xz, () => xz.InputPosition);
            }
            case CompressionFormat.Lz4Legacy:
            {
                var lz4 = new Lz4LegacyStream(compressed);
                return new Decoder(lz4, () => lz4.InputPosition);
            }
            case CompressionFormat.Lz4Frame:
            {
                var lz4 = new Lz4FrameStream(compressed);
                return new Decoder(lz4, () => lz4.InputPosition);
            }
            case CompressionFormat.Zstd:
                return OpenZstd(compressed);
            case CompressionFormat.Lzma:
                return OpenLzma(compressed, maxBytes, native);
        }

        var input = compressed.OpenRead();
        Stream stream = format switch
        {
            // SharpCompress checks the gzip CRC32 and size trailer (when the stream is closed);
            // System.IO.Compression's GZipStream silently accepts a truncated stream.
            CompressionFormat.Gzip => new GZipStream(input, CompressionMode.Decompress),
            CompressionFormat.Xz => new XZStream(input),
            CompressionFormat.Bzip2 => BZip2Stream.Create(input, CompressionMode.Decompress,
                decompressConcatenated: false, leaveOpen: true, tolerateTruncatedStream: false),
            CompressionFormat.Zlib => new System.IO.Compression.ZLibStream(input, System.IO.Compression.CompressionMode.Decompress),
            _ => throw new NotSupportedException($"no decoder for {format}"),
        };
        return new Decoder(stream, () => input.Position);
    }

    /// <summary>
    /// ZstdSharp treats anything after a frame as the start of another frame and fails on it, so
    /// hand it exactly one frame (its extent comes from the frame's own block headers).
    /// </summary>
    private static unsafe Decoder OpenZstd(ByteSlice compressed)
    {
        nuint frameSize;
        fixed (byte* p = compressed.Span)
            frameSize = ZstdSharp.Unsafe.Methods.ZSTD_findFrameCompressedSize(p, (nuint)compressed.Length);
        if (ZstdSharp.Unsafe.Methods.ZSTD_isError(frameSize))
            throw new InvalidDataException($"frame truncated or corrupt ({ZstdSharp.Unsafe.Methods.ZSTD_getErrorName(frameSize)})");
        var input = compressed.Slice(0, (long)frameSize).OpenRead();
        var stream = new ZstdSharp.DecompressionStream(input, bufferSize: 1 << 16, checkEndOfStream: true, leaveOpen: false);
        return new Decoder(stream, () => input.Position);
    }

    /// <summary>
    /// Decoder memory liblzma may allocate (mostly the dictionary, which the stream header chooses):
    /// room for any dictionary up to the output limit, at least 256 MiB (xz -9 needs 65 MiB), so a
    /// hostile header fails with LZMA_MEMLIMIT_ERROR instead of reserving gigabytes.
    /// </summary>
    internal static ulong NativeMemoryLimit(long maxBytes) => (ulong)Math.Max(maxBytes, 256L << 20) + (64UL << 20);

    /// <summary>.lzma: 5 property bytes, u64 LE uncompressed size (all ones = unknown, ended by an end marker), then data.</summary>
    private static Decoder OpenLzma(ByteSlice compressed, long maxBytes, bool native)
    {
        if (!CompressionFormats.LooksLikeLzmaHeader(compressed.Span, maxBytes))
            throw new InvalidDataException("implausible header (properties, dictionary size or uncompressed size)");
        if (native)
        {
            var alone = LiblzmaStream.OpenLzmaAlone(compressed, NativeMemoryLimit(maxBytes));
            return new Decoder(alone, () => alone.InputPosition);
        }
        var header = compressed.Span[..13];
        var size = (long)Endian.U64(header, 5, bigEndian: false); // -1 when unknown
        var input = new NoReadPastEndStream(compressed) { Position = 13 };
        var stream = LzmaStream.Create(header[..5].ToArray(), input, -1, size, leaveOpen: true);
        return new Decoder(stream, () => input.Position);
    }

    /// <summary>
    /// SharpCompress's LZMA range decoder takes end of input for more input and can spin on a
    /// truncated stream; make reading past the end an error instead.
    /// </summary>
    private sealed class NoReadPastEndStream(ByteSlice bytes) : MemoryStream(bytes.Data, bytes.Start, bytes.Length, writable: false)
    {
        public override int ReadByte()
        {
            var b = base.ReadByte();
            return b >= 0 ? b : throw new EndOfStreamException("compressed data ends prematurely");
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = base.Read(buffer);
            return n > 0 || buffer.IsEmpty ? n : throw new EndOfStreamException("compressed data ends prematurely");
        }
    }
}
