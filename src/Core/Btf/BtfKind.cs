namespace BtfNotebooks.Btf;

/// <summary>BTF_KIND_* values as the kernel's uapi/linux/btf.h numbers them.</summary>
public enum BtfKind : byte
{
    Unknown = 0,
    Int = 1,
    Ptr = 2,
    Array = 3,
    Struct = 4,
    Union = 5,
    Enum = 6,
    Fwd = 7,
    Typedef = 8,
    Volatile = 9,
    Const = 10,
    Restrict = 11,
    Func = 12,
    FuncProto = 13,
    Var = 14,
    Datasec = 15,
    Float = 16,
    DeclTag = 17,
    TypeTag = 18,
    Enum64 = 19,
}

/// <summary>BTF_INT_* encoding bits of an INT type.</summary>
[Flags]
public enum BtfIntEncoding : byte
{
    None = 0,
    Signed = 1,
    Char = 2,
    Bool = 4,
}

/// <summary>Linkage of a FUNC (stored in vlen) or a VAR.</summary>
public enum BtfLinkage : uint
{
    Static = 0,
    Global = 1,
    Extern = 2,
}

public static class BtfKindExtensions
{
    public const BtfKind MaxKind = BtfKind.Enum64;

    /// <summary>The upper-case name bpftool prints (INT, FUNC_PROTO, ...).</summary>
    public static string ToBpftoolName(this BtfKind kind) => kind switch
    {
        BtfKind.Int => "INT",
        BtfKind.Ptr => "PTR",
        BtfKind.Array => "ARRAY",
        BtfKind.Struct => "STRUCT",
        BtfKind.Union => "UNION",
        BtfKind.Enum => "ENUM",
        BtfKind.Fwd => "FWD",
        BtfKind.Typedef => "TYPEDEF",
        BtfKind.Volatile => "VOLATILE",
        BtfKind.Const => "CONST",
        BtfKind.Restrict => "RESTRICT",
        BtfKind.Func => "FUNC",
        BtfKind.FuncProto => "FUNC_PROTO",
        BtfKind.Var => "VAR",
        BtfKind.Datasec => "DATASEC",
        BtfKind.Float => "FLOAT",
        BtfKind.DeclTag => "DECL_TAG",
        BtfKind.TypeTag => "TYPE_TAG",
        BtfKind.Enum64 => "ENUM64",
        _ => "UNKNOWN",
    };

    /// <summary>Size in bytes of the data that follows the 12-byte btf_type for this kind.</summary>
    internal static int TrailerSize(BtfKind kind, int vlen) => kind switch
    {
        BtfKind.Int => 4,
        BtfKind.Array => 12,
        BtfKind.Struct or BtfKind.Union => 12 * vlen,
        BtfKind.Enum => 8 * vlen,
        BtfKind.FuncProto => 8 * vlen,
        BtfKind.Var => 4,
        BtfKind.Datasec => 12 * vlen,
        BtfKind.DeclTag => 4,
        BtfKind.Enum64 => 12 * vlen,
        _ => 0,
    };

    /// <summary>Modifiers and typedefs: kinds that CO-RE and sizing look through.</summary>
    public static bool IsModifierOrTypedef(this BtfKind kind) =>
        kind is BtfKind.Typedef or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag;

    public static bool IsComposite(this BtfKind kind) => kind is BtfKind.Struct or BtfKind.Union;

    public static bool IsEnum(this BtfKind kind) => kind is BtfKind.Enum or BtfKind.Enum64;
}
