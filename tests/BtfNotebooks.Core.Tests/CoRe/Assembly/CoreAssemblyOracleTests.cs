using BtfNotebooks.Btf;
using BtfNotebooks.CoRe;
using BtfNotebooks.CoRe.Assembly;
using BtfNotebooks.Elf;
using NUnit.Framework;

namespace BtfNotebooks.Tests.CoRe.Assembly;

/// <summary>
/// Assembly with <c>%core</c> operands, written as an ELF object with .BTF and .BTF.ext, is relocated by libbpf
/// (the oracle) and by our engine against the same kernels, with identical results.
/// </summary>
public class CoreAssemblyOracleTests
{
    private const string Program = """
        r2 = *(u32 *)(r1 + %core(task_struct.pid))
        r3 = %core_size(task_struct)
        w4 = %core_exists(task_struct.__state)
        w4 = %core_exists(task_struct.mm_cid)
        r5 = %core_enum(bpf_func_id, BPF_FUNC_loop) ll
        r6 = *(u64 *)(r1 + %core(mm_struct.arg_start))
        r7 = *(u8 *)(r1 + %core(task_struct.comm[3]))
        w8 = %core_type_exists(struct bpf_iter_num)
        r0 = 0
        exit
        """;

    [TestCase(TestKernels.Debian61)]
    [TestCase(TestKernels.Debian612)]
    [TestCase(TestKernels.Local618)]
    public void Libbpf_relocates_the_written_object_as_we_do(string targetName)
    {
        var reference = TestKernels.Spec(TestKernels.Debian612);
        var assembly = CoreAssembler.Assemble(Program, reference);
        var elf = assembly.ToElf();

        // Our reader sees the records we wrote.
        var obj = BpfObjectFile.Parse(elf, "core.o");
        Assert.That(obj.BtfExt?.CoreRelocations.Select(r => (r.InstructionOffset, r.TypeId, r.Access, r.Kind)),
            Is.EqualTo(assembly.Records.Select(r => (r.InstructionOffset, r.TypeId, r.Access, r.Kind))));

        using var objFile = ExternalTool.Temp(elf, ".o");
        using var targetFile = ExternalTool.Temp(TestKernels.RawBlob(targetName), ".btf");
        var libbpf = CoreOracle.Run(targetFile.Path, objFile.Path);

        var target = TestKernels.Spec(targetName);
        var ours = CoreRelocator.Relocate(obj.Btf!, obj.BtfExt!.CoreRelocations, [CoreProgram.FromObject(obj.Programs.Single())], target, targetName);
        Assert.That(libbpf, Has.Count.EqualTo(ours.Records.Count));
        for (int i = 0; i < libbpf.Count; i++)
        {
            var row = libbpf[i];
            var record = ours.Records[i];
            string what = $"record {i} ({record.Kind} {record.Record.Access}): {record}";
            Assert.That(record.StatusName, Is.EqualTo(row["status"]), what);
            Assert.That(record.Old?.ToString() ?? "-", Is.EqualTo(row["old"]), what);
            Assert.That(record.New?.ToString() ?? "-", Is.EqualTo(row["new"]), what);
            Assert.That(CoreRelocationReport.Hex(record.After), Is.EqualTo(row["insn_after"]), what);
        }
    }
}
