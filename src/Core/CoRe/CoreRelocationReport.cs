using System.Text;
using BtfNotebooks.Asm;
using BtfNotebooks.Elf.BtfExt;

namespace BtfNotebooks.CoRe;

public enum CoreRelocationStatus
{
    /// <summary>The instruction was patched with the target's value.</summary>
    Ok,
    /// <summary>No candidate matched (or a load/store could not be resized): the instruction now calls helper 0xbad2310.</summary>
    Poison,
    /// <summary>libbpf fails the whole object load here.</summary>
    Error,
    /// <summary>No program holds the instruction (an eliminated __weak duplicate): libbpf skips the record.</summary>
    Skipped,
    /// <summary>The program is not loaded (autoload off, <c>SEC("?...")</c>): not relocated.</summary>
    NotLoaded,
    /// <summary>An earlier record failed the load; libbpf never got here.</summary>
    NotReached,
}

/// <summary>One candidate considered for a record: what libbpf's log shows plus why it did not match.</summary>
public sealed record CoreCandidateReport(int Index, uint Id, string Type, string BtfName, bool Matched, string Spec, string? Mismatch)
{
    public override string ToString() => Matched ? $"#{Index} {Spec}: matches" : $"#{Index} {Spec}: {Mismatch}";
}

/// <summary>
/// What happened to one CO-RE record: where it applies (section, record index, program and instruction index
/// within it), what it asks (kind, local type, access string, libbpf's spec text and a readable path), every
/// candidate with its verdict, the status, the patch (old and new value) and the instruction bytes before and
/// after (16 bytes for lddw), with a message explaining errors and poisoning.
/// </summary>
public sealed record CoreRecordReport(
    CoreRelocationRecord Record,
    string? Program,
    int? InstructionIndex,
    string LocalType,
    string? LocalSpec,
    string? ReadablePath,
    IReadOnlyList<CoreCandidateReport> Candidates,
    CoreRelocationStatus Status,
    CorePatch? Patch,
    byte[]? Before,
    byte[]? After,
    string? Message)
{
    public CoreRelocationKind Kind => Record.Kind;

    /// <summary>The value the instruction held (as libbpf prints it, unsigned 64-bit), when patched.</summary>
    public ulong? Old => Patch?.Old;

    /// <summary>The value written, when patched (not for poison).</summary>
    public ulong? New => Patch?.New;

    public IEnumerable<CoreCandidateReport> Matching => Candidates.Where(c => c.Matched);

    /// <summary>Status as the oracle and <c>btfnb relocate --format tsv</c> print it.</summary>
    public string StatusName => Status switch
    {
        CoreRelocationStatus.Ok => "ok",
        CoreRelocationStatus.Poison => "poison",
        CoreRelocationStatus.Error => "error",
        CoreRelocationStatus.Skipped => "skipped",
        _ => "not_reached",
    };

    public override string ToString()
    {
        var text = new StringBuilder($"{Record.Section} relo #{Record.Index} insn #{InstructionIndex?.ToString() ?? "-"} <{Kind.LibbpfName()}> {LocalType} {Record.Access}");
        if (ReadablePath is not null) text.Append($" ({ReadablePath})");
        text.Append($": {StatusName}");
        if (Patch is { Kind: not CorePatchKind.Poison }) text.Append($" {Patch.Label} {Old} -> {New}");
        if (Message is not null) text.Append($" - {Message}");
        return text.ToString();
    }
}

/// <summary>The relocation of one object against one target: a report per record and the patched programs.</summary>
public sealed class CoreRelocationReport
{
    internal CoreRelocationReport(string target, IReadOnlyList<CoreRecordReport> records, IReadOnlyList<CoreProgram> programs)
    {
        Target = target;
        Records = records;
        Programs = programs;
    }

    /// <summary>The report of a program with no CO-RE records: nothing relocated, the programs as they are.</summary>
    public static CoreRelocationReport Unrelocated(string target, IReadOnlyList<CoreProgram> programs) => new(target, [], programs);

    public string Target { get; }
    public IReadOnlyList<CoreRecordReport> Records { get; }

    /// <summary>Every program with its relocated slots (programs that failed keep what was patched before the error).</summary>
    public IReadOnlyList<CoreProgram> Programs { get; }

    /// <summary>False when libbpf would fail the object load (a record has status Error).</summary>
    public bool Succeeded => Records.All(r => r.Status != CoreRelocationStatus.Error);

    public CoreRecordReport? FirstError => Records.FirstOrDefault(r => r.Status == CoreRelocationStatus.Error);

    /// <summary>
    /// One aligned line per record (relo, instruction, kind, readable access, status, old -> new, message): the
    /// compact form a failure message or a test log shows. The CLI's text format explains candidates as well.
    /// </summary>
    public string ToTable() => string.Join('\n', Records.Select(r =>
        $"  relo #{r.Record.Index,-3} insn {r.InstructionIndex?.ToString() ?? "-",-5} {r.Kind.LibbpfName(),-14} {r.ReadablePath ?? r.Record.Access,-32} " +
        $"{r.StatusName,-6} {r.Old?.ToString() ?? "-"} -> {r.New?.ToString() ?? "-"}{(r.Message is null ? "" : "  (" + r.Message + ")")}"));

    public const string TsvHeader = "target\tsection\trelo\tinsn\tkind\tlocal\taccess\tstatus\told\tnew\tinsn_after";

    /// <summary>The rows of <c>btfnb relocate --format tsv</c> (without the header): one per record.</summary>
    public IEnumerable<string> TsvRows() => Records.Select(r => string.Join('\t',
        Target, r.Record.Section, r.Record.Index, r.InstructionIndex?.ToString() ?? "-", r.Kind.LibbpfName(), r.LocalType,
        r.Record.Access, r.StatusName, r.Old?.ToString() ?? "-", r.New?.ToString() ?? "-", Hex(r.After)));

    public static string Hex(byte[]? bytes) => bytes is null ? "-" : Convert.ToHexString(bytes).ToLowerInvariant();
}
