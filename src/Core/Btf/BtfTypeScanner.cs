using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BtfNotebooks.Btf;

/// <summary>
/// The single hot pass over the type section: finds every record, checks kinds and extents, keeps the highest
/// referenced type ID and string offset (checked once at the end), and fills the name index. It reads with
/// unchecked loads, so every read is preceded by the extent check that makes it safe.
/// </summary>
internal static class BtfTypeScanner
{
    public readonly record struct Result(int[] Offsets, int Count, BtfNameIndex Names, uint MaxTypeRef, uint MaxNameOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Rd(ref byte b, int offset) => Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref b, offset));

    // Maxima are kept with predictable branches, not Math.Max (a cmov chained through every member would
    // serialise the loop), and nothing in the loop has its address taken, so the JIT keeps it all in registers.
    private static int[] Grow(int[] a)
    {
        var bigger = GC.AllocateUninitializedArray<int>(a.Length * 2);
        a.CopyTo(bigger, 0);
        return bigger;
    }

    public static Result Scan(byte[] data, int pos, int end, int blobStart, uint firstId, string? source,
                              int stringsStart, int stringsLength, uint stringBase)
    {
        ref byte b = ref MemoryMarshal.GetArrayDataReference(data);
        int estimate = Math.Max(16, (end - pos) / 20);
        var offsets = GC.AllocateUninitializedArray<int>(estimate);
        var names = new BtfNameIndex(estimate);
        int count = 0;
        uint maxRef = 0, maxName = 0;

        while (pos < end)
        {
            if (end - pos < 12)
                throw new BtfFormatException($"truncated type record: {end - pos} bytes left in the type section, need 12", pos - blobStart, firstId + (uint)count, source);
            uint nameOff = Rd(ref b, pos);
            uint info = Rd(ref b, pos + 4);
            uint sizeOrType = Rd(ref b, pos + 8);
            var kind = (BtfKind)((info >> 24) & 0x1f);
            int vlen = (int)(info & 0xffff);
            int trailer = BtfKindExtensions.TrailerSize(kind, vlen);
            if (kind == BtfKind.Unknown || kind > BtfKindExtensions.MaxKind)
                throw new BtfFormatException($"unknown BTF kind {(int)kind}", pos + 4 - blobStart, firstId + (uint)count, source);
            if (end - pos - 12 < trailer)
                throw new BtfFormatException($"{kind.ToBpftoolName()} with vlen {vlen} needs {12 + trailer} bytes, only {end - pos} left in the type section", pos - blobStart, firstId + (uint)count, source);

            if (count == offsets.Length) offsets = Grow(offsets);
            offsets[count] = pos;

            if (nameOff != 0)
            {
                { uint v = nameOff; if (v > maxName) maxName = v; }
                // Names below stringBase live in the base and are hashed from there (split BTF is small).
                uint rel = nameOff - stringBase;
                if (nameOff >= stringBase && rel < (uint)stringsLength)
                    names.Add(BtfNameIndex.HashCString(data, stringsStart + (int)rel, stringsStart + stringsLength), count);
                else
                    names.AddPending(count, nameOff);
            }

            int p = pos + 12;
            switch (kind)
            {
                case BtfKind.Ptr or BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict
                    or BtfKind.TypeTag or BtfKind.Func or BtfKind.Var or BtfKind.DeclTag:
                    { uint v = sizeOrType; if (v > maxRef) maxRef = v; }
                    break;
                case BtfKind.Array:
                    { uint v = Rd(ref b, p); if (v > maxRef) maxRef = v; } { uint v = Rd(ref b, p + 4); if (v > maxRef) maxRef = v; }
                    break;
                case BtfKind.Struct or BtfKind.Union:
                    for (int m = 0; m < vlen; m++, p += 12)
                    {
                        { uint v = Rd(ref b, p); if (v > maxName) maxName = v; }
                        { uint v = Rd(ref b, p + 4); if (v > maxRef) maxRef = v; }
                    }
                    break;
                case BtfKind.FuncProto:
                    { uint v = sizeOrType; if (v > maxRef) maxRef = v; }
                    for (int m = 0; m < vlen; m++, p += 8)
                    {
                        { uint v = Rd(ref b, p); if (v > maxName) maxName = v; }
                        { uint v = Rd(ref b, p + 4); if (v > maxRef) maxRef = v; }
                    }
                    break;
                case BtfKind.Enum:
                    for (int m = 0; m < vlen; m++, p += 8) { uint v = Rd(ref b, p); if (v > maxName) maxName = v; }
                    break;
                case BtfKind.Enum64:
                    for (int m = 0; m < vlen; m++, p += 12) { uint v = Rd(ref b, p); if (v > maxName) maxName = v; }
                    break;
                case BtfKind.Datasec:
                    for (int m = 0; m < vlen; m++, p += 12) { uint v = Rd(ref b, p); if (v > maxRef) maxRef = v; }
                    break;
            }
            count++;
            pos += 12 + trailer;
        }
        if (firstId + (ulong)count > int.MaxValue)
            throw new BtfFormatException($"too many types ({count})", end - blobStart, source: source);
        return new Result(offsets, count, names, maxRef, maxName);
    }
}
