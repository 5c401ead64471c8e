using BtfNotebooks.Asm;
using BtfNotebooks.Btf;
using BtfNotebooks.CoRe;
using BtfNotebooks.Elf.BtfExt;

namespace BtfNotebooks.Tests.CoRe;

/// <summary>Builds local/target BTF pairs and one-record programs for the CO-RE tests.</summary>
internal static class CoreTestBtf
{
    public static (string, uint, uint, uint) M(string name, uint type, uint bitOffset, uint bits = 0) => (name, type, bitOffset, bits);

    /// <summary>A builder with int (1), unsigned int (2), long (3), unsigned long (4), short (5), char (6).</summary>
    public static BtfBuilder WithInts()
    {
        var b = new BtfBuilder();
        b.Int("int", 4, BtfIntEncoding.Signed);
        b.Int("unsigned int", 4);
        b.Int("long", 8, BtfIntEncoding.Signed);
        b.Int("unsigned long", 8);
        b.Int("short", 2, BtfIntEncoding.Signed);
        b.Int("char", 1, BtfIntEncoding.Signed);
        return b;
    }

    public const uint Int = 1, UInt = 2, Long = 3, ULong = 4, Short = 5, Char = 6;

    public static BtfSpec Spec(BtfBuilder b) => BtfSpec.Parse(b.ToArray());

    public static CoreRelocationRecord Record(uint typeId, string access, CoreRelocationKind kind, int slot = 0, int index = 0, string section = "prog") =>
        new(section, index, slot * 8, typeId, access, kind);

    /// <summary>Relocates one record on <paramref name="insn"/> (followed by exit) and returns its report.</summary>
    public static CoreRecordReport One(BtfSpec local, BtfSpec target, uint typeId, string access, CoreRelocationKind kind, Instruction insn) =>
        Run(local, target, [insn], Record(typeId, access, kind)).Records.Single();

    public static CoreRelocationReport Run(BtfSpec local, BtfSpec target, Instruction[] code, params CoreRelocationRecord[] records)
    {
        var program = CoreProgram.FromInstructions("prog", "p", 0, code.Append(Instruction.Exit()));
        return CoreRelocator.Relocate(local, records, [program], target, "t");
    }

    public static Instruction Mov(int imm) => Instruction.Mov64(Register.R0, imm);
    public static Instruction Load(AccessSize size, short off) => Instruction.LoadMemory(size, Register.R0, Register.R1, off);
    public static Instruction Lddw(long value) => Instruction.LoadImm64(Register.R0, value);
}
