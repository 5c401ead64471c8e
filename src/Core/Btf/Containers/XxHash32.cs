using System.Buffers.Binary;
using System.Numerics;

namespace BtfNotebooks.Btf.Containers;

/// <summary>Incremental XXH32, the checksum of the lz4 frame format (no BCL implementation is available in Core).</summary>
internal sealed class XxHash32
{
    private const uint P1 = 2654435761U, P2 = 2246822519U, P3 = 3266489917U, P4 = 668265263U, P5 = 374761393U;

    private readonly uint _seed;
    private uint _v1, _v2, _v3, _v4;
    private readonly byte[] _pending = new byte[16];
    private int _pendingLength;
    private long _totalLength;

    public XxHash32(uint seed = 0)
    {
        _seed = seed;
        _v1 = seed + P1 + P2;
        _v2 = seed + P2;
        _v3 = seed;
        _v4 = seed - P1;
    }

    public static uint Hash(ReadOnlySpan<byte> data)
    {
        var h = new XxHash32();
        h.Append(data);
        return h.Digest();
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        _totalLength += data.Length;
        if (_pendingLength > 0)
        {
            var take = Math.Min(16 - _pendingLength, data.Length);
            data[..take].CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += take;
            data = data[take..];
            if (_pendingLength < 16) return;
            Stripe(_pending);
            _pendingLength = 0;
        }
        while (data.Length >= 16)
        {
            Stripe(data);
            data = data[16..];
        }
        data.CopyTo(_pending);
        _pendingLength = data.Length;
    }

    public uint Digest()
    {
        var h = _totalLength >= 16
            ? BitOperations.RotateLeft(_v1, 1) + BitOperations.RotateLeft(_v2, 7) + BitOperations.RotateLeft(_v3, 12) + BitOperations.RotateLeft(_v4, 18)
            : _seed + P5;
        h += (uint)_totalLength;
        var rest = _pending.AsSpan(0, _pendingLength);
        for (; rest.Length >= 4; rest = rest[4..])
            h = BitOperations.RotateLeft(h + BinaryPrimitives.ReadUInt32LittleEndian(rest) * P3, 17) * P4;
        foreach (var b in rest)
            h = BitOperations.RotateLeft(h + b * P5, 11) * P1;
        h ^= h >> 15;
        h *= P2;
        h ^= h >> 13;
        h *= P3;
        h ^= h >> 16;
        return h;
    }

    private void Stripe(ReadOnlySpan<byte> s)
    {
        _v1 = Round(_v1, BinaryPrimitives.ReadUInt32LittleEndian(s));
        _v2 = Round(_v2, BinaryPrimitives.ReadUInt32LittleEndian(s[4..]));
        _v3 = Round(_v3, BinaryPrimitives.ReadUInt32LittleEndian(s[8..]));
        _v4 = Round(_v4, BinaryPrimitives.ReadUInt32LittleEndian(s[12..]));
    }

    private static uint Round(uint acc, uint input) => BitOperations.RotateLeft(acc + input * P2, 13) * P1;
}
