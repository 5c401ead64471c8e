namespace BtfNotebooks.Btf.Containers;

/// <summary>
/// Wraps a library decoder so that (1) any exception it throws becomes a <see cref="BtfFormatException"/>
/// naming the format and the offset, (2) the output is bounded (a zip bomb is an error, not an OOM),
/// and (3) integrity checks a decoder only runs when closed (SharpCompress gzip CRC) count as errors
/// when the stream was read to the end. Supports peeking so callers can sniff the content.
/// </summary>
internal sealed class GuardedDecompressionStream : ForwardOnlyReadStream
{
    private readonly Decoder _decoder;
    private readonly CompressionFormat _format;
    private readonly Layer _layer;
    private readonly long _offset;
    private readonly long _maxBytes;
    private readonly long _compressedLength;
    private byte[] _peeked = [];
    private int _peekedPos;
    private bool _finished;
    private bool _disposed;

    private GuardedDecompressionStream(Decoder decoder, CompressionFormat format, Layer layer, long offset, long maxBytes, long compressedLength)
    {
        _compressedLength = compressedLength;
        _decoder = decoder;
        _format = format;
        _layer = layer;
        _offset = offset;
        _maxBytes = maxBytes;
    }

    /// <summary>Bytes produced so far.</summary>
    public long Produced { get; private set; }

    /// <param name="format">Which decoder to use.</param>
    /// <param name="compressed">From the start of the stream; bytes after its end are ignored.</param>
    /// <param name="layer">The layer holding the compressed bytes (errors are reported there).</param>
    /// <param name="offset">Where the compressed stream starts in that layer.</param>
    /// <param name="maxBytes">Output limit; defaults to <see cref="ExtractionLimits.MaxLayerBytes"/>.</param>
    public static GuardedDecompressionStream Open(CompressionFormat format, ByteSlice compressed, Layer layer, long offset, long? maxBytes = null)
    {
        var limit = Math.Min(maxBytes ?? layer.Limits.MaxLayerBytes, layer.Limits.MaxLayerBytes);
        try
        {
            return new GuardedDecompressionStream(DecompressionStreams.Open(format, compressed, limit), format, layer, offset, limit, compressed.Length);
        }
        catch (Exception e) when (e is not BtfFormatException)
        {
            throw layer.Error($"{format.Name()} stream corrupt: {e.Message}", offset, e);
        }
    }

    /// <summary>Up to <paramref name="count"/> bytes from the current position, which later reads return again.</summary>
    public ReadOnlySpan<byte> Peek(int count)
    {
        if (_peeked.Length - _peekedPos < count)
        {
            var buffer = new byte[count];
            var have = _peeked.Length - _peekedPos;
            _peeked.AsSpan(_peekedPos).CopyTo(buffer);
            while (have < count)
            {
                var n = ReadDecoder(buffer.AsSpan(have));
                if (n == 0) break;
                have += n;
            }
            _peeked = buffer[..have];
            _peekedPos = 0;
        }
        return _peeked.AsSpan(_peekedPos, Math.Min(count, _peeked.Length - _peekedPos));
    }

    /// <summary>Everything that is left, in one array (bounded by the output limit).</summary>
    /// <param name="discard">Only run the decoder to its end (and its integrity checks); return nothing.</param>
    public ByteSlice ReadToEnd(bool discard = false)
    {
        if (discard)
        {
            var scratch = new byte[1 << 16];
            while (Read(scratch) > 0) { }
            return new ByteSlice([]);
        }

        // start near the likely size; each doubling is one copy
        var buffer = new byte[(int)Math.Min(_maxBytes + 1, Math.Clamp(_compressedLength * 4, 1 << 16, 64 << 20))];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(Math.Min((long)buffer.Length * 2, Array.MaxLength), _maxBytes + 1));
            var n = Read(buffer.AsSpan(length));
            if (n == 0) return new ByteSlice(buffer, 0, length);
            length += n;
        }
    }

    public override int Read(Span<byte> buffer)
    {
        if (_peekedPos < _peeked.Length)
        {
            var n = Math.Min(buffer.Length, _peeked.Length - _peekedPos);
            _peeked.AsSpan(_peekedPos, n).CopyTo(buffer);
            _peekedPos += n;
            return n;
        }
        return ReadDecoder(buffer);
    }


    private int ReadDecoder(Span<byte> buffer)
    {
        if (_finished || buffer.Length == 0) return 0;
        int n;
        try
        {
            n = _decoder.Stream.Read(buffer);
        }
        catch (Exception e) when (e is not BtfFormatException)
        {
            throw Corrupt(e.Message, e);
        }
        if (n == 0)
        {
            Finish();
            return 0;
        }
        Produced += n;
        if (Produced > _maxBytes)
            throw _layer.Error($"{_format.Name()} stream decompresses to more than {_maxBytes} bytes; refusing (limit)", _offset);
        _layer.Session.ChargeDecompressed(n, _layer, _offset);
        return n;
    }

    private void Finish()
    {
        _finished = true;
        try
        {
            _decoder.Stream.Dispose(); // SharpCompress's gzip verifies CRC32 and size here
        }
        catch (Exception e) when (e is not BtfFormatException)
        {
            throw Corrupt(e.Message, e);
        }
    }

    private BtfFormatException Corrupt(string detail, Exception inner)
    {
        long consumed;
        try { consumed = _decoder.InputPosition(); }
        catch (ObjectDisposedException) { consumed = 0; }
        return _layer.Error($"{_format.Name()} stream corrupt (after {Produced} bytes of output, near input byte {consumed}): {detail}", _offset + consumed, inner);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed && !_finished)
        {
            // Stopped early (e.g. the tar member was found): the decoder's end-of-stream checks do not apply.
            try { _decoder.Stream.Dispose(); }
            catch (Exception e) when (e is not BtfFormatException) { }
        }
        _disposed = true;
        base.Dispose(disposing);
    }

    public override long Position { get => Produced - (_peeked.Length - _peekedPos); set => throw new NotSupportedException(); }
}
