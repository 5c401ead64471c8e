using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Elf.BtfExt;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Asm;

/// <summary><c>%core...(...)</c> operands: where they may stand, what they leave in the instruction, what they report.</summary>
public class LlvmCoreOperandTests
{
    [Test]
    public void Operands_assemble_to_zero_and_are_reported_with_their_instruction()
    {
        var program = Assembler.Assemble("""
            r1 = 0x1122334455667788 ll
            r2 = *(u32 *)(r1 + %core(task_struct.pid))
            r3 = %core_size(task_struct)
            w4 = %core_exists(task_struct.__state)
            r5 = %core_enum(bpf_func_id, BPF_FUNC_loop) ll
            r0 += %core_offset(mm_struct.arg_start)
            *(u64 *)(r10 + %core(task_struct.comm[2])) = r1
            exit
            """, AsmSyntax.Llvm);
        var insns = program.Instructions;
        Assert.That(insns[1], Is.EqualTo(Instruction.LoadMemory(AccessSize.Word, Register.R2, Register.R1, 0)));
        Assert.That(insns[2], Is.EqualTo(Instruction.Mov64(Register.R3, 0)));
        Assert.That(insns[3], Is.EqualTo(Instruction.Alu32(AluOperation.Mov, Register.R4, 0)));
        Assert.That(insns[4], Is.EqualTo(Instruction.LoadImm64(Register.R5, 0)));
        Assert.That(insns[5], Is.EqualTo(Instruction.Alu64(AluOperation.Add, Register.R0, 0)));
        Assert.That(insns[6], Is.EqualTo(Instruction.StoreRegister(AccessSize.DoubleWord, Register.R10, 0, Register.R1)));

        var ops = program.CoreOperands;
        Assert.That(ops.Select(o => (o.InstructionIndex, o.Kind, o.Arguments)), Is.EqualTo(new[]
        {
            (1, CoreRelocationKind.FieldByteOffset, "task_struct.pid"),
            (2, CoreRelocationKind.TypeSize, "task_struct"),
            (3, CoreRelocationKind.FieldExists, "task_struct.__state"),
            (4, CoreRelocationKind.EnumValueValue, "bpf_func_id, BPF_FUNC_loop"),
            (5, CoreRelocationKind.FieldByteOffset, "mm_struct.arg_start"),
            (6, CoreRelocationKind.FieldByteOffset, "task_struct.comm[2]"),
        }));
        Assert.That((ops[0].Line, ops[0].Column), Is.EqualTo((2, 20)));
        Assert.That(ops[3].ToString(), Is.EqualTo("%core_enum(bpf_func_id, BPF_FUNC_loop)"));
    }

    [Test]
    public void Every_kind_has_a_name()
    {
        Assert.That(CoreOperand.KnownNames.Values.Distinct(), Is.EquivalentTo(Enum.GetValues<CoreRelocationKind>()));
        foreach (var (name, kind) in CoreOperand.KnownNames)
        {
            var program = Assembler.Assemble($"r1 = %{name}(x)\nexit", AsmSyntax.Llvm);
            Assert.That(program.CoreOperands.Single().Kind, Is.EqualTo(kind), name);
        }
    }

    [TestCase("r1 = %core_bogus(task_struct)", 1, 6, "unknown CO-RE operand '%core_bogus'")]
    [TestCase("r1 = %core task_struct", 1, 11, "expected '(' after '%core'")]
    [TestCase("r1 = %core(task_struct.pid", 1, 11, "has no closing ')'")]
    [TestCase("r2 = *(u32 *)(r1 - %core(task_struct.pid))", 1, 20, "write '+ %core(...)'")]
    [TestCase("*(u32 *)(r1 + %core(t.a)) = %core(t.b)", 1, 29, "expected a register or an immediate after '='")]
    public void Bad_operands_are_reported_where_they_are(string text, int line, int column, string message)
    {
        var e = Assert.Throws<AssemblyException>(() => Assembler.Assemble(text + "\nexit", AsmSyntax.Llvm))!;
        var d = e.Diagnostics.Single();
        Assert.That((d.Line, d.Column), Is.EqualTo((line, column)), d.Message);
        Assert.That(d.Message, Does.Contain(message));
    }

    [Test]
    public void Programs_without_operands_report_none()
    {
        Assert.That(Assembler.Assemble("r0 %= r1\nexit", AsmSyntax.Llvm).CoreOperands, Is.Empty);
    }
}
