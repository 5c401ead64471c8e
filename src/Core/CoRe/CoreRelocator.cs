using BtfNotebooks.Asm;
using BtfNotebooks.Btf;
using BtfNotebooks.Elf.BtfExt;

namespace BtfNotebooks.CoRe;

/// <summary>
/// Relocates the CO-RE records of one object against one target the way libbpf 1.1's bpf_object__relocate_core
/// does: records in order, each applied to its program's instruction; candidates searched once per local root
/// type and pruned to the matching ones after each record (so earlier records narrow later ones, across
/// programs); the first error stops the load, later records are not reached.
/// </summary>
public sealed class CoreRelocator
{
    private readonly BtfSpec _local;
    private readonly CoreTarget _target;
    private readonly ByteOrder _byteOrder;

    public CoreRelocator(BtfSpec local, CoreTarget target, ByteOrder byteOrder = ByteOrder.LittleEndian)
    {
        _local = local;
        _target = target;
        _byteOrder = byteOrder;
    }

    /// <summary>Relocates <paramref name="records"/> (file order) in copies of <paramref name="programs"/>.</summary>
    public static CoreRelocationReport Relocate(BtfSpec local, IReadOnlyList<CoreRelocationRecord> records, IReadOnlyList<CoreProgram> programs, BtfSpec target, string? targetName = null, ByteOrder byteOrder = ByteOrder.LittleEndian) =>
        new CoreRelocator(local, new CoreTarget(target, targetName), byteOrder).Relocate(records, programs);

    public CoreRelocationReport Relocate(IReadOnlyList<CoreRelocationRecord> records, IReadOnlyList<CoreProgram> programs)
    {
        var slots = programs.Select(p => p.Slots.ToArray()).ToArray();
        var candidateCache = new Dictionary<uint, List<CoreCandidate>>();
        var pending = new List<(int Record, int Program, int Index, byte[] Before)>();
        var reports = new CoreRecordReport?[records.Count];
        bool failed = false;

        for (int r = 0; r < records.Count; r++)
        {
            var record = records[r];
            string localType = _local.Contains(record.TypeId) ? CoreNames.Describe(_local[record.TypeId]) : $"[{record.TypeId}] ?";
            int p = FindProgram(programs, record);
            byte[]? before = p < 0 ? null : Bytes(programs[p].Slots, record.InstructionSlot - programs[p].SlotOffset);
            CoreRecordReport Unprocessed(CoreRelocationStatus status, string message) =>
                new(record, p < 0 ? null : programs[p].Name, null, localType, null, null, [], status, null, before, null, message);

            if (failed) { reports[r] = Unprocessed(CoreRelocationStatus.NotReached, "an earlier relocation failed the load"); continue; }
            if (p < 0) { reports[r] = Unprocessed(CoreRelocationStatus.Skipped, "no program holds this instruction (an eliminated __weak subprogram)"); continue; }
            if (!programs[p].Autoload) { reports[r] = Unprocessed(CoreRelocationStatus.NotLoaded, $"program {programs[p].Name} is not loaded"); continue; }

            var report = RelocateOne(record, programs[p], slots[p], candidateCache, localType, before);
            reports[r] = report;
            if (report.Status == CoreRelocationStatus.Error) failed = true;
            else pending.Add((r, p, report.InstructionIndex!.Value, before!));
        }

        // the instruction after: the final state, as the loaded program shows it
        foreach (var (r, p, index, before) in pending)
            reports[r] = reports[r]! with { After = Bytes(slots[p], index, before.Length / InstructionCodec.SlotSize) };

        var patched = programs.Select((prog, i) => prog with { Slots = slots[i] }).ToList();
        return new CoreRelocationReport(_target.Name, reports!, patched);
    }

    /// <summary>find_prog_by_sec_insn: the program of the record's section whose slots contain the instruction.</summary>
    private static int FindProgram(IReadOnlyList<CoreProgram> programs, CoreRelocationRecord record)
    {
        for (int i = 0; i < programs.Count; i++)
            if (programs[i].ContainsSlot(record.Section, record.InstructionSlot)) return i;
        return -1;
    }

