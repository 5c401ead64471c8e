using System.Collections;

namespace BtfNotebooks.Btf;

/// <summary>One btf_member. With the parent's kind_flag set, the offset word packs bitfield size (top 8 bits) and bit offset.</summary>
public readonly struct BtfMember
{
    private readonly BtfSpec _spec;
    private readonly int _offset;
    private readonly bool _kflag;
    internal BtfMember(BtfSpec spec, int offset, int index, bool kflag) { _spec = spec; _offset = offset; Index = index; _kflag = kflag; }

    public int Index { get; }
    public uint NameOffset => _spec.U32(_offset);
    public string Name => _spec.GetString(NameOffset);
    public ReadOnlySpan<byte> NameBytes => _spec.StringBytes(NameOffset);
    public bool IsAnonymous => NameOffset == 0;
    public uint TypeId => _spec.U32(_offset + 4);
    public BtfType Type => _spec[TypeId];
    private uint OffsetWord => _spec.U32(_offset + 8);
    /// <summary>Offset from the start of the enclosing struct/union, in bits.</summary>
    public uint BitOffset => _kflag ? OffsetWord & 0xffffff : OffsetWord;
    /// <summary>Bitfield width in bits, or 0 when the member is not a bitfield (or the parent has no kind_flag).</summary>
    public uint BitfieldSize => _kflag ? OffsetWord >> 24 : 0;
    public override string ToString() => $"'{(IsAnonymous ? "(anon)" : Name)}' type_id={TypeId} bits_offset={BitOffset}{(BitfieldSize != 0 ? $" bitfield_size={BitfieldSize}" : "")}";
}

/// <summary>One enumerator of an ENUM (32-bit) or ENUM64.</summary>
public readonly struct BtfEnumValue
{
    private readonly BtfSpec _spec;
    private readonly int _offset;
    private readonly bool _is64;
    internal BtfEnumValue(BtfSpec spec, int offset, bool is64, bool signed) { _spec = spec; _offset = offset; _is64 = is64; IsSigned = signed; }

    public uint NameOffset => _spec.U32(_offset);
    public string Name => _spec.GetString(NameOffset);
    public ReadOnlySpan<byte> NameBytes => _spec.StringBytes(NameOffset);
    public bool IsSigned { get; }
    /// <summary>The value's raw bits: 32 bits for ENUM (zero-extended), 64 for ENUM64.</summary>
    public ulong RawValue => _is64 ? ((ulong)_spec.U32(_offset + 8) << 32) | _spec.U32(_offset + 4) : _spec.U32(_offset + 4);
    /// <summary>The value as the enum's signedness reads it.</summary>
    public long SignedValue => _is64 ? (long)RawValue : (int)(uint)RawValue;
    public ulong UnsignedValue => RawValue;
    public override string ToString() => IsSigned ? $"{Name}={SignedValue}" : $"{Name}={UnsignedValue}";
}

/// <summary>One btf_param of a FUNC_PROTO (type 0 as the last one means varargs).</summary>
public readonly struct BtfParam
{
    private readonly BtfSpec _spec;
    private readonly int _offset;
    internal BtfParam(BtfSpec spec, int offset) { _spec = spec; _offset = offset; }
    public uint NameOffset => _spec.U32(_offset);
    public string Name => _spec.GetString(NameOffset);
    public ReadOnlySpan<byte> NameBytes => _spec.StringBytes(NameOffset);
    public uint TypeId => _spec.U32(_offset + 4);
    public BtfType Type => _spec[TypeId];
}

/// <summary>One btf_var_secinfo of a DATASEC.</summary>
public readonly struct BtfVarSecInfo
{
    private readonly BtfSpec _spec;
    private readonly int _offset;
    internal BtfVarSecInfo(BtfSpec spec, int offset) { _spec = spec; _offset = offset; }
    public uint TypeId => _spec.U32(_offset);
    public uint Offset => _spec.U32(_offset + 4);
    public uint Size => _spec.U32(_offset + 8);
}

public readonly struct BtfMemberList : IReadOnlyList<BtfMember>
{
    private readonly BtfSpec _spec; private readonly int _start; private readonly bool _kflag;
    internal BtfMemberList(BtfSpec spec, int start, int count, bool kflag) { _spec = spec; _start = start; Count = count; _kflag = kflag; }
    public int Count { get; }
    public BtfMember this[int index] => (uint)index < (uint)Count ? new(_spec, _start + 12 * index, index, _kflag) : throw new ArgumentOutOfRangeException(nameof(index));
    public IEnumerator<BtfMember> GetEnumerator() { for (int i = 0; i < Count; i++) yield return this[i]; }
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

public readonly struct BtfEnumValueList : IReadOnlyList<BtfEnumValue>
{
    private readonly BtfSpec _spec; private readonly int _start; private readonly bool _is64, _signed;
    internal BtfEnumValueList(BtfSpec spec, int start, int count, bool is64, bool signed) { _spec = spec; _start = start; Count = count; _is64 = is64; _signed = signed; }
    public int Count { get; }
    public BtfEnumValue this[int index] => (uint)index < (uint)Count ? new(_spec, _start + (_is64 ? 12 : 8) * index, _is64, _signed) : throw new ArgumentOutOfRangeException(nameof(index));
    public IEnumerator<BtfEnumValue> GetEnumerator() { for (int i = 0; i < Count; i++) yield return this[i]; }
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

public readonly struct BtfParamList : IReadOnlyList<BtfParam>
{
    private readonly BtfSpec _spec; private readonly int _start;
    internal BtfParamList(BtfSpec spec, int start, int count) { _spec = spec; _start = start; Count = count; }
    public int Count { get; }
    public BtfParam this[int index] => (uint)index < (uint)Count ? new(_spec, _start + 8 * index) : throw new ArgumentOutOfRangeException(nameof(index));
    public IEnumerator<BtfParam> GetEnumerator() { for (int i = 0; i < Count; i++) yield return this[i]; }
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

public readonly struct BtfVarSecInfoList : IReadOnlyList<BtfVarSecInfo>
{
    private readonly BtfSpec _spec; private readonly int _start;
    internal BtfVarSecInfoList(BtfSpec spec, int start, int count) { _spec = spec; _start = start; Count = count; }
    public int Count { get; }
    public BtfVarSecInfo this[int index] => (uint)index < (uint)Count ? new(_spec, _start + 12 * index) : throw new ArgumentOutOfRangeException(nameof(index));
    public IEnumerator<BtfVarSecInfo> GetEnumerator() { for (int i = 0; i < Count; i++) yield return this[i]; }
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
