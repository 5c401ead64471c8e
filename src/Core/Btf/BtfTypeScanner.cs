using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BtfNotebooks.Btf;

/// <summary>
/// The hot path of parsing, in two parts: <see cref="FindRecords"/> walks the type section (kinds and extents
/// checked, one offset per type, and the highest type ID and string offset referenced: the precise pass in BtfSpec
/// names an offender) and <see cref="Indexer"/> hashes every type's name but FUNCs' into the name index. For a large blob (a
/// vmlinux) the indexer follows the walker on a second core, so the wall time is about that of the walk alone;
/// small blobs (modules, BPF objects) are done in one thread.
/// </summary>
internal static class BtfTypeScanner
{
    public readonly record struct Result(int[] Offsets, int Count, BtfNameIndex Names, uint MaxTypeRef, uint MaxNameOffset);

    private const int ParallelThreshold = 512 * 1024; // type-section bytes
    private const int PublishEvery = 2048;            // types per hand-over to the indexer

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Rd(ref byte b, int offset) => Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref b, offset));

    public static Result Scan(byte[] data, int pos, int end, int blobStart, uint firstId, string? source,
                              int stringsStart, int stringsLength, uint stringBase)
    {
        // Records are at least 12 bytes, so this many offsets always suffice: the array never moves while the
        // indexer reads it.
        var offsets = GC.AllocateUninitializedArray<int>((end - pos) / 12 + 1);
        var indexer = new Indexer(data, offsets, stringsStart, stringsLength, stringBase, Math.Max(16, (end - pos) / 20));
        if (end - pos < ParallelThreshold || Environment.ProcessorCount < 2)
        {
            int n = FindRecords(data, pos, end, blobStart, firstId, source, offsets, null, out uint maxRef, out uint maxName);
            indexer.Process(0, n);
            return new Result(offsets, n, indexer.Names, maxRef, maxName);
        }

        var handOver = new HandOver();
        var follower = Task.Run(() => indexer.Follow(handOver));
        int count;
        uint maxTypeRef, maxNameOffset;
        try
        {
            count = FindRecords(data, pos, end, blobStart, firstId, source, offsets, handOver, out maxTypeRef, out maxNameOffset);
        }
        catch
        {
            handOver.Cancelled = true;
            follower.Wait();
            throw;
        }
        follower.Wait();
        return new Result(offsets, count, indexer.Names, maxTypeRef, maxNameOffset);
    }

    /// <summary>Progress shared by the walker (writes) and the indexer (reads); offsets below Published are final.</summary>
    private sealed class HandOver
    {
        public int Published;
        public volatile bool Finished;
        public volatile bool Cancelled;
    }

    /// <summary>Walks the type section: one offset per record; kinds and extents checked.</summary>
    // Fully optimised from the first call: a program parses a handful of blobs, so tiered JIT would leave these
    // loops in unoptimised code for exactly the calls that matter.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int FindRecords(byte[] data, int pos, int end, int blobStart, uint firstId, string? source, int[] offsets, HandOver? handOver,
                                   out uint maxRefOut, out uint maxNameOut)
    {
        ref byte b = ref MemoryMarshal.GetArrayDataReference(data);
        int count = 0;
        // Maxima use predictable branches, not Math.Max: a cmov chained through every member serialises the loop.
        uint maxRef = 0, maxName = 0;
        while (pos < end)
        {
            if (end - pos < 12) ThrowTruncated(end - pos, pos - blobStart, firstId + (uint)count, source);
            uint info = Rd(ref b, pos + 4);
            var kind = (BtfKind)((info >> 24) & 0x1f);
            int vlen = (int)(info & 0xffff);
            if (kind == BtfKind.Unknown || kind > BtfKindExtensions.MaxKind) ThrowUnknownKind(kind, pos + 4 - blobStart, firstId + (uint)count, source);
            int trailer = BtfKindExtensions.TrailerSize(kind, vlen);
            if (end - pos - 12 < trailer) ThrowPastEnd(kind, vlen, trailer, end - pos, pos - blobStart, firstId + (uint)count, source);
            offsets[count++] = pos;

            uint nameOff = Rd(ref b, pos), sizeOrType = Rd(ref b, pos + 8);
            if (nameOff > maxName) maxName = nameOff;
            int p = pos + 12;
            switch (kind)
            {
                case BtfKind.Ptr or BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict
                    or BtfKind.TypeTag or BtfKind.Func or BtfKind.Var or BtfKind.DeclTag:
                    if (sizeOrType > maxRef) maxRef = sizeOrType;
                    break;
                case BtfKind.Array:
                    uint elem = Rd(ref b, p), index = Rd(ref b, p + 4);
                    if (elem > maxRef) maxRef = elem;
                    if (index > maxRef) maxRef = index;
                    break;
                case BtfKind.Struct or BtfKind.Union or BtfKind.FuncProto:
                    if (kind == BtfKind.FuncProto && sizeOrType > maxRef) maxRef = sizeOrType;
                    int stride = kind == BtfKind.FuncProto ? 8 : 12;
                    for (int m = 0; m < vlen; m++, p += stride)
                    {
                        uint n = Rd(ref b, p), t = Rd(ref b, p + 4);
                        if (n > maxName) maxName = n;
                        if (t > maxRef) maxRef = t;
                    }
                    break;
                case BtfKind.Enum or BtfKind.Enum64:
                    int estride = kind == BtfKind.Enum ? 8 : 12;
                    for (int m = 0; m < vlen; m++, p += estride)
                    {
                        uint n = Rd(ref b, p);
                        if (n > maxName) maxName = n;
                    }
                    break;
                case BtfKind.Datasec:
                    for (int m = 0; m < vlen; m++, p += 12)
                    {
                        uint t = Rd(ref b, p);
                        if (t > maxRef) maxRef = t;
                    }
                    break;
            }
            pos += 12 + trailer;
            if (handOver is not null && count % PublishEvery == 0) Volatile.Write(ref handOver.Published, count);
        }
        if (firstId + (ulong)count > int.MaxValue)
            throw new BtfFormatException($"too many types ({count})", end - blobStart, source: source);
        if (handOver is not null)
        {
            Volatile.Write(ref handOver.Published, count);
            handOver.Finished = true;
        }
        maxRefOut = maxRef;
        maxNameOut = maxName;
        return count;
    }

    [DoesNotReturn]
    private static void ThrowTruncated(int left, long at, uint id, string? source) =>
        throw new BtfFormatException($"truncated type record: {left} bytes left in the type section, need 12", at, id, source);

    [DoesNotReturn]
    private static void ThrowUnknownKind(BtfKind kind, long at, uint id, string? source) =>
        throw new BtfFormatException($"unknown BTF kind {(int)kind}", at, id, source);

    [DoesNotReturn]
    private static void ThrowPastEnd(BtfKind kind, int vlen, int trailer, int left, long at, uint id, string? source) =>
        throw new BtfFormatException($"{kind.ToBpftoolName()} with vlen {vlen} needs {12 + trailer} bytes, only {left} left in the type section", at, id, source);

    /// <summary>Hashes each type's name into the name index (FUNC names are indexed separately, on first use).</summary>
    private sealed class Indexer(byte[] data, int[] offsets, int stringsStart, int stringsLength, uint stringBase, int expectedTypes)
    {
        public BtfNameIndex Names { get; } = new(expectedTypes);

        public void Follow(HandOver handOver)
        {
            var spinner = new SpinWait();
            int done = 0;
            while (!handOver.Cancelled)
            {
                bool finished = handOver.Finished; // read before Published: if finished, Published is final
                int available = Volatile.Read(ref handOver.Published);
                if (available > done)
                {
                    Process(done, available);
                    done = available;
                    spinner.Reset();
                }
                else if (finished) return;
                else spinner.SpinOnce(sleep1Threshold: -1);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Process(int from, int to)
        {
            ref byte b = ref MemoryMarshal.GetArrayDataReference(data);
            int stringsEnd = stringsStart + stringsLength;
            for (int i = from; i < to; i++)
            {
                int pos = offsets[i];
                uint nameOff = Rd(ref b, pos);
                // FUNC names (three quarters of a vmlinux's names) get their own index, built on first use.
                if (nameOff != 0 && ((Rd(ref b, pos + 4) >> 24) & 0x1f) != (uint)BtfKind.Func)
                {
                    // Names below stringBase live in the base and are hashed once the spec is built (split BTF is small).
                    uint rel = nameOff - stringBase;
                    if (nameOff >= stringBase && rel < (uint)stringsLength)
                        Names.Add(BtfNameIndex.HashCString(data, stringsStart + (int)rel, stringsEnd), i);
                    else
                        Names.AddPending(i, nameOff);
                }
            }
        }
    }
}