    private CoreRecordReport RelocateOne(CoreRelocationRecord record, CoreProgram program, Instruction[] slots,
        Dictionary<uint, List<CoreCandidate>> candidateCache, string localType, byte[]? before)
    {
        int index = record.InstructionSlot - program.SlotOffset;
        var candidateReports = new List<CoreCandidateReport>();
        CoreAccessSpec? localSpec = null;
        try
        {
            if (record.InstructionOffset % InstructionCodec.SlotSize != 0)
                throw new CoreRelocationException($"instruction offset {record.InstructionOffset} is not a multiple of 8");
            if (!_local.Contains(record.TypeId))
                throw new CoreRelocationException($"type [{record.TypeId}] is not in the local BTF");
            var localRoot = _local[record.TypeId];

            // the candidate list is searched (and cached) before the access string is even parsed
            if (record.Kind != CoreRelocationKind.LocalTypeId && !candidateCache.ContainsKey(record.TypeId))
                candidateCache[record.TypeId] = _target.FindCandidates(localRoot);

            try { localSpec = CoreAccessSpec.Parse(_local, record.TypeId, record.Access, record.Kind); }
            catch (CoreRelocationException e)
            {
                throw new CoreRelocationException($"parsing [{record.TypeId}] {localType} + {record.Access} failed: {e.Message}", e.Errno);
            }

            var value = Decide(record, localSpec, localRoot, candidateCache, candidateReports, out string? note);
            var patch = CoreInstructionPatcher.Patch(slots, index, value);
            var status = patch.Kind == CorePatchKind.Poison ? CoreRelocationStatus.Poison : CoreRelocationStatus.Ok;
            string? message = status == CoreRelocationStatus.Poison
                ? value.Poison
                    ? note ?? "no matching candidate"
                    : "the load/store's access size differs from the target's and the field is neither a pointer nor an unsigned integer"
                : note;
            return new CoreRecordReport(record, program.Name, index, localType, localSpec.Format(), localSpec.ReadablePath(),
                candidateReports, status, patch, before, null, message);
        }
        catch (CoreRelocationException e)
        {
            return new CoreRecordReport(record, program.Name, index, localType, localSpec?.Format(), localSpec?.ReadablePath(),
                candidateReports, CoreRelocationStatus.Error, null, before, null, $"{e.Message} ({e.Errno})");
        }
    }

    /// <summary>
    /// bpf_core_calc_relo_insn: TYPE_ID_LOCAL needs no candidate; otherwise every (possibly pruned) candidate is
    /// matched, all matching ones must agree on bit offset, poisoning and value, and the cache keeps only the
    /// matching ones. Without a match the value is computed with no target (0 for the exists/type kinds, poison
    /// for the others).
    /// </summary>
    private static CoreRelocationValue Decide(CoreRelocationRecord record, CoreAccessSpec localSpec, BtfType localRoot,
        Dictionary<uint, List<CoreCandidate>> candidateCache, List<CoreCandidateReport> reports, out string? note)
    {
        note = null;
        if (record.Kind == CoreRelocationKind.LocalTypeId)
            // the ID may change when objects are linked, so the instruction is not checked against it
            return new CoreRelocationValue(record.TypeId, record.TypeId, false, false, false, 0, 0);
        if (localRoot.IsAnonymous)
            throw new CoreRelocationException($"<{record.Kind.LibbpfName()}> relocation doesn't support anonymous types", "EOPNOTSUPP");

        var candidates = candidateCache[record.TypeId];
        CoreRelocationValue? chosen = null;
        CoreAccessSpec? chosenSpec = null;
        var survivors = new List<CoreCandidate>();
        for (int i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            var (targetSpec, mismatch) = CoreFieldMatcher.Match(localSpec, candidate.Btf, candidate.Id);
            reports.Add(new CoreCandidateReport(i, candidate.Id, CoreNames.Describe(candidate.Type), candidate.BtfName, mismatch is null, targetSpec.Format(), mismatch));
            if (mismatch is not null) continue;

            var value = CoreRelocationValue.Compute(localSpec, targetSpec);
            if (chosen is null)
            {
                chosen = value;
                chosenSpec = targetSpec;
            }
            else if (targetSpec.BitOffset != chosenSpec!.BitOffset)
            {
                throw new CoreRelocationException($"field offset ambiguity: {targetSpec.BitOffset} != {chosenSpec.BitOffset} (candidates {reports.First(c => c.Matched).Spec} and {targetSpec.Format()})");
            }
            else if (value.Poison != chosen.Poison || value.New != chosen.New)
            {
                throw new CoreRelocationException($"relocation decision ambiguity: {(value.Poison ? "failure" : "success")} {value.New} != {(chosen.Poison ? "failure" : "success")} {chosen.New} (candidates {reports.First(c => c.Matched).Spec} and {targetSpec.Format()})");
            }
            survivors.Add(candidate);
        }

        if (survivors.Count > 0)
        {
            // pruning: later records with this root only see the candidates that matched here
            candidateCache[record.TypeId] = survivors;
            return chosen!;
        }
        note = candidates.Count == 0 ? $"no target type named {CoreNames.Essential(localRoot.Name)} of a compatible kind" : "no matching targets found";
        return CoreRelocationValue.Compute(localSpec, null);
    }

    private byte[] Bytes(IReadOnlyList<Instruction> slots, int index, int? count = null)
    {
        if (index < 0 || index >= slots.Count) return [];
        int n = count ?? (slots[index].Opcode == Instruction.LoadImm64Opcode && index + 1 < slots.Count ? 2 : 1);
        var bytes = new byte[n * InstructionCodec.SlotSize];
        for (int i = 0; i < n; i++)
        {
            var s = slots[index + i];
            InstructionCodec.WriteSlot(bytes.AsSpan(i * InstructionCodec.SlotSize), s.Opcode, s.Dst, s.Src, s.Offset, s.Imm, _byteOrder);
        }
        return bytes;
    }
}
