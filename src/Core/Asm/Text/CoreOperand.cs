using BtfNotebooks.Elf.BtfExt;

namespace BtfNotebooks.Asm.Text;

/// <summary>
/// A CO-RE operand written in assembly, <c>%core_kind(arguments)</c>, before it is resolved against a kernel's BTF.
/// The assembler emits the instruction with 0 in the operand's place and reports the operand; resolving it (the
/// reference kernel's value, a CO-RE record against a minimal local BTF) is the CO-RE layer's job.
/// <para>Names, one per relocation kind (arguments: a type <c>T</c> such as <c>task_struct</c> or <c>struct x</c>,
/// a field path <c>T.a.b</c> or <c>T.arr[3]</c>, an enum <c>E</c> and enumerator <c>V</c>):</para>
/// <list type="table">
/// <item><c>%core(T.path)</c>, <c>%core_offset(T.path)</c>: field byte offset (byte_off)</item>
/// <item><c>%core_field_size(T.path)</c>: field byte size (byte_sz)</item>
/// <item><c>%core_exists(T.path)</c>: field exists (field_exists)</item>
/// <item><c>%core_signed(T.path)</c>: field is signed (signed)</item>
/// <item><c>%core_lshift(T.path)</c>, <c>%core_rshift(T.path)</c>: bitfield shifts (lshift_u64, rshift_u64)</item>
/// <item><c>%core_type_id(T)</c>, <c>%core_target_type_id(T)</c>: local and target type ID</item>
/// <item><c>%core_type_exists(T)</c>, <c>%core_type_matches(T)</c>, <c>%core_size(T)</c>: type exists, matches, size</item>
/// <item><c>%core_enum(E, V)</c>, <c>%core_enum_exists(E, V)</c>: enumerator value, enumerator exists</item>
/// </list>
/// Positions: an ALU/ALU64 immediate (<c>r3 = %core_size(task_struct)</c>, <c>r2 += %core(...)</c>), a memory
/// offset (<c>*(u32 *)(r1 + %core(task_struct.pid))</c>), or a 64-bit immediate (<c>r1 = %core_enum(e, V) ll</c>) —
/// the places libbpf patches.
/// </summary>
public sealed record CoreOperand(CoreRelocationKind Kind, string Name, string Arguments, int InstructionIndex, int Line, int Column)
{
    private static readonly Dictionary<string, CoreRelocationKind> Names = new(StringComparer.Ordinal)
    {
        ["core"] = CoreRelocationKind.FieldByteOffset,
        ["core_offset"] = CoreRelocationKind.FieldByteOffset,
        ["core_field_size"] = CoreRelocationKind.FieldByteSize,
        ["core_exists"] = CoreRelocationKind.FieldExists,
        ["core_signed"] = CoreRelocationKind.FieldSigned,
        ["core_lshift"] = CoreRelocationKind.FieldLShiftU64,
        ["core_rshift"] = CoreRelocationKind.FieldRShiftU64,
        ["core_type_id"] = CoreRelocationKind.LocalTypeId,
        ["core_target_type_id"] = CoreRelocationKind.TargetTypeId,
        ["core_type_exists"] = CoreRelocationKind.TypeExists,
        ["core_size"] = CoreRelocationKind.TypeSize,
        ["core_type_matches"] = CoreRelocationKind.TypeMatches,
        ["core_enum"] = CoreRelocationKind.EnumValueValue,
        ["core_enum_exists"] = CoreRelocationKind.EnumValueExists,
    };

    /// <summary>Every operand name with its kind, for documentation and errors.</summary>
    public static IReadOnlyDictionary<string, CoreRelocationKind> KnownNames => Names;

    /// <summary>The kind <c>%name</c> stands for, or null when the name is not a CO-RE operand.</summary>
    public static CoreRelocationKind? KindOf(string name) => Names.TryGetValue(name, out var k) ? k : null;

    public override string ToString() => $"%{Name}({Arguments})";
}
