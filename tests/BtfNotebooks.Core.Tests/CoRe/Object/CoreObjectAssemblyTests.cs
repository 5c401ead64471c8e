using BtfNotebooks.Asm;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Drift;
using BtfNotebooks.CoRe;
using BtfNotebooks.CoRe.Assembly;
using BtfNotebooks.CoRe.Matrix;
using BtfNotebooks.Elf.BtfExt;
using NUnit.Framework;

namespace BtfNotebooks.Tests.CoRe.Object;

/// <summary>
/// <see cref="CoreObject"/> of an assembled <c>%core</c> program (assembled against local-6.18) relocated against
/// other kernels: <see cref="CoreObject.Link"/> gives the relocated program with every lddw's two slots joined again,
/// every patched instruction holding what that kernel's BTF says (computed here from the BTF, not taken from the
/// report) and libbpf's poison call where the kernel lacks the field or enumerator; the report's After bytes and New
/// values agree with the linked program at each record's instruction.
/// </summary>
public class CoreObjectAssemblyTests
{
    // slots: 0 ldx | 1-2 lddw | 3-4 lddw | 5 ldx | 6 alu32 | 7 ldx | 8 mov | 9 exit
    private const string Program = """
        r2 = *(u32 *)(r1 + %core(task_struct.pid))
        r3 = %core_size(task_struct) ll
        r4 = %core_enum(bpf_func_id, BPF_FUNC_cgrp_storage_get) ll
        r5 = *(u64 *)(r1 + %core(task_struct.blocked_on))
        w6 = %core_exists(task_struct.mm_cid)
        r7 = *(u32 *)(r1 + %core(task_struct.mm_cid))
        r0 = r2
        exit
        """;

    private static readonly int[] RecordSlots = [0, 1, 3, 5, 6, 7];

    /// <summary>libbpf's poisoned instruction: BPF_JMP|BPF_CALL, all registers and offset 0, imm 0xbad2310.</summary>
    private static readonly Instruction PoisonCall = new(0x85, Register.R0, Register.R0, 0, 0x0bad2310);

    private static CoreAssembly Assemble() => CoreAssembler.Assemble(Program, TestKernels.Spec(TestKernels.Local618));

    // Statuses per record (pid, sizeof, cgrp_storage_get, blocked_on, exists(mm_cid), mm_cid), checked with pahole
    // and bpftool: blocked_on is only in 6.18, mm_cid and BPF_FUNC_cgrp_storage_get are in 6.12 and 6.18, not 6.1.
    [TestCase(TestKernels.Debian61, new[] { "ok", "ok", "poison", "poison", "ok", "poison" })]
    [TestCase(TestKernels.Debian612, new[] { "ok", "ok", "ok", "poison", "ok", "ok" })]
    [TestCase(TestKernels.Local618, new[] { "ok", "ok", "ok", "ok", "ok", "ok" })]
    public void Link_gives_the_relocated_program_with_the_targets_values(string kernel, string[] statuses)
    {
        var assembly = Assemble();
        var obj = CoreObject.FromAssembly(assembly);
        var target = TestKernels.Spec(kernel);
        var report = obj.Relocate(target, kernel);

        Assert.That(report.Target, Is.EqualTo(kernel));
        Assert.That(report.Succeeded, report.FirstError?.ToString());
        Assert.That(report.Records.Select(r => r.StatusName), Is.EqualTo(statuses), string.Join("\n", report.Records));

        var linked = obj.Link(report);
        Assert.That(linked, Is.EqualTo(Expected(assembly.Instructions, target)), "the program as the target's BTF says it must be");
        if (kernel == TestKernels.Local618)
            Assert.That(linked, Is.EqualTo(assembly.Instructions), "against the reference kernel nothing changes");
    }

