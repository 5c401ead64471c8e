using BtfNotebooks.Elf;
using BtfNotebooks.Elf.BtfExt;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Elf;

/// <summary>
/// The CO-RE records as libbpf itself reads them from .BTF.ext: ../shared/tools/core-oracle prints one row per
/// record (section, index, insn_off, kind, local type ID, access string), in the order libbpf processes them.
/// Ignored where the oracle cannot be built (no libbpf-dev, no ../shared) or cannot run (<see cref="CoreOracle"/>).
/// </summary>
public class BtfExtOracleTests
{
    /// <summary>
    /// libbpf 1.1 (the oracle's) rejects a .BTF.ext of the other byte order than the host, so only little-endian
    /// objects are compared.
    /// </summary>
    [TestCase("v2"), TestCase("v3"), TestCase("v4")]
    public void CoreRecordsAreTheOnesLibbpfReads(string cpu)
    {
        using var o = BtfExtObjects.Compile("core-kinds.c", "bpf", cpu);
        // The object is its own target: only the records matter here, not what they relocate to.
        var rows = CoreOracle.Run(o.Path, o.Path);
        var libbpf = rows.Select(c => $"{c["sec"]} #{c["relo"]} @{c["insn_off"]} {c["kind"]}({c["kind_num"]}) [{c["local_type_id"]}] {c["access"]}");
        var ours = BpfObjectFile.Load(o.Path).BtfExt!.CoreRelocations
            .Select(r => $"{r.Section} #{r.Index} @{r.InstructionOffset} {r.Kind.LibbpfName()}({(uint)r.Kind}) [{r.TypeId}] {r.Access}");
        Assert.That(ours, Is.EqualTo(libbpf));
    }
}
