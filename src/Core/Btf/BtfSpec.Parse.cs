using System.Buffers.Binary;

using BtfNotebooks.Btf.Containers;

namespace BtfNotebooks.Btf;

public sealed partial class BtfSpec
{
    /// <summary>Loads BTF from a file of any supported form (raw, ELF, compressed, archive, kernel image).</summary>
    public static BtfSpec Load(string path, BtfSpec? baseSpec = null, BtfBlobCache? cache = null)
    {
        var blob = cache is null ? BtfContainer.ExtractFile(path) : cache.Extract(path);
        return Parse(blob.Data, blob.Start, blob.Length, baseSpec, blob.Origin == "raw BTF" ? path : $"{path} ({blob.Origin})");
    }


    /// <summary>Parses a raw BTF blob (no container detection).</summary>
    public static BtfSpec Parse(byte[] raw, BtfSpec? baseSpec = null, string? source = null) => Parse(raw, 0, raw.Length, baseSpec, source);

    /// <summary>
    /// Parses the raw BTF in data[start..start+length]. Validates everything that later queries rely on:
    /// header, every type record's extent and kind, every string offset and every referenced type ID.
    /// </summary>
    public static BtfSpec Parse(byte[] data, int start, int length, BtfSpec? baseSpec = null, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if ((uint)start > (uint)data.Length || (uint)length > (uint)(data.Length - start))
            throw new ArgumentOutOfRangeException(nameof(length));
        var header = BtfHeader.Read(data.AsSpan(start, length), source);

        if (header.BigEndian)
        {
            // Every field after the magic/version/flags is a 32-bit word, in the header and in every kind's
            // trailer, so swapping word by word yields the little-endian form the rest of the code reads.
            var copy = data.AsSpan(start, length).ToArray();
            SwapWords(copy.AsSpan(4, (int)header.HeaderLength - 4));
            SwapWords(copy.AsSpan((int)header.HeaderLength + (int)header.TypeOffset, (int)header.TypeLength & ~3));
            copy[0] = 0x9F; copy[1] = 0xEB;
            data = copy;
            start = 0;
        }
        else if (start != 0 || length != data.Length)
        {
            // Keep exactly the blob: not a whole ELF vmlinux, nor a decompression buffer's spare capacity.
            data = data.AsSpan(start, length).ToArray();
            start = 0;
        }

        int typesStart = start + (int)header.HeaderLength + (int)header.TypeOffset;
        int typesEnd = typesStart + (int)header.TypeLength;
        int stringsStart = start + (int)header.HeaderLength + (int)header.StringOffset;
        ValidateStringSection(data.AsSpan(stringsStart, (int)header.StringLength), baseSpec, stringsStart - start, source);

        var scan = BtfTypeScanner.Scan(data, typesStart, typesEnd, start, baseSpec?.TypeCount ?? 1, source,
                                       stringsStart, (int)header.StringLength, baseSpec?.TotalStringLength ?? 0);
        var spec = new BtfSpec(data, header, start, length, baseSpec, source, scan.Offsets, scan.Count, scan.Names);
        // The scan kept only maxima; a bad reference or name (or any name of split BTF, which must start a string
        // so that a wrong base shows) sends us through the precise pass that names the first offender.
        if (scan.MaxTypeRef >= spec.TypeCount || scan.MaxNameOffset >= spec.TotalStringLength || baseSpec is not null)
            spec.ValidateReferences(start);
        spec._names.ResolvePending(spec);
        return spec;
    }

    private static void SwapWords(Span<byte> span)
    {
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(span[..(span.Length & ~3)]);
        BinaryPrimitives.ReverseEndianness(words, words);
    }

