using BtfNotebooks.Asm;
using BtfNotebooks.CoRe;
using BtfNotebooks.Elf;
using NUnit.Framework;

namespace BtfNotebooks.Tests.CoRe.Object;

/// <summary>
/// <see cref="BpfObjectFile.WithPatchedPrograms"/>: a copy of the object with programs' slots written at their
/// section and slot offset; a program that does not fit its section (too long, shifted past either end, a section
/// without file data) or names no section is refused with a message naming the program, its slots and the section,
/// and neither a refused nor an accepted call changes the original object. Uses the object of
/// <see cref="CoreObjectElfTests"/> (.text 8 slots, raw_tp/first 15, tp/second 3, .bss 8 bytes of NOBITS).
/// </summary>
public class WithPatchedProgramsTests
{
    private static readonly Instruction Marker = Instruction.Mov64(Register.R9, 0x5eed);

    // program, section it is written to (null: its own), slot offset (null: its own), slot count change
    [TestCase("first", null, null, +1, "program 'first' (slots 0..15) does not fit section 'raw_tp/first' (0x78 bytes)")]
    [TestCase("second", null, 1, 0, "program 'second' (slots 1..3) does not fit section 'tp/second' (0x18 bytes)")]
    [TestCase("sub_tgid", null, 1, 0, "program 'sub_tgid' (slots 1..8) does not fit section '.text' (0x40 bytes)")]
    [TestCase("first", null, -1, -1, "program 'first' (slots -1..12) does not fit section 'raw_tp/first' (0x78 bytes)")]
    [TestCase("second", null, -3, 0, "program 'second' (slots -3..-1) does not fit section 'tp/second' (0x18 bytes)")]
    [TestCase("second", ".bss", 0, -2, "program 'second' (slots 0..0) does not fit section '.bss' (0x8 bytes)")]
    public void A_program_that_does_not_fit_its_section_is_refused(string name, string? section, int? slotOffset, int extraSlots, string message)
    {
        var elf = CoreObjectElfTests.Load();
        var snapshot = Snapshot(elf);
        var program = Reshape(CoreProgram.FromObject(elf.Program(name)), section, slotOffset, extraSlots);

        Assert.That(() => elf.WithPatchedPrograms([program]), Throws.ArgumentException.With.Message.EqualTo(message));
        Assert.That(Snapshot(elf), Is.EqualTo(snapshot), "the original object is unchanged");
    }

    [Test]
    public void A_program_of_a_section_the_object_lacks_is_refused()
    {
        var elf = CoreObjectElfTests.Load();
        var program = CoreProgram.FromObject(elf.Program("second")) with { Section = "xdp" };
        Assert.That(() => elf.WithPatchedPrograms([program]), Throws.TypeOf<KeyNotFoundException>().With.Message.Contains("has no section 'xdp'"));
    }

    [Test]
    public void A_refusal_after_an_accepted_program_leaves_the_original_as_it_was()
    {
        var elf = CoreObjectElfTests.Load();
        var snapshot = Snapshot(elf);
        var first = CoreProgram.FromObject(elf.Program("first"));
        var good = WithMarker(first, first.Slots.Count - 2);
        var bad = Reshape(CoreProgram.FromObject(elf.Program("second")), null, null, +1);

        Assert.That(() => elf.WithPatchedPrograms([good, bad]), Throws.ArgumentException.With.Message.Contains("'second'"));
        Assert.That(Snapshot(elf), Is.EqualTo(snapshot));
        Assert.That(elf.Program("first").Instructions, Has.None.EqualTo(Marker));
    }

    [TestCase("bpf")]
    [TestCase("bpfeb")]
    public void The_copy_carries_the_slots_and_the_original_keeps_its_own(string target)
    {
        var elf = CoreObjectElfTests.Load(target);
        var snapshot = Snapshot(elf);
        var first = CoreProgram.FromObject(elf.Program("first"));
        var sub = CoreProgram.FromObject(elf.Program("sub_tgid"));
        int lastOfFirst = first.Slots.Count - 1;

        var copy = elf.WithPatchedPrograms([WithMarker(first, lastOfFirst - 1), WithMarker(sub, 0)]);

        Assert.That(copy, Is.Not.SameAs(elf));
        Assert.That(copy.Source, Is.EqualTo(elf.Source));
        Assert.That(copy.ByteOrder, Is.EqualTo(elf.ByteOrder));
        Assert.That(Snapshot(elf), Is.EqualTo(snapshot), "the original object is unchanged");
        var linked = copy.LinkProgram("first");
        var original = elf.LinkProgram("first");
        var changed = Enumerable.Range(0, linked.Length).Where(i => linked[i] != original[i]).ToList();
        // the slot before exit in the entry, the first slot of sub_tgid after it (no lddw in either position)
        int entryInsns = elf.Program("first").Instructions.Count;
        Assert.That(changed, Is.EqualTo(new[] { entryInsns - 2, entryInsns }));
        Assert.That(changed.Select(i => linked[i]), Is.All.EqualTo(Marker));
        Assert.That(copy.Program("second").Instructions, Is.EqualTo(elf.Program("second").Instructions));
        Assert.That(copy.SectionData(copy.FindSection("license")!).ToArray(), Is.EqualTo(elf.SectionData(elf.FindSection("license")!).ToArray()));
    }

    [Test]
    public void No_programs_give_an_identical_copy()
    {
        var elf = CoreObjectElfTests.Load();
        var copy = elf.WithPatchedPrograms([]);
        Assert.That(Snapshot(copy), Is.EqualTo(Snapshot(elf)));
    }

    private static CoreProgram Reshape(CoreProgram program, string? section, int? slotOffset, int extraSlots)
    {
        var slots = program.Slots.ToList();
        if (extraSlots > 0) slots.AddRange(Enumerable.Repeat(Instruction.Exit(), extraSlots));
        else slots.RemoveRange(slots.Count + extraSlots, -extraSlots);
        return program with { Section = section ?? program.Section, SlotOffset = slotOffset ?? program.SlotOffset, Slots = slots };
    }

    private static CoreProgram WithMarker(CoreProgram program, int slot)
    {
        var slots = program.Slots.ToArray();
        Assert.That(slots[slot].IsWide || (slot > 0 && slots[slot - 1].IsWide), Is.False, "not part of an lddw");
        slots[slot] = Marker;
        return program with { Slots = slots };
    }

    /// <summary>Every section's bytes and the linked entry programs: what a patch must not change in the original.</summary>
    private static List<object> Snapshot(BpfObjectFile elf) =>
    [
        .. elf.Sections.Where(s => s.Index != 0).Select(s => (object)Convert.ToHexString(elf.SectionData(s).Span)),
        .. new[] { "first", "second" }.Select(p => (object)string.Join(";", elf.LinkProgram(p))),
    ];
}
