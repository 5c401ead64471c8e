using BtfNotebooks.Asm;
using BtfNotebooks.Btf;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.BtfExt;

namespace BtfNotebooks.CoRe.Matrix;

/// <summary>
/// One object's CO-RE records relocated against N targets: rows are the records (file order), columns the
/// targets. Each column is exactly <see cref="CoreRelocator.Relocate(BtfSpec, IReadOnlyList{CoreRelocationRecord}, IReadOnlyList{CoreProgram}, BtfSpec, string?, ByteOrder)"/>
/// against that target (kept in <see cref="Reports"/>); the columns are independent, so they are computed in parallel.
/// </summary>
public sealed partial class CoreMatrix
{
    private CoreMatrix(IReadOnlyList<CoreRelocationReport> reports, IReadOnlyList<CoreMatrixRow> rows)
    {
        Reports = reports;
        Rows = rows;
    }

    /// <summary>The target names, one per column.</summary>
    public IReadOnlyList<string> Targets => Reports.Select(r => r.Target).ToList();

    /// <summary>The full single-target report of each column (patched programs, candidates, messages).</summary>
    public IReadOnlyList<CoreRelocationReport> Reports { get; }

    public IReadOnlyList<CoreMatrixRow> Rows { get; }

    /// <summary>Per column: would libbpf load the object against this target (no record failed with an error)?</summary>
    public IReadOnlyList<bool> Succeeded => Reports.Select(r => r.Succeeded).ToList();

    /// <summary>
    /// Relocates <paramref name="records"/> in copies of <paramref name="programs"/> against every target, at most
    /// <paramref name="maxParallelism"/> at once (-1: as many as the thread pool gives).
    /// </summary>
    public static CoreMatrix Build(BtfSpec local, IReadOnlyList<CoreRelocationRecord> records, IReadOnlyList<CoreProgram> programs,
        IReadOnlyList<CoreMatrixTarget> targets, ByteOrder byteOrder = ByteOrder.LittleEndian, int maxParallelism = -1)
    {
        var reports = new CoreRelocationReport[targets.Count];
        Parallel.For(0, targets.Count, new ParallelOptions { MaxDegreeOfParallelism = maxParallelism },
            t => reports[t] = CoreRelocator.Relocate(local, records, programs, targets[t].Btf, targets[t].Name, byteOrder));

        var rows = new CoreMatrixRow[records.Count];
        for (int r = 0; r < records.Count; r++)
        {
            var record = records[r];
            var cells = reports.Select(report => new CoreMatrixCell(report.Target, report.Records[r])).ToList();
            // Both describe the local side only; computed here because a column may not have reached the record.
            string localType = local.Contains(record.TypeId) ? CoreNames.Describe(local[record.TypeId]) : $"[{record.TypeId}] ?";
            rows[r] = new CoreMatrixRow(record, localType, ReadablePath(local, record), cells);
        }
        return new CoreMatrix(reports, rows);
    }

    /// <summary>A BPF object's records (from .BTF.ext) and programs against every target; none when it has no .BTF.ext.</summary>
    public static CoreMatrix Build(BpfObjectFile obj, IReadOnlyList<CoreMatrixTarget> targets, int maxParallelism = -1)
    {
        var local = obj.Btf ?? throw new InvalidOperationException($"{obj.Source ?? "the object"} has no .BTF section: CO-RE needs the local types");
        var records = obj.BtfExt?.CoreRelocations ?? [];
        var programs = obj.Programs.Select(CoreProgram.FromObject).ToList();
        return Build(local, records, programs, targets, obj.ByteOrder, maxParallelism);
    }

    private static string? ReadablePath(BtfSpec local, CoreRelocationRecord record)
    {
        if (!local.Contains(record.TypeId)) return null;
        try { return CoreAccessSpec.Parse(local, record.TypeId, record.Access, record.Kind).ReadablePath(); }
        catch (CoreRelocationException) { return null; }
    }
}