    private static void ValidateStringSection(ReadOnlySpan<byte> strings, BtfSpec? baseSpec, long at, string? source)
    {
        // Split BTF may have no strings of its own; otherwise the section must be NUL-terminated, and a base
        // BTF's must start with the empty string that name offset 0 denotes.
        if (baseSpec is not null && strings.Length == 0) return;
        if (strings.Length == 0)
            throw new BtfFormatException("empty string section", at, source: source);
        if (strings[^1] != 0)
            throw new BtfFormatException("string section does not end with NUL", at + strings.Length - 1, source: source);
        if (baseSpec is null && strings[0] != 0)
            throw new BtfFormatException("string section does not start with NUL (offset 0 must be the empty name)", at, source: source);
    }

    /// <summary>
    /// The precise pass: every string offset must be in range (and, in split BTF, at the start of a string: a wrong
    /// base shifts the split's offsets into the middle of strings), every referenced type ID must exist. Throws
    /// for the first offender, naming its type ID and file offset.
    /// </summary>
    private void ValidateReferences(int blobStart)
    {
        uint typeCount = TypeCount;
        uint strEnd = TotalStringLength;
        bool split = Base is not null;

        for (int i = 0; i < LocalTypeCount; i++)
        {
            int off = _typeOffsets[i];
            uint id = FirstTypeId + (uint)i;
            uint nameOff = U32(off);
            uint info = U32(off + 4);
            uint sizeOrType = U32(off + 8);
            var kind = (BtfKind)((info >> 24) & 0x1f);
            int vlen = (int)(info & 0xffff);

            if (nameOff != 0) CheckName(nameOff, off, id);

            switch (kind)
            {
                case BtfKind.Ptr or BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict
                    or BtfKind.TypeTag or BtfKind.Func or BtfKind.Var or BtfKind.DeclTag:
                    CheckRef(sizeOrType, off + 8, id);
                    break;
                case BtfKind.FuncProto:
                    CheckRef(sizeOrType, off + 8, id);
                    for (int m = 0, p = off + 12; m < vlen; m++, p += 8)
                    {
                        uint n = U32(p);
                        if (n != 0) CheckName(n, p, id);
                        CheckRef(U32(p + 4), p + 4, id);
                    }
                    break;
                case BtfKind.Array:
                    CheckRef(U32(off + 12), off + 12, id);
                    CheckRef(U32(off + 16), off + 16, id);
                    break;
                case BtfKind.Struct or BtfKind.Union:
                    for (int m = 0, p = off + 12; m < vlen; m++, p += 12)
                    {
                        uint n = U32(p);
                        if (n != 0) CheckName(n, p, id);
                        CheckRef(U32(p + 4), p + 4, id);
                    }
                    break;
                case BtfKind.Enum:
                    for (int m = 0, p = off + 12; m < vlen; m++, p += 8)
                        CheckName(U32(p), p, id);
                    break;
                case BtfKind.Enum64:
                    for (int m = 0, p = off + 12; m < vlen; m++, p += 12)
                        CheckName(U32(p), p, id);
                    break;
                case BtfKind.Datasec:
                    for (int m = 0, p = off + 12; m < vlen; m++, p += 12)
                        CheckRef(U32(p), p, id);
                    break;
            }
        }

        void CheckRef(uint target, int at, uint id)
        {
            if (target >= typeCount)
                throw new BtfFormatException(
                    split ? $"refers to type ID {target}, past the last ID {typeCount - 1}: dangling reference (is this the right base?)"
                          : $"refers to type ID {target}, past the last ID {typeCount - 1}: dangling reference",
                    at - blobStart, id, Source);
        }

        void CheckName(uint nameOff, int at, uint id)
        {
            if (nameOff >= strEnd)
                throw new BtfFormatException($"string offset {nameOff} out of range (strings end at {strEnd}){(split ? ": is this the right base?" : "")}", at - blobStart, id, Source);
            if (split && !IsStringStart(nameOff))
                throw new BtfFormatException($"string offset {nameOff} points into the middle of a string: the base BTF does not fit this split BTF", at - blobStart, id, Source);
        }
    }
}
