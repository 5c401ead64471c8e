using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace BtfNotebooks.Btf;

/// <summary>
/// One loaded BTF: the raw bytes plus an array of type offsets and a name index, nothing more. Types are
/// decoded on demand through <see cref="BtfType"/> handles. A split BTF (a module's) continues the IDs and
/// string offsets of its <see cref="Base"/>.
/// </summary>
public sealed partial class BtfSpec
{
    // Little-endian bytes of the blob (a byte-swapped copy when the input was big-endian).
    private readonly byte[] _data;
    private readonly int _stringsStart;
    private readonly int _stringsLength;
    // Absolute offset in _data of each type's btf_type, indexed by (id - FirstTypeId).
    private readonly int[] _typeOffsets;
    private readonly BtfNameIndex _names;
    // FUNC names are looked up rarely (attach points) yet are most of a vmlinux's names, so they are indexed on
    // the first lookup that can return a function rather than during the parse.
    private readonly Lazy<BtfNameIndex> _functionNames;

    private BtfSpec(byte[] data, BtfHeader header, int blobStart, int blobLength, BtfSpec? baseSpec, string? source, int[] typeOffsets, int typeCount, BtfNameIndex names)
    {
        _data = data;
        Header = header;
        Base = baseSpec;
        Source = source;
        RawSize = blobLength;
        BlobStart = blobStart;
        _stringsStart = blobStart + (int)header.HeaderLength + (int)header.StringOffset;
        _stringsLength = (int)header.StringLength;
        FirstTypeId = baseSpec?.TypeCount ?? 1;
        StringStart = baseSpec?.TotalStringLength ?? 0;
        _typeOffsets = typeOffsets;
        LocalTypeCount = typeCount;
        _names = names;
        _functionNames = new Lazy<BtfNameIndex>(BuildFunctionIndex, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public BtfHeader Header { get; }

    /// <summary>Where the blob starts in the array this spec keeps (0 unless it is a slice).</summary>
    internal int BlobStart { get; }

    /// <summary>The BTF this one is split from (module BTF on vmlinux), or null.</summary>
    public BtfSpec? Base { get; }

    /// <summary>Where the blob came from, for messages.</summary>
    public string? Source { get; }

    /// <summary>Size of the raw blob in bytes.</summary>
    public int RawSize { get; }

    public bool IsBigEndian => Header.BigEndian;

    /// <summary>First type ID defined by this blob: 1, or the base's <see cref="TypeCount"/> for split BTF.</summary>
    public uint FirstTypeId { get; }

    /// <summary>Number of types this blob itself defines.</summary>
    public int LocalTypeCount { get; }

    /// <summary>Like libbpf's btf__type_cnt: one past the last valid ID (void, ID 0, counts).</summary>
    public uint TypeCount => FirstTypeId + (uint)LocalTypeCount;

    /// <summary>String offsets below this value live in the base.</summary>
    public uint StringStart { get; }

    public uint TotalStringLength => StringStart + (uint)_stringsLength;

    public int LocalStringLength => _stringsLength;

    /// <summary>Memory held by this spec (bytes array + offsets + index), excluding the base.</summary>
    public long RetainedBytes => _data.Length + (long)_typeOffsets.Length * 4 + _names.RetainedBytes
        + (_functionNames.IsValueCreated ? _functionNames.Value.RetainedBytes : 0);

    /// <summary>The type with this ID, looking into the base for lower IDs; ID 0 is void.</summary>
    public BtfType this[uint id]
    {
        get
        {
            if (id == 0) return default;
            if (id < FirstTypeId) return Base!.Type(id);
            uint local = id - FirstTypeId;
            if (local >= (uint)LocalTypeCount)
                throw new BtfFormatException($"type ID {id} out of range (last is {TypeCount - 1})", typeId: id, source: Source);
            return new BtfType(this, id, _typeOffsets[local]);
        }
    }

    public BtfType Type(uint id) => this[id];

    public bool Contains(uint id) => id < TypeCount;

    /// <summary>All types of this blob (not the base's), in ID order.</summary>
    public IEnumerable<BtfType> LocalTypes
    {
        get
        {
            for (int i = 0; i < LocalTypeCount; i++)
                yield return new BtfType(this, FirstTypeId + (uint)i, _typeOffsets[i]);
        }
    }

    /// <summary>All types visible through this spec (base first), in ID order, void excluded.</summary>
    public IEnumerable<BtfType> AllTypes => Base is null ? LocalTypes : Base.AllTypes.Concat(LocalTypes);

    // ---- raw access (offsets are absolute in _data and were bounds-checked at parse time) ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint U32(int offset) => Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_data), offset));

    internal ReadOnlySpan<byte> Bytes => _data;

    // ---- strings ----

    /// <summary>The UTF-8 bytes of the NUL-terminated string at <paramref name="offset"/> (without the NUL).</summary>
    public ReadOnlySpan<byte> StringBytes(uint offset)
    {
        if (offset < StringStart) return Base!.StringBytes(offset);
        uint rel = offset - StringStart;
        if (rel >= (uint)_stringsLength)
            throw new BtfFormatException($"string offset {offset} out of range (strings end at {TotalStringLength})", source: Source);
        var s = _data.AsSpan(_stringsStart + (int)rel, _stringsLength - (int)rel);
        int n = s.IndexOf((byte)0);
        return n < 0 ? s : s[..n];
    }

    public string GetString(uint offset) => offset == 0 ? "" : Encoding.UTF8.GetString(StringBytes(offset));

    /// <summary>True when the offset is inside the strings and starts a string (offset 0, or the byte before it is NUL).</summary>
    internal bool IsStringStart(uint offset)
    {
        if (offset < StringStart) return Base!.IsStringStart(offset);
        uint rel = offset - StringStart;
        if (rel >= (uint)_stringsLength) return false;
        return rel == 0 || _data[_stringsStart + (int)rel - 1] == 0;
    }

    public override string ToString() =>
        $"BTF {Source ?? "(memory)"}: {LocalTypeCount} types (IDs {FirstTypeId}..{TypeCount - 1}), {_stringsLength} string bytes{(Base is null ? "" : ", split")}{(IsBigEndian ? ", big-endian" : "")}";
}