    [TestCase(TestKernels.Debian61)]
    [TestCase(TestKernels.Debian612)]
    public void Each_records_After_bytes_and_New_value_are_what_Link_holds_at_its_instruction(string kernel)
    {
        var obj = CoreObject.FromAssembly(Assemble());
        var report = obj.Relocate(TestKernels.Spec(kernel), kernel);
        var linked = obj.Link(report);
        var bytes = InstructionCodec.Encode(linked);
        var slotOf = ProgramValidator.SlotIndex(linked, out int slotCount);

        Assert.That(slotCount, Is.EqualTo(10), "Link keeps every slot (a poisoned lddw is two calls)");
        Assert.That(report.Records.Select(r => r.InstructionIndex), Is.EqualTo(RecordSlots.Select(s => (int?)s)));
        foreach (var record in report.Records)
        {
            int slot = record.InstructionIndex!.Value;
            Assert.That(record.After, Is.Not.Null, record.ToString());
            Assert.That(bytes.AsSpan(slot * InstructionCodec.SlotSize, record.After!.Length).ToArray(), Is.EqualTo(record.After), record.ToString());

            int index = Array.IndexOf(slotOf, slot);
            Assert.That(index, Is.GreaterThanOrEqualTo(0), $"slot {slot} starts an instruction of the linked program");
            var insn = linked[index];
            if (record.Status == CoreRelocationStatus.Poison)
            {
                Assert.That(insn, Is.EqualTo(PoisonCall), record.ToString());
                continue;
            }
            ulong held = insn.IsWide ? (ulong)insn.Imm64
                : insn.IsLoadStore ? unchecked((ulong)(long)insn.Offset)
                : unchecked((ulong)(long)insn.Imm);
            Assert.That(held, Is.EqualTo(record.New), record.ToString());
        }
    }

    [Test]
    public void A_poisoned_lddw_becomes_two_poison_calls_and_the_instructions_after_it_keep_their_slots()
    {
        var obj = CoreObject.FromAssembly(Assemble());
        var report = obj.Relocate(TestKernels.Spec(TestKernels.Debian61), "6.1");
        var enumRecord = report.Records[2];
        Assert.That(enumRecord.Kind, Is.EqualTo(CoreRelocationKind.EnumValueValue));
        Assert.That(enumRecord.Status, Is.EqualTo(CoreRelocationStatus.Poison));
        Assert.That(enumRecord.After, Has.Length.EqualTo(16));

        var linked = obj.Link(report);
        Assert.That(linked, Has.Count.EqualTo(9), "8 instructions of the source, the poisoned lddw now two");
        Assert.That(linked[2], Is.EqualTo(PoisonCall));
        Assert.That(linked[3], Is.EqualTo(PoisonCall));
        Assert.That(linked[^1], Is.EqualTo(Instruction.Exit()));
        Assert.That(linked[^2], Is.EqualTo(Instruction.Mov64(Register.R0, Register.R2)));
    }

    [Test]
    public void Relocating_twice_leaves_the_object_and_the_first_report_untouched()
    {
        var assembly = Assemble();
        var obj = CoreObject.FromAssembly(assembly, "cell");
        var slotsBefore = obj.Programs[0].Slots.ToArray();
        var old = obj.Relocate(TestKernels.Spec(TestKernels.Debian61), "6.1");
        var linkedOld = obj.Link(old).ToArray();
        var newer = obj.Relocate(TestKernels.Spec(TestKernels.Debian612), "6.12");

        Assert.That(obj.Name, Is.EqualTo("cell"));
        Assert.That(obj.Programs[0].Slots, Is.EqualTo(slotsBefore));
        Assert.That(obj.Link(old), Is.EqualTo(linkedOld));
        Assert.That(obj.Link(newer), Is.Not.EqualTo(linkedOld));
        Assert.That(obj.Link(newer), Is.EqualTo(Expected(assembly.Instructions, TestKernels.Spec(TestKernels.Debian612))));
    }

    [Test]
    public void The_single_assembled_program_is_found_by_null_name_or_section()
    {
        var obj = CoreObject.FromAssembly(CoreAssembler.Assemble(Program, TestKernels.Spec(TestKernels.Local618), section: "kprobe/do_exit", name: "probe"));
        Assert.That(obj.EntryPrograms.Select(p => (p.Section, p.Name)), Is.EqualTo(new[] { ("kprobe/do_exit", "probe") }));
        Assert.That(obj.EntryProgram(null).Name, Is.EqualTo("probe"));
        Assert.That(obj.EntryProgram("probe").Name, Is.EqualTo("probe"));
        Assert.That(obj.EntryProgram("kprobe/do_exit").Name, Is.EqualTo("probe"));
        Assert.That(() => obj.EntryProgram("nope"), Throws.ArgumentException.With.Message.Contains("no program 'nope'").And.Message.Contains("probe (kprobe/do_exit)"));
        var report = obj.Relocate(TestKernels.Spec(TestKernels.Debian61), "6.1");
        Assert.That(obj.Link(report, "kprobe/do_exit"), Is.EqualTo(obj.Link(report)));
        Assert.That(() => obj.Link(report, "nope"), Throws.ArgumentException);
    }

