using System.Text;
using BtfNotebooks.Btf;

namespace BtfNotebooks.Tests.CDump;

/// <summary>
/// Hand-made little-endian BTF for the C dump tests: one method per kind, types numbered from 1 in the order
/// they are added. Any reference may point anywhere (also forward, or in a cycle), which is how malformed
/// inputs are made.
/// </summary>
internal sealed class TinyBtf
{
    private readonly List<uint> _words = new();
    private readonly MemoryStream _strings = new();
    private readonly Dictionary<string, uint> _offsets = new() { [""] = 0 };

    public TinyBtf() => _strings.WriteByte(0);

    public uint Count { get; private set; }

    /// <summary>The ID the next type will get.</summary>
    public uint Next => Count + 1;

    public uint Int(string name, uint size, bool signed = false, bool isChar = false, bool isBool = false) =>
        Add(BtfKind.Int, name, 0, false, size, ((signed ? 1u : 0) | (isChar ? 2u : 0) | (isBool ? 4u : 0)) << 24 | size * 8);
    public uint Float(string name, uint size) => Add(BtfKind.Float, name, 0, false, size);
    public uint Ptr(uint target) => Add(BtfKind.Ptr, "", 0, false, target);
    public uint Const(uint target) => Add(BtfKind.Const, "", 0, false, target);
    public uint Volatile(uint target) => Add(BtfKind.Volatile, "", 0, false, target);
    public uint Restrict(uint target) => Add(BtfKind.Restrict, "", 0, false, target);
    public uint TypeTag(string tag, uint target, bool plainAttribute = false) => Add(BtfKind.TypeTag, tag, 0, plainAttribute, target);
    public uint Typedef(string name, uint target) => Add(BtfKind.Typedef, name, 0, false, target);
    public uint Fwd(string name, bool union = false) => Add(BtfKind.Fwd, name, 0, union, 0);
    public uint Array(uint element, uint index, uint length) => Add(BtfKind.Array, "", 0, false, 0, element, index, length);
    public uint Func(string name, uint proto, BtfLinkage linkage = BtfLinkage.Global) => Add(BtfKind.Func, name, (int)linkage, false, proto);
    public uint Var(string name, uint type) => Add(BtfKind.Var, name, 0, false, type, 1);
    public uint DeclTag(string tag, uint target, int component = -1) => Add(BtfKind.DeclTag, tag, 0, false, target, (uint)component);
    public uint Datasec(string name, uint size, params (uint Var, uint Offset, uint Size)[] vars) =>
        Add(BtfKind.Datasec, name, vars.Length, false, size, vars.SelectMany(v => new[] { v.Var, v.Offset, v.Size }).ToArray());

    /// <summary>Members as (name, type, bit offset, bitfield bits); any bitfield sets kind_flag.</summary>
    public uint Struct(string name, uint size, params (string Name, uint Type, uint BitOffset, uint Bits)[] members) => Composite(BtfKind.Struct, name, size, members);
    public uint Union(string name, uint size, params (string Name, uint Type, uint BitOffset, uint Bits)[] members) => Composite(BtfKind.Union, name, size, members);

    public uint Enum(string name, uint size, bool signed, params (string Name, int Value)[] values) =>
        Add(BtfKind.Enum, name, values.Length, signed, size, values.SelectMany(v => new[] { Str(v.Name), (uint)v.Value }).ToArray());

    public uint Enum64(string name, uint size, bool signed, params (string Name, ulong Value)[] values) =>
        Add(BtfKind.Enum64, name, values.Length, signed, size, values.SelectMany(v => new[] { Str(v.Name), (uint)v.Value, (uint)(v.Value >> 32) }).ToArray());

    /// <summary>Parameters as (name, type); a last one of type 0 means "...".</summary>
    public uint FuncProto(uint returns, params (string Name, uint Type)[] parameters) =>
        Add(BtfKind.FuncProto, "", parameters.Length, false, returns, parameters.SelectMany(p => new[] { Str(p.Name), p.Type }).ToArray());

    private uint Composite(BtfKind kind, string name, uint size, (string Name, uint Type, uint BitOffset, uint Bits)[] members)
    {
        bool kflag = members.Any(m => m.Bits != 0);
        var words = members.SelectMany(m => new[] { Str(m.Name), m.Type, kflag ? m.Bits << 24 | m.BitOffset : m.BitOffset }).ToArray();
        return Add(kind, name, members.Length, kflag, size, words);
    }

    private uint Add(BtfKind kind, string name, int vlen, bool kflag, uint sizeOrType, params uint[] trailer)
    {
        _words.Add(Str(name));
        _words.Add((uint)kind << 24 | (uint)vlen | (kflag ? 1u << 31 : 0));
        _words.Add(sizeOrType);
        _words.AddRange(trailer);
        return ++Count;
    }

    private uint Str(string s)
    {
        if (_offsets.TryGetValue(s, out uint off)) return off;
        off = (uint)_strings.Length;
        _strings.Write(Encoding.UTF8.GetBytes(s));
        _strings.WriteByte(0);
        return _offsets[s] = off;
    }

    public byte[] ToArray()
    {
        var types = _words.SelectMany(BitConverter.GetBytes).ToArray();
        var strings = _strings.ToArray();
        var header = new List<byte> { 0x9F, 0xEB, 1, 0 };
        foreach (uint w in new[] { 24u, 0u, (uint)types.Length, (uint)types.Length, (uint)strings.Length })
            header.AddRange(BitConverter.GetBytes(w));
        return [.. header, .. types, .. strings];
    }

    public BtfSpec Spec() => BtfSpec.Parse(ToArray(), null, "tiny");
}
