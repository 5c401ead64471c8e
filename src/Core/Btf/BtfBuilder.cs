using System.Buffers.Binary;
using System.Text;

namespace BtfNotebooks.Btf;

/// <summary>
/// Writes raw BTF: types appended in ID order, strings deduplicated. For split BTF pass the base: IDs and string
/// offsets then continue after it. Used to make minimal local BTF (CO-RE in assembly) and test inputs.
/// </summary>
public sealed class BtfBuilder
{
    private readonly List<uint> _words = new();
    private readonly MemoryStream _strings = new();
    private readonly Dictionary<string, uint> _stringOffsets = new(StringComparer.Ordinal);
    private readonly uint _firstId;
    private readonly uint _stringBase;

    public BtfBuilder(BtfSpec? baseSpec = null)
    {
        _firstId = baseSpec?.TypeCount ?? 1;
        _stringBase = baseSpec?.TotalStringLength ?? 0;
        if (baseSpec is null) { _strings.WriteByte(0); _stringOffsets[""] = 0; }
    }

    /// <summary>The ID the next added type gets.</summary>
    public uint NextId { get; private set; } = 0;

    public int TypeCount { get; private set; }

    /// <summary>Offset of <paramref name="s"/> in the string section (added once).</summary>
    public uint String(string s)
    {
        if (s.Length == 0 && _stringBase == 0) return 0;
        if (_stringOffsets.TryGetValue(s, out uint off)) return off;
        off = _stringBase + (uint)_strings.Length;
        _strings.Write(Encoding.UTF8.GetBytes(s));
        _strings.WriteByte(0);
        _stringOffsets[s] = off;
        return off;
    }

    /// <summary>Appends a raw type record; returns its ID.</summary>
    public uint AddRaw(BtfKind kind, string name, int vlen, bool kindFlag, uint sizeOrType, params uint[] trailer)
    {
        uint id = _firstId + (uint)TypeCount;
        _words.Add(name.Length == 0 ? 0 : String(name));
        _words.Add(((uint)kind << 24) | ((uint)vlen & 0xffff) | (kindFlag ? 1u << 31 : 0));
        _words.Add(sizeOrType);
        _words.AddRange(trailer);
        TypeCount++;
        NextId = id + 1;
        return id;
    }

    public uint Int(string name, uint size, BtfIntEncoding encoding = BtfIntEncoding.None, int bits = -1, int bitOffset = 0) =>
        AddRaw(BtfKind.Int, name, 0, false, size, ((uint)encoding << 24) | ((uint)bitOffset << 16) | (bits < 0 ? size * 8 : (uint)bits));

    public uint Ptr(uint target) => AddRaw(BtfKind.Ptr, "", 0, false, target);
    public uint Array(uint element, uint index, uint count) => AddRaw(BtfKind.Array, "", 0, false, 0, element, index, count);
    public uint Typedef(string name, uint target) => AddRaw(BtfKind.Typedef, name, 0, false, target);
    public uint Const(uint target) => AddRaw(BtfKind.Const, "", 0, false, target);
    public uint Volatile(uint target) => AddRaw(BtfKind.Volatile, "", 0, false, target);
    public uint Restrict(uint target) => AddRaw(BtfKind.Restrict, "", 0, false, target);
    public uint TypeTag(string tag, uint target) => AddRaw(BtfKind.TypeTag, tag, 0, false, target);
    public uint Fwd(string name, bool union = false) => AddRaw(BtfKind.Fwd, name, 0, union, 0);
    public uint Float(string name, uint size) => AddRaw(BtfKind.Float, name, 0, false, size);
    public uint Func(string name, uint proto, BtfLinkage linkage = BtfLinkage.Global) => AddRaw(BtfKind.Func, name, (int)linkage, false, proto);
    public uint Var(string name, uint type, BtfLinkage linkage = BtfLinkage.Global) => AddRaw(BtfKind.Var, name, 0, false, type, (uint)linkage);
    public uint DeclTag(string tag, uint type, int componentIndex = -1) => AddRaw(BtfKind.DeclTag, tag, 0, false, type, (uint)componentIndex);

    /// <summary>A struct or union; members are (name, type, bit offset, bitfield bits). Any bitfield sets kind_flag.</summary>
    public uint Composite(bool union, string name, uint size, params (string Name, uint Type, uint BitOffset, uint Bits)[] members)
    {
        bool kflag = members.Any(m => m.Bits != 0);
        var words = new List<uint>();
        foreach (var m in members)
        {
            words.Add(m.Name.Length == 0 ? 0 : String(m.Name));
            words.Add(m.Type);
            words.Add(kflag ? (m.Bits << 24) | m.BitOffset : m.BitOffset);
        }
        return AddRaw(union ? BtfKind.Union : BtfKind.Struct, name, members.Length, kflag, size, words.ToArray());
    }

    public uint Struct(string name, uint size, params (string Name, uint Type, uint BitOffset, uint Bits)[] members) => Composite(false, name, size, members);
    public uint Union(string name, uint size, params (string Name, uint Type, uint BitOffset, uint Bits)[] members) => Composite(true, name, size, members);

    public uint Enum(string name, uint size, bool signed, params (string Name, int Value)[] values) =>
        AddRaw(BtfKind.Enum, name, values.Length, signed, size, values.SelectMany(v => new[] { String(v.Name), (uint)v.Value }).ToArray());

    public uint Enum64(string name, uint size, bool signed, params (string Name, ulong Value)[] values) =>
        AddRaw(BtfKind.Enum64, name, values.Length, signed, size, values.SelectMany(v => new[] { String(v.Name), (uint)v.Value, (uint)(v.Value >> 32) }).ToArray());

    public uint FuncProto(uint returnType, params (string Name, uint Type)[] parameters) =>
        AddRaw(BtfKind.FuncProto, "", parameters.Length, false, returnType, parameters.SelectMany(p => new[] { p.Name.Length == 0 ? 0 : String(p.Name), p.Type }).ToArray());

    public uint Datasec(string name, uint size, params (uint Var, uint Offset, uint Size)[] vars) =>
        AddRaw(BtfKind.Datasec, name, vars.Length, false, size, vars.SelectMany(v => new[] { v.Var, v.Offset, v.Size }).ToArray());

    /// <summary>The raw blob: header, types, strings; in the requested byte order.</summary>
    public byte[] ToArray(bool bigEndian = false)
    {
        int typeLen = _words.Count * 4;
        int strLen = (int)_strings.Length;
        var blob = new byte[24 + typeLen + strLen];
        void Put(int at, uint v) { if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(at), v); else BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(at), v); }
        if (bigEndian) { blob[0] = 0xEB; blob[1] = 0x9F; } else { blob[0] = 0x9F; blob[1] = 0xEB; }
        blob[2] = 1; blob[3] = 0;
        Put(4, 24); Put(8, 0); Put(12, (uint)typeLen); Put(16, (uint)typeLen); Put(20, (uint)strLen);
        for (int i = 0; i < _words.Count; i++) Put(24 + 4 * i, _words[i]);
        _strings.GetBuffer().AsSpan(0, strLen).CopyTo(blob.AsSpan(24 + typeLen));
        return blob;
    }
}
