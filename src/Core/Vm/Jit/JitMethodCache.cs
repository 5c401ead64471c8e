using System.Reflection.Emit;

namespace BtfNotebooks.Vm;

public sealed partial class BpfVm
{
    /// <summary>
    /// Compiled methods shared by VMs that run the same code. A compiled method depends only on the decoded program
    /// (resolved lddw values included) and its function entries, never on the VM it runs for: the VM is the delegate's
    /// target. So a test that loads the same object for the same kernel in every test case, or a notebook that runs a
    /// cell again, pays the .NET JIT once. Failures are remembered too. Bounded: the oldest entry goes first, so a
    /// process that compiles ever new programs keeps at most <see cref="Capacity"/> of them, and at most
    /// <see cref="SlotCapacity"/> slots of code among them (machine code takes some tens of bytes per instruction).
    /// </summary>
    private static class JitMethodCache
    {
        public const int Capacity = 256;
        public const int SlotCapacity = 1 << 20;

        private static readonly Dictionary<Key, Entry> Entries = [];
        private static readonly Queue<Key> Order = new();
        private static readonly Lock Gate = new();
        private static long _slots; // code slots of the cached programs

        /// <summary>A compiled method, or why the program could not be compiled.</summary>
        public sealed record Entry(DynamicMethod? Method, string? FailureReason);

        /// <summary>How many programs were compiled (not found in the cache) in this process; for tests.</summary>
        internal static int Compilations;

        public static Entry GetOrCompile(DecodedSlot[] code, int[] entries, Func<Entry> compile)
        {
            var key = new Key(code, entries);
            lock (Gate)
            {
                if (Entries.TryGetValue(key, out var found)) return found;
            }
            // Compiled outside the lock: two threads may compile the same program at once; both results are right.
            var entry = compile();
            Interlocked.Increment(ref Compilations);
            lock (Gate)
            {
                if (Entries.TryAdd(key, entry))
                {
                    Order.Enqueue(key);
                    _slots += key.Slots;
                    while (Order.Count > Capacity || _slots > SlotCapacity && Order.Count > 1)
                    {
                        var oldest = Order.Dequeue();
                        Entries.Remove(oldest);
                        _slots -= oldest.Slots;
                    }
                }
                return Entries[key]; // the newest entry is never the one evicted
            }
        }

        /// <summary>Each slot packed into 64 bits (op 8, dst 4, src 4, off 16, imm 32: dst and src are 4-bit fields of the
        /// encoding, so nothing is lost), then the entries.</summary>
        private sealed class Key : IEquatable<Key>
        {
            private readonly ulong[] _words;
            private readonly int _hash;

            public int Slots { get; }

            public Key(DecodedSlot[] code, int[] entries)
            {
                Slots = code.Length;
                _words = new ulong[code.Length + entries.Length];
                for (int i = 0; i < code.Length; i++)
                {
                    ref readonly var s = ref code[i];
                    _words[i] = s.Op | (ulong)(s.Dst & 0xf) << 8 | (ulong)(s.Src & 0xf) << 12 | (ulong)(ushort)s.Off << 16 | (ulong)(uint)s.Imm << 32;
                }
                for (int i = 0; i < entries.Length; i++) _words[code.Length + i] = (ulong)(uint)entries[i] | 1UL << 63;
                var hash = new HashCode();
                hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_words.AsSpan()));
                _hash = hash.ToHashCode();
            }

            public bool Equals(Key? other) => other is not null && _hash == other._hash && _words.AsSpan().SequenceEqual(other._words);

            public override bool Equals(object? obj) => Equals(obj as Key);

            public override int GetHashCode() => _hash;
        }
    }
}
