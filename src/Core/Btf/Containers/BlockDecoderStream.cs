namespace BtfNotebooks.Btf.Containers;

/// <summary>Read-only stream over a decoder that produces its output one block at a time.</summary>
internal abstract class BlockDecoderStream : ForwardOnlyReadStream
{
    private ReadOnlyMemory<byte> _block;

    /// <summary>How many compressed bytes have been consumed.</summary>
    public abstract long InputPosition { get; }

    /// <summary>Decodes the next block; returns false at the end of the stream.</summary>
    protected abstract bool TryDecodeNextBlock(out ReadOnlyMemory<byte> block);

    public override int Read(Span<byte> buffer)
    {
        while (_block.IsEmpty)
        {
            if (buffer.IsEmpty || !TryDecodeNextBlock(out _block)) return 0;
        }
        var n = Math.Min(buffer.Length, _block.Length);
        _block.Span[..n].CopyTo(buffer);
        _block = _block[n..];
        return n;
    }


}
