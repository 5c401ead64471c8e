using K4os.Compression.LZ4;

namespace BtfNotebooks.Btf.Containers;

/// <summary>
/// The lz4 "legacy" format the kernel uses for lz4-compressed images (<c>lz4 -l</c>): magic
/// 02 21 4C 18, then blocks of [u32 LE compressed size][LZ4 block], each decoding to at most
/// 8 MiB. There is no end marker and no checksum: the stream ends at the end of the input, at a
/// size no block can have (x86 appends the uncompressed size, which is larger), or at a 4-byte
/// trailer. A repeated magic starts a concatenated stream.
/// </summary>
internal sealed class Lz4LegacyStream : BlockDecoderStream
{
    private const uint LegacyMagic = 0x184C2102;
    private const int MaxBlockOutput = 8 << 20;
    private static readonly int MaxBlockInput = LZ4Codec.MaximumOutputSize(MaxBlockOutput);

    private readonly ByteSlice _input;
    private byte[] _output = [];
    private int _position;
    private bool _ended;

    public Lz4LegacyStream(ByteSlice input)
    {
        if (input.Length < 4 || Endian.U32Le(input.Span, 0) != LegacyMagic) throw new InvalidDataException("missing lz4 legacy magic");
        _input = input;
        _position = 4;
    }

    public override long InputPosition => _position;

    protected override bool TryDecodeNextBlock(out ReadOnlyMemory<byte> block)
    {
        block = default;
        var s = _input.Span;
        while (!_ended)
        {
            var remaining = s.Length - _position;
            if (remaining < 4) break;
            var size = Endian.U32Le(s, _position);
            if (size == LegacyMagic)
            {
                _position += 4;
                continue;
            }
            if (size == 0 || size > MaxBlockInput) break; // not a block: trailing data
            if (size > remaining - 4)
            {
                if (remaining == 4) break; // a lone trailing u32 (the size x86 appends to small payloads)
                throw new InvalidDataException($"block at 0x{_position:x} needs {size} bytes but only {remaining - 4} remain (truncated)");
            }
            var source = s.Slice(_position + 4, (int)size);
            // LZ4 expands at most ~255x, so small blocks need no 8 MiB buffer
            var capacity = (int)Math.Min(MaxBlockOutput, size * 255L + 64);
            if (_output.Length < capacity) _output = new byte[capacity];
            var decoded = LZ4Codec.Decode(source, _output.AsSpan(0, capacity));
            if (decoded < 0) throw new InvalidDataException($"block at 0x{_position:x} ({size} bytes) is corrupt");
            _position += 4 + (int)size;
            if (decoded == 0) continue;
            block = _output.AsMemory(0, decoded);
            return true;
        }
        _ended = true;
        return false;
    }
}
