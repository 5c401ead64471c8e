using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BtfNotebooks.Btf;

/// <summary>
/// Name -> type index over the UTF-8 names in the string section, built in the parse pass without creating a
/// single .NET string: a bucket array and a chain per type, keyed by a hash of the name bytes that is computed
/// while finding the name's NUL (8 bytes at a time).
/// </summary>
internal sealed class BtfNameIndex
{
    private const ulong Seed = 0x9E3779B97F4A7C15UL, K1 = 0xFF51AFD7ED558CCDUL, K2 = 0xC4CEB9FE1A85EC53UL;
    private const ulong Ones = 0x0101010101010101UL, Highs = 0x8080808080808080UL;

    private readonly int[] _buckets;   // head of chain: local index + 1 (0 = empty)
    private int[] _next;               // next in chain: local index + 1 (callers compare the name bytes)
    private readonly int _mask;
    private List<(int Local, uint NameOffset)>? _pending;

    public BtfNameIndex(int expectedTypes)
    {
        // about one bucket per two named types: chains stay short and the array stays in cache
        int size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, expectedTypes / 2));
        _buckets = new int[size];
        _next = GC.AllocateUninitializedArray<int>(Math.Max(16, expectedTypes)); // every used slot is written before it is read
        _mask = size - 1;
    }

    public long RetainedBytes => (_buckets.Length + _next.Length) * 4L;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(uint hash, int local)
    {
        if (local >= _next.Length) Array.Resize(ref _next, Math.Max(_next.Length * 2, local + 1));
        ref int head = ref _buckets[hash & (uint)_mask];
        _next[local] = head;
        head = local + 1;
    }

    /// <summary>A name that lives in the base's strings: hashed once the spec (and so its base) is built.</summary>
    public void AddPending(int local, uint nameOffset) => (_pending ??= new()).Add((local, nameOffset));

    public void ResolvePending(BtfSpec spec)
    {
        if (_pending is null) return;
        foreach (var (local, nameOffset) in _pending) Add(Hash(spec.StringBytes(nameOffset)), local);
        _pending = null;
    }

    /// <summary>Local indexes of the types in the name's bucket, newest first; callers compare the name bytes.</summary>
    public ChainEnumerator Candidates(ReadOnlySpan<byte> name) => new(this, _buckets[Hash(name) & (uint)_mask]);

    public struct ChainEnumerator
    {
        private readonly BtfNameIndex _index;
        private int _cursor;
        public ChainEnumerator(BtfNameIndex index, int head) { _index = index; _cursor = head; Current = -1; }
        public int Current { get; private set; }
        public readonly ChainEnumerator GetEnumerator() => this;
        public bool MoveNext()
        {
            if (_cursor == 0) return false;
            Current = _cursor - 1;
            _cursor = _index._next[Current];
            return true;
        }
    }

    // The two hash functions below must agree: whole 8-byte words mixed in, then the bytes before the NUL
    // zero-padded into one last word (if any), then the length.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MixWord(ulong h, ulong w) => (BitOperations.RotateLeft(h, 23) ^ w) * K1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Finish(ulong h, int length) { h = (h ^ (ulong)length) * K2; return (uint)(h ^ (h >> 32)); }

    internal static uint Hash(ReadOnlySpan<byte> s)
    {
        ulong h = Seed;
        int length = s.Length;
        while (s.Length >= 8)
        {
            h = MixWord(h, MemoryMarshal.Read<ulong>(s));
            s = s[8..];
        }
        if (s.Length > 0)
        {
            ulong tail = 0;
            for (int i = 0; i < s.Length; i++) tail |= (ulong)s[i] << (8 * i);
            h = MixWord(h, tail);
        }
        return Finish(h, length);
    }

    /// <summary>Hash of the NUL-terminated string at data[start..]; the section [.., end) is known to end with NUL.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static uint HashCString(byte[] data, int start, int end)
    {
        ref byte b = ref MemoryMarshal.GetArrayDataReference(data);
        ulong h = Seed;
        int pos = start;
        while (true)
        {
            ulong w;
            if (end - pos >= 8) w = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, pos));
            else
            {
                w = 0; // near the end: zero-padded, and the section's final NUL is inside
                for (int i = 0; i < end - pos; i++) w |= (ulong)Unsafe.Add(ref b, pos + i) << (8 * i);
            }
            ulong zeros = (w - Ones) & ~w & Highs; // lowest set bit marks the first NUL byte (little-endian)
            if (zeros != 0)
            {
                int k = BitOperations.TrailingZeroCount(zeros) >> 3;
                if (k > 0) h = MixWord(h, w & ((1UL << (8 * k)) - 1));
                return Finish(h, pos - start + k);
            }
            h = MixWord(h, w);
            pos += 8;
        }
    }
}