    [Test]
    public void A_program_without_records_is_the_same_on_every_kernel_and_has_no_matrix()
    {
        Instruction[] program =
        [
            Instruction.LoadImm64(Register.R1, unchecked((long)0x8877665544332211UL)),
            Instruction.LoadMemory(AccessSize.Word, Register.R0, Register.R10, -4),
            Instruction.Alu64(AluOperation.Add, Register.R0, Register.R1),
            Instruction.Exit(),
        ];
        var obj = CoreObject.FromInstructions("plain", "xdp", program);

        Assert.That(obj.Local, Is.Null);
        Assert.That(obj.Records, Is.Empty);
        Assert.That(obj.EntryProgram(null).Slots, Has.Count.EqualTo(5));
        foreach (var kernel in new[] { TestKernels.Debian61, TestKernels.Local618 })
        {
            var report = obj.Relocate(TestKernels.Spec(kernel), kernel);
            Assert.That(report.Target, Is.EqualTo(kernel));
            Assert.That(report.Records, Is.Empty);
            Assert.That(report.Succeeded);
            Assert.That(obj.Link(report), Is.EqualTo(program), "the lddw joined again with its upper half");
            Assert.That(obj.Link(report, "plain"), Is.EqualTo(program));
        }
        var targets = new[] { new CoreMatrixTarget("6.1", TestKernels.Spec(TestKernels.Debian61)) };
        Assert.That(() => obj.Matrix(targets), Throws.InvalidOperationException.With.Message.Contains("plain has no CO-RE records"));
    }

    [Test]
    public void The_matrix_of_an_assembled_object_agrees_with_Relocate()
    {
        var obj = CoreObject.FromAssembly(Assemble());
        var kernels = new[] { TestKernels.Debian61, TestKernels.Debian612 };
        var matrix = obj.Matrix([.. kernels.Select(k => new CoreMatrixTarget(k, TestKernels.Spec(k)))], maxParallelism: 1);
        Assert.That(matrix.Targets, Is.EqualTo(kernels));
        for (int i = 0; i < kernels.Length; i++)
        {
            var report = obj.Relocate(TestKernels.Spec(kernels[i]), kernels[i]);
            Assert.That(matrix.Reports[i].Records.Select(r => r.StatusName), Is.EqualTo(report.Records.Select(r => r.StatusName)));
            Assert.That(obj.Link(matrix.Reports[i]), Is.EqualTo(obj.Link(report)), "a matrix column links like a single relocation");
        }
        Assert.That(matrix.Reports[0].Records.Count(r => r.Status == CoreRelocationStatus.Poison), Is.EqualTo(3));
        Assert.That(matrix.Reports[1].Records.Count(r => r.Status == CoreRelocationStatus.Poison), Is.EqualTo(1));
    }

    /// <summary>The assembled program with each %core operand replaced by what <paramref name="target"/> says, from the BTF.</summary>
    private static List<Instruction> Expected(IReadOnlyList<Instruction> assembled, BtfSpec target)
    {
        long? Offset(string field) => DriftField.Parse(field).Evaluate(target) is { Present: true } v ? v.Value : null;
        long? cgrp = target.FindType("enum bpf_func_id").EnumValues.Where(v => v.Name == "BPF_FUNC_cgrp_storage_get").Select(v => (long?)v.SignedValue).SingleOrDefault();
        var expected = new List<Instruction>
        {
            assembled[0] with { Offset = (short)target.ResolveField("struct task_struct", "pid").ByteOffset },
            Instruction.LoadImm64(Register.R3, target.SizeOf(target.FindComposite("struct task_struct"))),
        };
        if (cgrp is long value) expected.Add(Instruction.LoadImm64(Register.R4, value));
        else expected.AddRange([PoisonCall, PoisonCall]);
        expected.Add(Offset("task_struct.blocked_on") is long blockedOn ? assembled[3] with { Offset = (short)blockedOn } : PoisonCall);
        long? mmCid = Offset("task_struct.mm_cid");
        expected.Add(assembled[4] with { Imm = mmCid is null ? 0 : 1 });
        expected.Add(mmCid is long m ? assembled[5] with { Offset = (short)m } : PoisonCall);
        expected.AddRange(assembled.Skip(6));
        return expected;
    }
}
