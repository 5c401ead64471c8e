using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.CoRe;
using BtfNotebooks.CoRe.Assembly;
using BtfNotebooks.Elf.BtfExt;
using NUnit.Framework;

namespace BtfNotebooks.Tests.CoRe.Assembly;

/// <summary>
/// Assembly with <c>%core</c> operands against a reference kernel: the instructions hold the reference's values,
/// and the records relocate to each other kernel's values.
/// </summary>
public class CoreAssemblerTests
{
    private const string Program = """
        r2 = *(u32 *)(r1 + %core(task_struct.pid))
        r3 = %core_size(task_struct)
        w4 = %core_exists(task_struct.__state)
        r5 = %core_enum(bpf_func_id, BPF_FUNC_loop) ll
        r6 = *(u64 *)(r1 + %core(mm_struct.arg_start))
        r7 = *(u8 *)(r1 + %core(task_struct.comm[3]))
        r0 = 0
        exit
        """;

    [Test]
    public void Instructions_hold_the_reference_kernels_values()
    {
        var kernel = TestKernels.Spec(TestKernels.Local618);
        var result = CoreAssembler.Assemble(Program, kernel);
        var insns = result.Instructions;
        Assert.That(insns[0].Offset, Is.EqualTo(kernel.ResolveField("struct task_struct", "pid").ByteOffset));
        Assert.That(insns[1].Imm, Is.EqualTo(kernel.SizeOf(kernel.FindComposite("struct task_struct"))));
        Assert.That(insns[2].Imm, Is.EqualTo(1));
        var loop = kernel.FindType("enum bpf_func_id").EnumValues.Single(v => v.Name == "BPF_FUNC_loop");
        Assert.That(insns[3].Imm64, Is.EqualTo(loop.SignedValue));
        Assert.That(insns[4].Offset, Is.EqualTo(kernel.ResolveField("struct mm_struct", "arg_start").ByteOffset));
        Assert.That(insns[5].Offset, Is.EqualTo(kernel.ResolveField("struct task_struct", "comm").ByteOffset + 3));
    }

    [Test]
    public void Records_name_the_minimal_local_btf_and_clangs_access_strings()
    {
        var kernel = TestKernels.Spec(TestKernels.Local618);
        var result = CoreAssembler.Assemble(Program, kernel);
        var local = BtfSpec.Parse(result.LocalBtf);
        Assert.That(local.LocalTypeCount, Is.LessThan(500));
        var pidRecord = result.Records[0];
        Assert.That(CoreNames.Describe(local[pidRecord.TypeId]), Is.EqualTo("struct task_struct"));
        int pidIndex = local[pidRecord.TypeId].Members.Single(m => m.Name == "pid").Index;
        Assert.That(pidRecord.Access, Is.EqualTo($"0:{pidIndex}"));
        Assert.That(pidRecord.InstructionOffset, Is.EqualTo(0));
        Assert.That(result.Records.Select(r => r.Kind), Is.EqualTo(new[]
        {
            CoreRelocationKind.FieldByteOffset, CoreRelocationKind.TypeSize, CoreRelocationKind.FieldExists,
            CoreRelocationKind.EnumValueValue, CoreRelocationKind.FieldByteOffset, CoreRelocationKind.FieldByteOffset,
        }));
        // mm_struct.arg_start sits inside an anonymous struct: three steps, as clang writes them.
        Assert.That(result.Records[4].Access.Split(':'), Has.Length.EqualTo(3));
        Assert.That(result.Records[5].Access, Does.EndWith(":3"));
        Assert.That(result.Records[4].InstructionOffset, Is.EqualTo(5 * 8), "after the two-slot lddw");
    }

    [Test]
    public void Relocating_against_another_kernel_gives_that_kernels_values()
    {
        var reference = TestKernels.Spec(TestKernels.Local618);
        var other = TestKernels.Spec(TestKernels.Debian61);
        var result = CoreAssembler.Assemble(Program, reference);
        var local = BtfSpec.Parse(result.LocalBtf);
        var program = CoreProgram.FromInstructions(result.Section, result.Name, 0, result.Instructions);
        var report = CoreRelocator.Relocate(local, result.Records, [program], other, "debian-6.1");
        Assert.That(report.Succeeded, report.FirstError?.ToString());
        var relocated = report.Programs[0].Slots;
        Assert.That(relocated[0].Offset, Is.EqualTo(other.ResolveField("struct task_struct", "pid").ByteOffset));
        Assert.That(relocated[1].Imm, Is.EqualTo(other.SizeOf(other.FindComposite("struct task_struct"))));
        Assert.That(relocated[5].Offset, Is.EqualTo(other.ResolveField("struct mm_struct", "arg_start").ByteOffset));
        // and against the reference itself nothing changes
        var same = CoreRelocator.Relocate(local, result.Records, [program], reference, "local-6.18");
        Assert.That(same.Programs[0].Slots, Is.EqualTo(program.Slots));
    }

    [TestCase("r2 = *(u32 *)(r1 + %core(task_struct.no_such_field))", 1, 20, "has no member 'no_such_field'")]
    [TestCase("r3 = %core_size(struct no_such_type)", 1, 6, "no type struct no_such_type")]
    [TestCase("r4 = %core_enum(bpf_func_id, BPF_FUNC_nope)", 1, 6, "no enumerator 'BPF_FUNC_nope'")]
    [TestCase("r5 = *(u8 *)(r1 + %core(task_struct.pid[1]))", 1, 19, "not an array")]
    public void Operands_that_do_not_resolve_are_reported_with_line_and_column(string line, int l, int c, string message)
    {
        var kernel = TestKernels.Spec(TestKernels.Local618);
        var e = Assert.Throws<AssemblyException>(() => CoreAssembler.Assemble(line + "\nr0 = %core_size(task_struct)\nexit", kernel))!;
        var d = e.Diagnostics.Single();
        Assert.That((d.Line, d.Column), Is.EqualTo((l, c)));
        Assert.That(d.Message, Does.Contain(message));
    }
}
