using System.Buffers.Binary;
using System.Numerics;

namespace BtfNotebooks.Btf;

/// <summary>
/// Name -> type index over the UTF-8 names in the string section, built in the parse pass without creating a
/// single .NET string: a bucket array and a chain per type, keyed by a hash of the name bytes.
/// </summary>
internal sealed class BtfNameIndex
{
    private readonly int[] _buckets;   // head of chain: local index + 1 (0 = empty)
    private readonly int[] _next;      // next in chain: local index + 1
    private readonly uint[] _hashes;   // hash of each indexed type's name (to skip byte compares)
    private readonly int _mask;

    public BtfNameIndex(int typeCount)
    {
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, typeCount));
        _buckets = new int[size];
        _next = new int[Math.Max(1, typeCount)];
        _hashes = new uint[Math.Max(1, typeCount)];
        _mask = size - 1;
    }

    public long RetainedBytes => (_buckets.Length + _next.Length + _hashes.Length) * 4L;

    public void Add(ReadOnlySpan<byte> name, int local)
    {
        uint h = Hash(name);
        _hashes[local] = h;
        ref int head = ref _buckets[h & _mask];
        _next[local] = head;
        head = local + 1;
    }

    /// <summary>Local indexes of the types whose name hashes like <paramref name="name"/>, newest first (callers compare bytes).</summary>
    public ChainEnumerator Candidates(ReadOnlySpan<byte> name)
    {
        uint h = Hash(name);
        return new ChainEnumerator(this, h, _buckets[h & _mask]);
    }

    public struct ChainEnumerator
    {
        private readonly BtfNameIndex _index;
        private readonly uint _hash;
        private int _cursor;
        public ChainEnumerator(BtfNameIndex index, uint hash, int head) { _index = index; _hash = hash; _cursor = head; Current = -1; }
        public int Current { get; private set; }
        public readonly ChainEnumerator GetEnumerator() => this;
        public bool MoveNext()
        {
            while (_cursor != 0)
            {
                int local = _cursor - 1;
                _cursor = _index._next[local];
                if (_index._hashes[local] == _hash) { Current = local; return true; }
            }
            return false;
        }
    }

    /// <summary>A fast multiplicative hash over 8-byte words; quality is ample for identifiers.</summary>
    internal static uint Hash(ReadOnlySpan<byte> s)
    {
        ulong h = 0x9E3779B97F4A7C15UL ^ (ulong)s.Length;
        while (s.Length >= 8)
        {
            h = (h ^ BinaryPrimitives.ReadUInt64LittleEndian(s)) * 0xFF51AFD7ED558CCDUL;
            h ^= h >> 29;
            s = s[8..];
        }
        if (s.Length > 0)
        {
            ulong tail = 0;
            for (int i = 0; i < s.Length; i++) tail |= (ulong)s[i] << (8 * i);
            h = (h ^ tail) * 0xC4CEB9FE1A85EC53UL;
        }
        h ^= h >> 32;
        return (uint)h;
    }
}
