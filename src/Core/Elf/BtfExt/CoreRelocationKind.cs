namespace BtfNotebooks.Elf.BtfExt;

/// <summary>What a CO-RE relocation record asks for: <c>enum bpf_core_relo_kind</c>, numbered as in .BTF.ext.</summary>
public enum CoreRelocationKind : uint
{
    FieldByteOffset = 0,
    FieldByteSize = 1,
    FieldExists = 2,
    FieldSigned = 3,
    FieldLShiftU64 = 4,
    FieldRShiftU64 = 5,
    LocalTypeId = 6,
    TargetTypeId = 7,
    TypeExists = 8,
    TypeSize = 9,
    EnumValueExists = 10,
    EnumValueValue = 11,
    TypeMatches = 12,
}

public static class CoreRelocationKinds
{
    /// <summary>libbpf's short name (<c>core_relo_kind_str</c>): byte_off, byte_sz, field_exists, ...</summary>
    public static string LibbpfName(this CoreRelocationKind kind) => kind switch
    {
        CoreRelocationKind.FieldByteOffset => "byte_off",
        CoreRelocationKind.FieldByteSize => "byte_sz",
        CoreRelocationKind.FieldExists => "field_exists",
        CoreRelocationKind.FieldSigned => "signed",
        CoreRelocationKind.FieldLShiftU64 => "lshift_u64",
        CoreRelocationKind.FieldRShiftU64 => "rshift_u64",
        CoreRelocationKind.LocalTypeId => "local_type_id",
        CoreRelocationKind.TargetTypeId => "target_type_id",
        CoreRelocationKind.TypeExists => "type_exists",
        CoreRelocationKind.TypeSize => "type_size",
        CoreRelocationKind.EnumValueExists => "enumval_exists",
        CoreRelocationKind.EnumValueValue => "enumval_value",
        CoreRelocationKind.TypeMatches => "type_matches",
        _ => $"unknown({(uint)kind})",
    };

    /// <summary>True for the six field-based kinds.</summary>
    public static bool IsFieldBased(this CoreRelocationKind kind) => kind <= CoreRelocationKind.FieldRShiftU64;

    /// <summary>True for local/target type ID, type exists/size/matches.</summary>
    public static bool IsTypeBased(this CoreRelocationKind kind) => kind is >= CoreRelocationKind.LocalTypeId and <= CoreRelocationKind.TypeSize or CoreRelocationKind.TypeMatches;

    /// <summary>True for enum value exists/value.</summary>
    public static bool IsEnumValueBased(this CoreRelocationKind kind) => kind is CoreRelocationKind.EnumValueExists or CoreRelocationKind.EnumValueValue;
}
