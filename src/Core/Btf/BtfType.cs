namespace BtfNotebooks.Btf;

/// <summary>
/// A handle on one type of a <see cref="BtfSpec"/>: the spec, the ID and where its record sits. Decodes fields
/// on access; copying it is free. <c>default</c> is void (ID 0).
/// </summary>
public readonly struct BtfType : IEquatable<BtfType>
{
    private readonly BtfSpec? _owner;
    private readonly int _offset;

    internal BtfType(BtfSpec owner, uint id, int offset) { _owner = owner; Id = id; _offset = offset; }

    public uint Id { get; }
    public bool IsVoid => _owner is null;

    /// <summary>Offset of this type's record from the start of the blob (header included), for messages and tests.</summary>
    internal int RecordOffset => _owner is null ? -1 : _offset - _owner.BlobStart;

    /// <summary>The spec whose blob holds this record (for a base type seen through a split spec: the base).</summary>
    public BtfSpec Spec => _owner ?? throw new InvalidOperationException("void has no spec");

    private uint Info => _owner is null ? 0 : _owner.U32(_offset + 4);
    private uint Word(int at) => _owner!.U32(_offset + at);

    public BtfKind Kind => (BtfKind)((Info >> 24) & 0x1f);
    public int Vlen => (int)(Info & 0xffff);
    public bool KindFlag => (Info >> 31) != 0;
    public uint NameOffset => _owner is null ? 0 : Word(0);

    /// <summary>The name, or "" for anonymous types and void.</summary>
    public string Name => _owner is null ? "" : _owner.GetString(Word(0));
    public ReadOnlySpan<byte> NameBytes => _owner is null ? default : _owner.StringBytes(Word(0));
    public bool IsAnonymous => NameOffset == 0;

    /// <summary>btf_type.size (INT, ENUM, ENUM64, STRUCT, UNION, DATASEC, FLOAT).</summary>
    public uint Size => _owner is null ? 0 : Word(8);

    /// <summary>btf_type.type (PTR, TYPEDEF, modifiers, FUNC, VAR, DECL_TAG; FUNC_PROTO's return type).</summary>
    public uint TypeId => _owner is null ? 0 : Word(8);

    public BtfType Target => _owner is null ? default : _owner[Word(8)];

    // ---- INT ----
    private uint IntWord => Word(12);
    public BtfIntEncoding IntEncoding => (BtfIntEncoding)((IntWord >> 24) & 0x0f);
    public int IntRawEncoding => (int)((IntWord >> 24) & 0x0f);
    public int IntBitOffset => (int)((IntWord >> 16) & 0xff);
    public int IntBits => (int)(IntWord & 0xff);

    // ---- ARRAY ----
    public uint ArrayElementTypeId => Word(12);
    public uint ArrayIndexTypeId => Word(16);
    public uint ArrayLength => Word(20);

    // ---- STRUCT / UNION ----
    public BtfMemberList Members => new(Spec, _offset + 12, Kind.IsComposite() ? Vlen : 0, KindFlag);

    // ---- ENUM / ENUM64 ----
    public BtfEnumValueList EnumValues => new(Spec, _offset + 12, Kind.IsEnum() ? Vlen : 0, Kind == BtfKind.Enum64, KindFlag);
    /// <summary>kind_flag on an enum: its values are signed.</summary>
    public bool IsSignedEnum => Kind.IsEnum() && KindFlag;

    // ---- FWD ----
    /// <summary>kind_flag on a FWD: a forward-declared union rather than struct.</summary>
    public bool IsUnionForward => Kind == BtfKind.Fwd && KindFlag;

    // ---- FUNC / FUNC_PROTO / VAR ----
    /// <summary>FUNC linkage lives in vlen; VAR linkage in its trailer word.</summary>
    public BtfLinkage Linkage => Kind switch
    {
        BtfKind.Func => (BtfLinkage)Vlen,
        BtfKind.Var => (BtfLinkage)Word(12),
        _ => throw new InvalidOperationException($"{Kind} has no linkage"),
    };
    public BtfParamList Params => new(Spec, _offset + 12, Kind == BtfKind.FuncProto ? Vlen : 0);

    // ---- DATASEC ----
    public BtfVarSecInfoList Variables => new(Spec, _offset + 12, Kind == BtfKind.Datasec ? Vlen : 0);

    // ---- DECL_TAG ----
    /// <summary>-1 for the type itself, else the member/parameter index the tag applies to.</summary>
    public int ComponentIndex => (int)Word(12);

    public bool Equals(BtfType other) => ReferenceEquals(_owner, other._owner) && Id == other.Id;
    public override bool Equals(object? obj) => obj is BtfType t && Equals(t);
    public override int GetHashCode() => HashCode.Combine(_owner, Id);
    public static bool operator ==(BtfType a, BtfType b) => a.Equals(b);
    public static bool operator !=(BtfType a, BtfType b) => !a.Equals(b);

    public override string ToString() => IsVoid ? "void" : $"[{Id}] {Kind.ToBpftoolName()} '{(IsAnonymous ? "(anon)" : Name)}'";
}
