using System.Collections.Concurrent;
using BtfNotebooks.Asm;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Drift;
using BtfNotebooks.CoRe;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.BtfExt;
using BtfNotebooks.Kernels;
using BtfNotebooks.Tests.Elf;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Tests.CoRe.Object;

/// <summary>
/// <see cref="CoreObject"/> of a clang-built object with two entry programs calling a static __noinline .text
/// subprogram, with CO-RE records in both the entry (enumerator value as lddw, type size as ALU, a field load) and the
/// subprogram (a field load, field_exists): <see cref="CoreObject.Link"/> is the entry program followed by .text,
/// the call fixed up as <see cref="BpfObjectFile.LinkProgram"/> does, every CO-RE instruction of both parts holding
/// the target's value as its BTF gives it (not as the report says), and the program runs on a kernel object laid out
/// by that BTF. Skipped where clang-19 is missing.
/// </summary>
public class CoreObjectElfTests
{
    internal const string Source = """
        #include <linux/bpf.h>
        #include <bpf/bpf_helpers.h>
        #include <bpf/bpf_core_read.h>

        #pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
        struct task_struct { int pid; int tgid; int mm_cid; };
        #pragma clang attribute pop

        /* the local value differs from every kernel's, and the kernels differ from each other */
        enum vm_event_item { PGPGIN, NR_VM_EVENT_ITEMS = 100 };

        __u64 unused_counter;   /* a .bss (SHT_NOBITS) section for the WithPatchedPrograms tests */

        static __attribute__((noinline)) long sub_tgid(struct task_struct *t)
        {
        	return t->tgid + (bpf_core_field_exists(t->mm_cid) ? 1000000 : 0);
        }

        SEC("raw_tp/first")
        long first(struct task_struct *t)
        {
        	long items = bpf_core_enum_value(enum vm_event_item, NR_VM_EVENT_ITEMS);
        	long size = bpf_core_type_size(struct task_struct);
        	return t->pid * 1000L + sub_tgid(t) + size * 10000000L + items * 100000000000L;
        }

        SEC("tp/second")
        long second(struct task_struct *t)
        {
        	return sub_tgid(t) * 2;
        }

        char LICENSE[] SEC("license") = "GPL";
        """;

    private const int Pid = 42, Tgid = 7;

    private static readonly ConcurrentDictionary<string, byte[]> Compiled = new();

    /// <summary>The object compiled once per byte order ("bpf", "bpfeb"); clang missing ignores the test.</summary>
    internal static BpfObjectFile Load(string target = "bpf")
    {
        var bytes = Compiled.GetOrAdd(target, t =>
        {
            using var o = ClangBpf.Compile(Source, t);
            return File.ReadAllBytes(o.Path);
        });
        return BpfObjectFile.Parse(bytes, $"two-{target}.o");
    }

    // What each CO-RE instruction must hold on a kernel, from its BTF; keyed by where clang put the record.
    private static Dictionary<(string Part, CoreRelocationKind Kind), long> ExpectedValues(BtfSpec spec) => new()
    {
        [("entry", CoreRelocationKind.EnumValueValue)] = Enumerator(spec, "enum vm_event_item", "NR_VM_EVENT_ITEMS"),
        [("entry", CoreRelocationKind.TypeSize)] = spec.SizeOf(spec.FindComposite("struct task_struct")),
        [("entry", CoreRelocationKind.FieldByteOffset)] = (long)spec.ResolveField("struct task_struct", "pid").ByteOffset,
        [(".text", CoreRelocationKind.FieldByteOffset)] = DriftField.Parse("task_struct.tgid").Evaluate(spec).Value,
        [(".text", CoreRelocationKind.FieldExists)] = DriftField.Parse("task_struct.mm_cid").Evaluate(spec).Present ? 1 : 0,
    };

