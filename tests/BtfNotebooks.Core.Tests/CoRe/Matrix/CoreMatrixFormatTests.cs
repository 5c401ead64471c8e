using BtfNotebooks.CoRe;
using BtfNotebooks.CoRe.Matrix;
using BtfNotebooks.Elf.BtfExt;
using NUnit.Framework;

namespace BtfNotebooks.Tests.CoRe.Matrix;

/// <summary>ToTsv (one column per target) and ToText (aligned, poison and errors marked).</summary>
public class CoreMatrixFormatTests
{
    private static CoreMatrix KernelCAgainstShipped() => CoreMatrix.Build(MatrixFixture.KernelC(), MatrixFixture.ShippedVmlinuxes());

    [Test]
    public void TsvHasAColumnPerTargetAndARowPerRecordPlusTheLoadRow()
    {
        var matrix = KernelCAgainstShipped();
        var lines = matrix.ToTsv().TrimEnd('\n').Split('\n').Select(l => l.Split('\t')).ToList();

        Assert.That(lines[0], Is.EqualTo(new[] { "section", "relo", "kind", "local", "access", "path" }.Concat(matrix.Targets)));
        Assert.That(lines, Has.Count.EqualTo(matrix.Rows.Count + 2));
        Assert.That(lines.Select(l => l.Length), Has.All.EqualTo(6 + matrix.Targets.Count));
        for (int r = 0; r < matrix.Rows.Count; r++)
        {
            var row = matrix.Rows[r];
            Assert.That(lines[r + 1][..6], Is.EqualTo(new[] { row.Section, row.Index.ToString(), row.Kind.LibbpfName(), row.LocalType, row.Access, row.ReadablePath ?? "-" }));
            Assert.That(lines[r + 1][6..], Is.EqualTo(row.Cells.Select(c => c.Text)));
        }
        Assert.That(lines[^1][0], Is.EqualTo(CoreMatrix.LoadRowLabel));
        Assert.That(lines[^1][6..], Is.EqualTo(matrix.Succeeded.Select(ok => ok ? "ok" : "failed")));
    }

    [Test]
    public void CellsShowTheValueWhenPatchedAndTheStatusOtherwise()
    {
        var matrix = KernelCAgainstShipped();
        var cells = matrix.Rows.SelectMany(r => r.Cells).ToList();
        Assert.That(cells.Where(c => c.Status == CoreRelocationStatus.Ok).Select(c => c.Text), Is.EqualTo(cells.Where(c => c.Status == CoreRelocationStatus.Ok).Select(c => c.New!.Value.ToString())));
        // kernel.c's mm_cid exists only in 6.18: poisoned elsewhere
        Assert.That(cells.Where(c => c.Status == CoreRelocationStatus.Poison).Select(c => c.Text), Is.Not.Empty.And.All.EqualTo("poison"));
    }

    [Test]
    public void TsvWithInstructionsAppendsThePatchedInstruction()
    {
        var matrix = KernelCAgainstShipped();
        var lines = matrix.ToTsv(instructions: true).TrimEnd('\n').Split('\n').Select(l => l.Split('\t')).ToList();
        for (int r = 0; r < matrix.Rows.Count; r++)
            Assert.That(lines[r + 1][6..], Is.EqualTo(matrix.Rows[r].Cells.Select(c => c.After is null ? c.Text : $"{c.Text} {CoreRelocationReport.Hex(c.After)}")));
    }

    [Test]
    public void TextIsAlignedAndMarksPoisonAndDifferingRows()
    {
        var matrix = KernelCAgainstShipped();
        var lines = matrix.ToText().TrimEnd('\n').Split('\n');
        var table = lines.Skip(1).Take(matrix.Rows.Count + 2).ToList();   // header, rows, load line

        Assert.That(lines[0], Does.StartWith($"{matrix.Rows.Count} record(s) x {matrix.Targets.Count} target(s)"));
        Assert.That(table.Select(l => l.Length).Distinct().Count(), Is.EqualTo(1), "every table line is as wide as the others");
        for (int r = 0; r < matrix.Rows.Count; r++)
        {
            var line = table[r + 1];
            Assert.That(line.StartsWith('*'), Is.EqualTo(!matrix.Rows[r].IsUniform), line);
            Assert.That(line.Contains("POISON"), Is.EqualTo(matrix.Rows[r].Cells.Any(c => c.Status == CoreRelocationStatus.Poison)), line);
        }
        var legend = lines.Skip(matrix.Rows.Count + 3).ToList();
        Assert.That(legend, Has.Count.EqualTo(matrix.Targets.Count));
        for (int t = 0; t < matrix.Targets.Count; t++)
            Assert.That(legend[t], Does.StartWith($"[{t + 1}] {matrix.Targets[t]}: " + (matrix.Succeeded[t] ? "loads" : "load fails")));
    }

    [Test]
    public void TextMarksAFailedLoadWithItsError()
    {
        // the corpus' failing programs fail only against purpose-built targets; a record whose local type is not in
        // the local BTF fails the load against every kernel, and the records after it are not reached
        var obj = MatrixFixture.KernelC();
        var records = obj.BtfExt!.CoreRelocations.Select((r, i) => i == 0 ? r with { TypeId = uint.MaxValue } : r).ToList();
        var programs = obj.Programs.Select(CoreProgram.FromObject).ToList();
        var matrix = CoreMatrix.Build(obj.Btf!, records, programs, MatrixFixture.ShippedVmlinuxes());

        Assert.That(matrix.Succeeded, Has.All.False);
        Assert.That(matrix.Rows[0].Cells.Select(c => c.Status), Has.All.EqualTo(CoreRelocationStatus.Error));
        var text = matrix.ToText();
        Assert.That(text, Does.Contain("ERROR").And.Contain("FAILS").And.Contain("load fails at"));
        Assert.That(matrix.ToTsv().TrimEnd('\n').Split('\n')[^1].Split('\t')[6..], Has.All.EqualTo("failed"));
    }
}
