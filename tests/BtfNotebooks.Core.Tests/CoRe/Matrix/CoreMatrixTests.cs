using BtfNotebooks.CoRe;
using BtfNotebooks.CoRe.Matrix;
using BtfNotebooks.Elf.BtfExt;
using NUnit.Framework;

namespace BtfNotebooks.Tests.CoRe.Matrix;

/// <summary>Each column of the matrix is the single-target relocation; rows follow the records.</summary>
public class CoreMatrixTests
{
    [Test]
    public void CellsEqualTheSingleTargetRelocation()
    {
        var obj = MatrixFixture.KernelC();
        var targets = MatrixFixture.ShippedVmlinuxes();
        var matrix = CoreMatrix.Build(obj, targets);
        var programs = obj.Programs.Select(CoreProgram.FromObject).ToList();

        Assert.That(matrix.Targets, Is.EqualTo(targets.Select(t => t.Name)));
        for (int t = 0; t < targets.Count; t++)
        {
            var single = CoreRelocator.Relocate(obj.Btf!, obj.BtfExt!.CoreRelocations, programs, targets[t].Btf, targets[t].Name);
            Assert.That(matrix.Succeeded[t], Is.EqualTo(single.Succeeded), targets[t].Name);
            Assert.That(single.Records.Select(r => r.ToString()), Is.EqualTo(matrix.Reports[t].Records.Select(r => r.ToString())), targets[t].Name);
            for (int r = 0; r < matrix.Rows.Count; r++)
            {
                var cell = matrix.Rows[r].Cells[t];
                var expected = single.Records[r];
                Assert.That((cell.Target, cell.Status, cell.New, cell.Report.Message), Is.EqualTo((targets[t].Name, expected.Status, expected.New, expected.Message)), $"{targets[t].Name} {expected}");
                Assert.That(cell.After, Is.EqualTo(expected.After), $"{targets[t].Name} {expected}");
            }
            // the patched programs are the same too
            Assert.That(matrix.Reports[t].Programs.Select(p => p.Slots), Is.EqualTo(single.Programs.Select(p => p.Slots)), targets[t].Name);
        }
    }

    [Test]
    public void RowsAreTheRecordsInFileOrderWithOneCellPerTarget()
    {
        var obj = MatrixFixture.KernelC();
        var targets = MatrixFixture.ShippedVmlinuxes();
        var matrix = CoreMatrix.Build(obj, targets);
        var records = obj.BtfExt!.CoreRelocations;

        Assert.That(records, Has.Count.GreaterThan(20), "kernel.c's records");
        Assert.That(matrix.Rows.Select(r => r.Record), Is.EqualTo(records));
        Assert.That(matrix.Rows.Select(r => r.Cells.Count), Has.All.EqualTo(targets.Count));
        Assert.That(matrix.Rows.Select(r => (r.Section, r.Index, r.Kind, r.Access)),
            Is.EqualTo(records.Select(r => (r.Section, r.Index, r.Kind, r.Access))));
        // the readable path is the local side's, so it is there even where a target poisoned the record
        var pid = matrix.Rows.Single(r => r.ReadablePath == "task_struct.pid");
        Assert.That(pid.LocalType, Is.EqualTo("struct task_struct"));
        Assert.That(matrix.Rows.Single(r => r.ReadablePath == "task_struct.mm_cid" && r.Kind != CoreRelocationKind.FieldExists).IsUniform, Is.False);
    }

    [Test]
    public void TaskStructPidOffsetsAreTheManifests()
    {
        // MANIFEST.tsv records each kernel's task_struct.pid offset, measured independently of this engine
        var manifest = File.ReadAllLines(Path.Combine(TestKernels.DataDir, "MANIFEST.tsv")).Select(l => l.Split('\t')).ToList();
        int file = Array.IndexOf(manifest[0], "file"), pid = Array.IndexOf(manifest[0], "task_struct.pid");
        var expected = manifest.Skip(1).Where(row => row[pid] != "-").ToDictionary(row => row[file].Replace(".btf.xz", ""), row => ulong.Parse(row[pid]));

        var matrix = CoreMatrix.Build(MatrixFixture.KernelC(), MatrixFixture.ShippedVmlinuxes());
        var row = matrix.Rows.First(r => r.ReadablePath == "task_struct.pid" && r.Kind == CoreRelocationKind.FieldByteOffset);
        Assert.That(row.Cells.ToDictionary(c => c.Target, c => c.New), Is.EqualTo(expected.ToDictionary(p => p.Key, p => (ulong?)p.Value)));
    }

    [Test]
    public void ParallelAndSequentialBuildsAgree()
    {
        var obj = MatrixFixture.KernelC();
        var targets = MatrixFixture.ShippedVmlinuxes();
        Assert.That(CoreMatrix.Build(obj, targets, maxParallelism: 1).ToTsv(instructions: true),
            Is.EqualTo(CoreMatrix.Build(obj, targets).ToTsv(instructions: true)));
    }

    [Test]
    public void NoTargetsGiveRowsWithoutCells()
    {
        var matrix = CoreMatrix.Build(MatrixFixture.KernelC(), []);
        Assert.That(matrix.Rows, Is.Not.Empty);
        Assert.That(matrix.Rows.Select(r => r.Cells.Count), Has.All.EqualTo(0));
        Assert.That(matrix.Targets, Is.Empty);
    }
}