    private static long Enumerator(BtfSpec spec, string type, string name) =>
        spec.FindType(type).EnumValues.Single(v => v.Name == name).SignedValue;

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var (target, kernel) in new[]
        {
            ("bpf", TestKernels.Debian61), ("bpf", TestKernels.Local618), ("bpf", TestKernels.Debian612),
            ("bpfeb", TestKernels.Debian61), ("bpfeb", TestKernels.Local618),
        })
            foreach (var program in new[] { "first", "second" })
                yield return new TestCaseData(target, kernel, program).SetArgDisplayNames(target, kernel, program);
    }

    [TestCaseSource(nameof(Cases))]
    public void Link_is_the_entry_and_its_subprogram_with_the_targets_values_in_both(string target, string kernel, string program)
    {
        var elf = Load(target);
        var core = CoreObject.FromObject(elf);
        var spec = TestKernels.Spec(kernel);
        var report = core.Relocate(spec, kernel);
        Assert.That(report.Succeeded, report.FirstError?.ToString());
        Assert.That(report.Records.Select(r => r.Status), Is.All.EqualTo(CoreRelocationStatus.Ok), string.Join("\n", report.Records));

        var entry = elf.Program(program);
        var unrelocated = elf.LinkProgram(program);
        var linked = core.Link(report, program);

        // The expectation: LinkProgram of the compiled object with each CO-RE instruction given the kernel's value.
        var expected = unrelocated.ToArray();
        var values = ExpectedValues(spec);
        var slotOf = ProgramValidator.SlotIndex(unrelocated, out int slots);
        Assert.That(slots, Is.EqualTo(entry.SlotCount + elf.SectionInstructions(".text").Sum(i => i.SlotCount)), "entry followed by .text");
        var patchedParts = new HashSet<string>();
        foreach (var record in elf.BtfExt!.CoreRelocations)
        {
            string part = record.Section == BpfObjectProgram.SubprogramSection ? ".text" : record.Section;
            if (part != ".text" && part != entry.SectionName) continue;   // the other entry program
            int linkedSlot = part == ".text" ? entry.SlotCount + record.InstructionSlot : record.InstructionSlot - entry.SlotOffset;
            int index = Array.IndexOf(slotOf, linkedSlot);
            Assert.That(index, Is.GreaterThanOrEqualTo(0), $"record {record.Kind} at {record.Section} slot {record.InstructionSlot}");
            Assert.That(values.TryGetValue((part == ".text" ? ".text" : "entry", record.Kind), out long value), $"unexpected record {record.Kind} in {record.Section}");
            expected[index] = WithValue(expected[index], value);
            patchedParts.Add(part);
        }
        Assert.That(patchedParts, program == "first" ? Is.EquivalentTo(new[] { "raw_tp/first", ".text" }) : Is.EquivalentTo(new[] { ".text" }));
        Assert.That(linked, Is.EqualTo(expected));

        // The call is fixed up as LinkProgram does and lands on sub_tgid after the entry program.
        var calls = Enumerable.Range(0, linked.Count).Where(i => linked[i].IsLocalCall).ToList();
        Assert.That(calls, Has.Count.EqualTo(1));
        Assert.That(linked[calls[0]], Is.EqualTo(unrelocated[calls[0]]));
        Assert.That(slotOf[calls[0]] + 1 + linked[calls[0]].Imm, Is.EqualTo(entry.SlotCount + elf.Program("sub_tgid").SlotOffset));
        Assert.That(ProgramValidator.Validate(linked), Is.Empty);
    }

    [TestCase("bpf", TestKernels.Debian61)]
    [TestCase("bpf", TestKernels.Debian612)]
    [TestCase("bpfeb", TestKernels.Local618)]
    public void The_reports_After_bytes_are_the_linked_bytes_in_the_objects_byte_order(string target, string kernel)
    {
        var elf = Load(target);
        var core = CoreObject.FromObject(elf);
        Assert.That(core.ByteOrder, Is.EqualTo(target == "bpfeb" ? ByteOrder.BigEndian : ByteOrder.LittleEndian));
        var report = core.Relocate(TestKernels.Spec(kernel), kernel);
        var entry = elf.Program("first");
        var bytes = InstructionCodec.Encode(core.Link(report, "first"), core.ByteOrder);
        foreach (var record in report.Records.Where(r => r.Record.Section != "tp/second"))
        {
            int slot = record.Record.Section == ".text" ? entry.SlotCount + record.Record.InstructionSlot : record.Record.InstructionSlot;
            Assert.That(bytes.AsSpan(slot * InstructionCodec.SlotSize, record.After!.Length).ToArray(), Is.EqualTo(record.After), record.ToString());
            if (record.Kind != CoreRelocationKind.FieldExists)
                Assert.That(record.Before, Is.Not.EqualTo(record.After), $"{record}: every kernel differs from the local types");
        }
    }

    [TestCase("bpf", TestKernels.Debian61)]
    [TestCase("bpf", TestKernels.Local618)]
    [TestCase("bpf", TestKernels.Debian612)]
    [TestCase("bpfeb", TestKernels.Debian612)]
    public void The_linked_programs_run_on_a_task_struct_of_that_kernel(string target, string kernel)
    {
        var spec = TestKernels.Spec(kernel);
        var core = CoreObject.FromObject(Load(target));
        var report = core.Relocate(spec, kernel);
        var task = KernelObject.Create(spec, "task_struct").Set("pid", Pid).Set("tgid", Tgid);

        long exists = DriftField.Parse("task_struct.mm_cid").Evaluate(spec).Present ? 1 : 0;
        long size = spec.SizeOf(spec.FindComposite("struct task_struct"));
        long items = Enumerator(spec, "enum vm_event_item", "NR_VM_EVENT_ITEMS");
        long sub = Tgid + exists * 1_000_000;
        Assert.That(Run(core.Link(report, "first"), task), Is.EqualTo(Pid * 1000L + sub + size * 10_000_000L + items * 100_000_000_000L));
        Assert.That(Run(core.Link(report, "second"), task), Is.EqualTo(sub * 2));
        // without relocation the program reads the local layout (pid at 0, tgid at 4): not this kernel's fields
        Assert.That(Run(core.Elf!.LinkProgram("second"), task), Is.Not.EqualTo(sub * 2));
    }

    private static long Run(IReadOnlyList<Instruction> program, KernelObject task)
    {
        var vm = new BpfVm(program);
        return (long)vm.Run(task.MapInto(vm)).R0;
    }

    [Test]
    public void Entry_programs_are_named_by_function_or_section_and_null_is_ambiguous()
    {
        var core = CoreObject.FromObject(Load());
        Assert.That(core.Programs.Select(p => (p.Section, p.Name)), Is.EquivalentTo(new[] { (".text", "sub_tgid"), ("raw_tp/first", "first"), ("tp/second", "second") }));
        Assert.That(core.EntryPrograms.Select(p => p.Name), Is.EquivalentTo(new[] { "first", "second" }));

        Assert.That(() => core.EntryProgram(null), Throws.ArgumentException
            .With.Message.Contains("has 2 programs").And.Message.Contains("first").And.Message.Contains("second"));
        Assert.That(core.EntryProgram("first").Section, Is.EqualTo("raw_tp/first"));
        Assert.That(core.EntryProgram("raw_tp/first").Name, Is.EqualTo("first"));
        Assert.That(core.EntryProgram("second").Section, Is.EqualTo("tp/second"));
        Assert.That(core.EntryProgram("tp/second").Name, Is.EqualTo("second"));
        Assert.That(() => core.EntryProgram("sub_tgid"), Throws.ArgumentException
            .With.Message.Contains("no program 'sub_tgid'").And.Message.Contains("first (raw_tp/first)").And.Message.Contains("second (tp/second)"));

        var report = core.Relocate(TestKernels.Spec(TestKernels.Debian61), "6.1");
        Assert.That(() => core.Link(report), Throws.ArgumentException.With.Message.Contains("has 2 programs"));
        Assert.That(core.Link(report, "tp/second"), Is.EqualTo(core.Link(report, "second")));
        Assert.That(core.Link(report, "raw_tp/first"), Is.EqualTo(core.Link(report, "first")));
    }

    [Test]
    public void Linking_relocated_code_leaves_the_object_unchanged()
    {
        var elf = Load();
        var core = CoreObject.FromObject(elf);
        var before = elf.LinkProgram("first");
        var sectionBytes = elf.Sections.Where(s => s.Index != 0).Select(s => elf.SectionData(s).ToArray()).ToList();
        var old = core.Link(core.Relocate(TestKernels.Spec(TestKernels.Debian61), "6.1"), "first");
        var newer = core.Link(core.Relocate(TestKernels.Spec(TestKernels.Local618), "6.18"), "first");

        Assert.That(old, Is.Not.EqualTo(newer));
        Assert.That(elf.LinkProgram("first"), Is.EqualTo(before));
        Assert.That(elf.Sections.Where(s => s.Index != 0).Select(s => elf.SectionData(s).ToArray()), Is.EqualTo(sectionBytes));
        Assert.That(core.Programs.Single(p => p.Name == "first").Slots, Is.EqualTo(CoreProgram.FromObject(elf.Program("first")).Slots));
    }

    private static Instruction WithValue(Instruction insn, long value) =>
        insn.IsWide ? insn with { Imm = (int)value, NextImm = (int)(value >> 32) }
        : insn.IsLoadStore ? insn with { Offset = checked((short)value) }
        : insn with { Imm = checked((int)value) };
}
