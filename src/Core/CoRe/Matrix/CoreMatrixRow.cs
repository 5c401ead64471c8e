using BtfNotebooks.Elf.BtfExt;

namespace BtfNotebooks.CoRe.Matrix;

/// <summary>What one record's relocation did against one target: the single-target report's row for it.</summary>
public sealed record CoreMatrixCell(string Target, CoreRecordReport Report)
{
    public CoreRelocationStatus Status => Report.Status;

    /// <summary>The value patched in (null unless the status is Ok).</summary>
    public ulong? New => Report.New;

    /// <summary>The instruction as loaded (8 bytes, 16 for lddw); null when the record was not applied.</summary>
    public byte[]? After => Report.After;

    /// <summary>As a matrix prints it: the new value when patched, otherwise the status (poison, error, ...).</summary>
    public string Text => Status == CoreRelocationStatus.Ok ? New?.ToString() ?? "ok" : Report.StatusName;
}

/// <summary>
/// One CO-RE record of the object (its section, index in that section, kind, local type, access string and the
/// path it spells) with a cell per target, in the matrix's target order.
/// </summary>
public sealed record CoreMatrixRow(CoreRelocationRecord Record, string LocalType, string? ReadablePath, IReadOnlyList<CoreMatrixCell> Cells)
{
    public string Section => Record.Section;
    public int Index => Record.Index;
    public CoreRelocationKind Kind => Record.Kind;
    public string Access => Record.Access;

    /// <summary>True when every target gave this record the same status and value (the layout did not move).</summary>
    public bool IsUniform => Cells.Select(c => (c.Status, c.New)).Distinct().Count() <= 1;
}
