using System.IO.Hashing;
using K4os.Compression.LZ4;

namespace BtfNotebooks.Btf.Containers;

/// <summary>
/// The standard lz4 frame format (what <c>lz4 FILE</c> writes): magic 04 22 4D 18, a frame
/// descriptor, blocks of [u32 size, high bit = stored][data][optional XXH32], an end mark, and an
/// optional XXH32 of the content. Linked blocks may refer back 64 KiB into earlier output.
/// Only the first frame is read; anything after it is ignored.
/// </summary>
internal sealed class Lz4FrameStream : BlockDecoderStream
{
    private const int HistorySize = 64 << 10;

    private readonly ByteSlice _input;
    private readonly bool _independentBlocks, _blockChecksums, _contentChecksum;
    private readonly int _maxBlockSize;
    private readonly ulong? _contentSize;
    private readonly XxHash32? _contentHash;
    private byte[] _output = [];
    private readonly byte[] _history = new byte[HistorySize];
    private int _historyLength;
    private long _produced;
    private int _position;
    private bool _ended;

    public Lz4FrameStream(ByteSlice input)
    {
        _input = input;
        var s = input.Span;
        if (s.Length < 7 || Endian.U32Le(s, 0) != 0x184D2204) throw new InvalidDataException("missing lz4 frame magic");
        var flags = s[4];
        var blockDescriptor = s[5];
        if ((flags & 0xC0) != 0x40) throw new InvalidDataException($"frame version {flags >> 6} is not 1");
        if ((flags & 0x02) != 0 || (blockDescriptor & 0x8F) != 0) throw new InvalidDataException("reserved frame descriptor bits are set");
        if ((flags & 0x01) != 0) throw new InvalidDataException("frame needs an external dictionary (not supported)");
        _independentBlocks = (flags & 0x20) != 0;
        _blockChecksums = (flags & 0x10) != 0;
        _contentChecksum = (flags & 0x04) != 0;
        var sizeCode = (blockDescriptor >> 4) & 7;
        if (sizeCode < 4) throw new InvalidDataException($"block maximum size code {sizeCode} is invalid");
        _maxBlockSize = (64 << 10) << (2 * (sizeCode - 4));

        var descriptorLength = (flags & 0x08) != 0 ? 10 : 2;
        if (s.Length < 4 + descriptorLength + 1) throw new InvalidDataException("frame descriptor truncated");
        if ((flags & 0x08) != 0) _contentSize = Endian.U64(s, 6, bigEndian: false);
        var expected = (byte)(XxHash32.HashToUInt32(s.Slice(4, descriptorLength)) >> 8);
        if (s[4 + descriptorLength] != expected) throw new InvalidDataException("frame descriptor checksum mismatch");
        _position = 4 + descriptorLength + 1;
        if (_contentChecksum) _contentHash = new XxHash32();
    }

    public override long InputPosition => _position;

    protected override bool TryDecodeNextBlock(out ReadOnlyMemory<byte> block)
    {
        block = default;
        if (_ended) return false;
        var s = _input.Span;
        var blockStart = _position;
        var word = Need(4, "block size");
        _position += 4;
        if (word == 0)
        {
            End();
            return false;
        }
        var stored = (word & 0x80000000) != 0;
        var size = (int)(word & 0x7FFFFFFF);
        if (size > _maxBlockSize) throw new InvalidDataException($"block at 0x{blockStart:x} claims {size} bytes, over the frame's {_maxBlockSize}-byte maximum");
        Need(size + (_blockChecksums ? 4 : 0), "block");
        var data = s.Slice(_position, size);
        _position += size;
        if (_blockChecksums)
        {
            if (XxHash32.HashToUInt32(data) != Endian.U32Le(s, _position)) throw new InvalidDataException($"block at 0x{blockStart:x} fails its checksum");
            _position += 4;
        }

        // LZ4 expands at most ~255x, so a small block needs no 4 MiB buffer
        var capacity = stored ? size : (int)Math.Min(_maxBlockSize, size * 255L + 64);
        if (_output.Length < capacity) _output = new byte[capacity];
        int decoded;
        if (stored)
        {
            data.CopyTo(_output);
            decoded = size;
        }
        else
        {
            decoded = _independentBlocks
                ? LZ4Codec.Decode(data, _output.AsSpan(0, capacity))
                : LZ4Codec.Decode(data, _output.AsSpan(0, capacity), _history.AsSpan(0, _historyLength));
            if (decoded < 0) throw new InvalidDataException($"block at 0x{blockStart:x} is corrupt");
        }
        var output = _output.AsSpan(0, decoded);
        _contentHash?.Append(output);
        _produced += decoded;
        if (!_independentBlocks) Remember(output);
        block = _output.AsMemory(0, decoded);
        return true;
    }

    private void End()
    {
        _ended = true;
        if (_contentSize is { } size && (ulong)_produced != size)
            throw new InvalidDataException($"frame decoded to {_produced} bytes, its header says {size}");
        if (_contentHash is null) return;
        var expected = Need(4, "content checksum");
        _position += 4;
        if (_contentHash.GetCurrentHashAsUInt32() != expected) throw new InvalidDataException("content checksum mismatch");
    }

    /// <summary>Checks that <paramref name="count"/> more input bytes exist; returns the u32 at the position if there are 4.</summary>
    private uint Need(int count, string what)
    {
        if (_input.Length - _position < count)
            throw new InvalidDataException($"frame truncated: {what} at 0x{_position:x} needs {count} bytes, {_input.Length - _position} left");
        return count >= 4 ? Endian.U32Le(_input.Span, _position) : 0;
    }

    /// <summary>Keeps the last 64 KiB of output: a linked block's matches may reach that far back.</summary>
    private void Remember(ReadOnlySpan<byte> output)
    {
        if (output.Length >= HistorySize)
        {
            output[^HistorySize..].CopyTo(_history);
            _historyLength = HistorySize;
            return;
        }
        var keep = Math.Min(_historyLength, HistorySize - output.Length);
        _history.AsSpan(_historyLength - keep, keep).CopyTo(_history);
        output.CopyTo(_history.AsSpan(keep));
        _historyLength = keep + output.Length;
    }
}
