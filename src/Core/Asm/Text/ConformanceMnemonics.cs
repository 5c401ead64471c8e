namespace BtfNotebooks.Asm.Text;

/// <summary>
/// The mnemonic vocabulary of the bpf_conformance / uBPF syntax, shared by <see cref="ConformanceAssembler"/> and
/// <see cref="ConformanceFormatter"/> so that what one prints the other reads.
/// </summary>
internal static class ConformanceMnemonics
{
    /// <summary>ALU operations written as <c>name dst, src|imm</c> (32 suffix for ALU, none or 64 for ALU64).</summary>
    public static readonly IReadOnlyDictionary<string, AluOperation> BinaryAlu = new Dictionary<string, AluOperation>
    {
        ["add"] = AluOperation.Add, ["sub"] = AluOperation.Sub, ["mul"] = AluOperation.Mul, ["div"] = AluOperation.Div,
        ["or"] = AluOperation.Or, ["and"] = AluOperation.And, ["lsh"] = AluOperation.Lsh, ["rsh"] = AluOperation.Rsh,
        ["mod"] = AluOperation.Mod, ["xor"] = AluOperation.Xor, ["mov"] = AluOperation.Mov, ["arsh"] = AluOperation.Arsh,
        // Signed division and modulo: the same operations with offset 1 (ISA v4).
        ["sdiv"] = AluOperation.Div, ["smod"] = AluOperation.Mod,
    };

    /// <summary>Conditional jumps: <c>name dst, src|imm, target</c> (32 suffix for JMP32).</summary>
    public static readonly IReadOnlyDictionary<string, JumpOperation> ConditionalJumps = new Dictionary<string, JumpOperation>
    {
        ["jeq"] = JumpOperation.Jeq, ["jgt"] = JumpOperation.Jgt, ["jge"] = JumpOperation.Jge, ["jset"] = JumpOperation.Jset,
        ["jne"] = JumpOperation.Jne, ["jsgt"] = JumpOperation.Jsgt, ["jsge"] = JumpOperation.Jsge, ["jlt"] = JumpOperation.Jlt,
        ["jle"] = JumpOperation.Jle, ["jslt"] = JumpOperation.Jslt, ["jsle"] = JumpOperation.Jsle,
    };

    /// <summary>Atomic read-modify-write operations after <c>lock</c> (and <c>lock fetch</c>).</summary>
    public static readonly IReadOnlyDictionary<string, AtomicOperation> Atomics = new Dictionary<string, AtomicOperation>
    {
        ["add"] = AtomicOperation.Add, ["or"] = AtomicOperation.Or, ["and"] = AtomicOperation.And, ["xor"] = AtomicOperation.Xor,
        ["xchg"] = AtomicOperation.Xchg, ["cmpxchg"] = AtomicOperation.Cmpxchg,
    };

    /// <summary>Access-size suffixes of ldx/ldxs/st/stx.</summary>
    public static readonly IReadOnlyDictionary<string, AccessSize> Sizes = new Dictionary<string, AccessSize>
    {
        ["b"] = AccessSize.Byte, ["h"] = AccessSize.Half, ["w"] = AccessSize.Word, ["dw"] = AccessSize.DoubleWord,
    };

    /// <summary>
    /// Our notation for an lddw whose src field is not 0 (bpf_conformance only writes plain constants):
    /// <c>lddw %r1, map_fd 3</c>, <c>lddw %r1, map_value 3, 16</c> (map fd, offset into its value),
    /// <c>lddw %r1, btf_id 1234[, imm2]</c>, <c>lddw %r1, func +5</c> or <c>func label</c> (relative like a local call),
    /// <c>lddw %r1, map_idx 0</c>, <c>lddw %r1, map_idx_value 0, 16</c>. The keyword names the src kind; the
    /// optional second number is the second slot's immediate.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, LoadImm64Kind> LoadImm64Kinds = new Dictionary<string, LoadImm64Kind>
    {
        ["map_fd"] = LoadImm64Kind.MapFd, ["map_value"] = LoadImm64Kind.MapValue, ["btf_id"] = LoadImm64Kind.BtfId,
        ["func"] = LoadImm64Kind.Function, ["map_idx"] = LoadImm64Kind.MapIndex, ["map_idx_value"] = LoadImm64Kind.MapIndexValue,
    };

    /// <summary>Name of an ALU operation as written (signed variants by offset 1).</summary>
    public static string AluName(AluOperation op, bool signed) => op switch
    {
        AluOperation.Div when signed => "sdiv",
        AluOperation.Mod when signed => "smod",
        _ => BinaryAlu.First(kv => kv.Value == op && kv.Key is not ("sdiv" or "smod")).Key,
    };

    public static string JumpName(JumpOperation op) => ConditionalJumps.First(kv => kv.Value == op).Key;

    public static string AtomicName(AtomicOperation op) => Atomics.First(kv => kv.Value == (op is AtomicOperation.Xchg or AtomicOperation.Cmpxchg ? op : op & ~(AtomicOperation)1)).Key;

    public static string SizeSuffix(AccessSize size) => Sizes.First(kv => kv.Value == size).Key;

    public static string LoadImm64KindName(LoadImm64Kind kind) => LoadImm64Kinds.First(kv => kv.Value == kind).Key;

    /// <summary>The mnemonic the disassembler prints for an encoding <see cref="InstructionValidator"/> rejects; it never assembles.</summary>
    public const string Invalid = ".invalid";
}
