using BtfNotebooks.Asm;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.Maps;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Elf;

/// <summary>
/// <see cref="BpfObjectFile.MapReferences"/> and <see cref="BpfObjectFile.LinkProgramWithMaps"/>: every relocated
/// lddw of a linked program (its own and its .text subprograms') becomes a map or map-value load naming the map the
/// relocation's symbol defines, at the variable's offset; nothing else changes.
/// </summary>
public class MapsRelocationTests
{
    [TestCase("bpf", "xdp_maps")]
    [TestCase("bpfeb", "xdp_maps")]
    [TestCase("bpf", "tp_events")]
    public void EveryRelocatedLddwLoadsTheMapItsSymbolNames(string target, string program)
    {
        var obj = MapsObjects.Load("btf_maps.c", target);
        var linked = obj.LinkProgram(program);
        var references = obj.MapReferences(program);
        var slotOf = ProgramValidator.SlotIndex(linked, out _);

        Assert.That(references.Select(r => r.InstructionIndex), Is.Unique);
        Assert.That(references.Count, Is.EqualTo(RelocatedLddwCount(obj, program)), "every relocated lddw refers to a map");
        foreach (var r in references)
        {
            Assert.That(linked[r.InstructionIndex].IsWide, r.ToString());
            Assert.That(slotOf[r.InstructionIndex], Is.EqualTo(r.Slot));
            var map = obj.Maps[r.MapIndex];
            if (r.Kind == LoadImm64Kind.MapFd)
                Assert.That((map.Name, r.Offset), Is.EqualTo((r.Symbol, 0u)));
            else
            {
                // A global's own symbol, or for a static the section symbol: the variable holds the offset
                // (at its start, or an element of an array).
                var variable = r.Symbol == map.Name
                    ? map.DataVariables.Single(v => r.Offset >= v.Offset && r.Offset < v.Offset + v.Size)
                    : map.DataVariables.Single(v => v.Name == r.Symbol);
                Assert.That(r.Offset, Is.InRange(variable.Offset, variable.Offset + variable.Size - 1), r.ToString());
            }
        }
        if (program == "xdp_maps")
        {
            var calls = references.Single(r => r.Symbol == ".bss");
            Assert.That(obj.Maps[calls.MapIndex].DataVariables.Single(v => v.Offset == calls.Offset).Name, Is.EqualTo("calls"));
            Assert.That(references.Select(r => obj.Maps[r.MapIndex].Name).Distinct(), Is.EquivalentTo(new[]
            {
                "flows", "percpu_stats", "outer", "jumps", "counters", ".data", ".rodata", ".data.custom", ".bss", ".kconfig",
            }), "counters and threshold are used by the .text subprogram bump");
        }
    }

    [Test]
    public void StaticsStringsAndKsymsAreResolvedAsLibbpfDoes()
    {
        var obj = MapsObjects.Load("static_data.c");
        var references = obj.MapReferences("probe");
        Assert.That(references.Select(r => (obj.Maps[r.MapIndex].Name, r.Offset, r.Kind, r.Symbol)), Is.EquivalentTo(new[]
        {
            (".data", 0u, LoadImm64Kind.MapValue, ".data"),
            (".bss", 0u, LoadImm64Kind.MapValue, "bytes"),
            (".rodata.str1.1", 0u, LoadImm64Kind.MapValue, ".rodata.str1.1"),
        }), "the lddw of the __ksym bpf_prog_active is the kernel's address, not a map");
        Assert.That(RelocatedLddwCount(obj, "probe"), Is.EqualTo(references.Count + 1));
    }

    [TestCase("btf_maps.c", "xdp_maps")]
    [TestCase("legacy_maps.c", "legacy")]
    public void RewrittenProgramHasMapIndexesWhereLibbpfPutsFds(string source, string program)
    {
        var obj = MapsObjects.Load(source);
        var linked = obj.LinkProgram(program);
        var rewritten = obj.LinkProgramWithMaps(program);
        var references = obj.MapReferences(program).ToDictionary(r => r.InstructionIndex);
        Assert.That(rewritten.Length, Is.EqualTo(linked.Length));
        for (int i = 0; i < linked.Length; i++)
        {
            if (!references.TryGetValue(i, out var r))
            {
                Assert.That(rewritten[i], Is.EqualTo(linked[i]));
                continue;
            }
            Assert.That(rewritten[i].LoadImm64Kind, Is.EqualTo(r.Kind));
            Assert.That((rewritten[i].Imm, rewritten[i].NextImm), Is.EqualTo((r.MapIndex, r.Kind == LoadImm64Kind.MapValue ? (int)r.Offset : 0)));
            Assert.That(rewritten[i] with { Src = linked[i].Src, Imm = linked[i].Imm, NextImm = linked[i].NextImm }, Is.EqualTo(linked[i]));
        }
        if (source == "legacy_maps.c")
            Assert.That(references.Values.Select(r => (obj.Maps[r.MapIndex].Name, r.Kind)), Is.EquivalentTo(new[]
            {
                ("legacy_array", LoadImm64Kind.MapFd), ("legacy_hash", LoadImm64Kind.MapFd),
            }));
    }

    /// <summary>lddw instructions of the linked program that carry an R_BPF_64_64 relocation, counted from the relocation tables.</summary>
    private static int RelocatedLddwCount(BpfObjectFile obj, string program)
    {
        var entry = obj.Program(program);
        int Count(ElfSectionHeader section, IReadOnlyList<Instruction> insns, int firstSlot, int slots)
        {
            var slotOf = ProgramValidator.SlotIndex(insns, out _);
            var wide = Enumerable.Range(0, insns.Count).Where(i => insns[i].IsWide).Select(i => (ulong)(firstSlot + slotOf[i]) * 8).ToHashSet();
            return obj.RelocationsFor(section).Count(r => r.Type == ElfRelocation.Bpf64_64 && wide.Contains(r.Offset)
                && r.Offset >= (ulong)firstSlot * 8 && r.Offset < (ulong)(firstSlot + slots) * 8);
        }
        int count = Count(obj.Sections[entry.SectionIndex], entry.Instructions, entry.SlotOffset, entry.SlotCount);
        if (obj.LinkProgram(program).Length > entry.Instructions.Count)
        {
            var text = obj.FindSection(".text")!;
            count += Count(text, obj.SectionInstructions(".text"), 0, (int)text.Size / 8);
        }
        return count;
    }
}
