using BtfNotebooks.Asm;
using BtfNotebooks.Elf;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Elf;

/// <summary>
/// <see cref="BpfObjectFile.LinkProgram"/>: .text appended after the entry program, relocated calls pointing at
/// their callees (a static one relocated against the section symbol, a global one against its own symbol), calls
/// inside .text without relocations kept relative.
/// </summary>
public class ProgramLinkingTests
{
    [TestCase("bpf")]
    [TestCase("bpfeb")]
    public void CallsLandOnTheirCalleesAfterLinking(string target)
    {
        using var o = ClangBpf.Compile(SampleObject.Source, target);
        var obj = BpfObjectFile.Load(o.Path);
        var entry = obj.Program("xdp_first");
        var linked = obj.LinkProgram("xdp_first");
        var text = obj.SectionInstructions(".text");
        int length = entry.SlotCount;

        Assert.That(linked.Length, Is.EqualTo(entry.Instructions.Count + text.Count));
        Assert.That(linked.Skip(entry.Instructions.Count).Select(i => i.Opcode), Is.EqualTo(text.Select(i => i.Opcode)), ".text follows the entry program");
        Assert.That(ProgramValidator.Validate(linked), Is.Empty, "every call and jump lands on an instruction");

        var slotOf = ProgramValidator.SlotIndex(linked, out _);
        int SlotOfFunction(string name) => length + obj.Program(name).SlotOffset;
        var targets = Enumerable.Range(0, linked.Length).Where(i => linked[i].IsLocalCall)
            .Select(i => (Caller: i < entry.Instructions.Count ? "xdp_first" : "global_mix", Target: slotOf[i] + 1 + linked[i].Imm)).ToList();
        Assert.That(targets, Is.EquivalentTo(new[]
        {
            ("xdp_first", SlotOfFunction("mix")),
            ("xdp_first", SlotOfFunction("global_mix")),
            ("global_mix", SlotOfFunction("mix")),
        }));
    }

    [TestCase("bpf")]
    [TestCase("bpfeb")]
    public void ProgramWithoutCallsIsItsOwnInstructions(string target)
    {
        using var o = ClangBpf.Compile(SampleObject.Source, target);
        var obj = BpfObjectFile.Load(o.Path);
        Assert.That(obj.LinkProgram("tc_plain"), Is.EqualTo(obj.Program("tc_plain").Instructions));
        Assert.That(obj.LinkProgram("socket_counter"), Is.EqualTo(obj.Program("socket_counter").Instructions),
            "the lddw of a global is left for map/data relocation");
    }

    [Test]
    public void SecondProgramOfASectionIsLinkedFromItsOwnStart()
    {
        using var o = ClangBpf.Compile(SampleObject.Source);
        var obj = BpfObjectFile.Load(o.Path);
        var second = obj.Program("xdp_second");
        Assert.That(second.SlotOffset, Is.GreaterThan(0));
        var linked = obj.LinkProgram("xdp_second");
        var call = Array.FindIndex(linked, i => i.IsLocalCall);
        var slotOf = ProgramValidator.SlotIndex(linked, out _);
        Assert.That(slotOf[call] + 1 + linked[call].Imm, Is.EqualTo(second.SlotCount + obj.Program("mix").SlotOffset));
    }

    [Test]
    public void SubprogramsAndUnknownNamesCannotBeLinked()
    {
        using var o = ClangBpf.Compile(SampleObject.Source);
        var obj = BpfObjectFile.Load(o.Path);
        Assert.That(() => obj.LinkProgram("mix"), Throws.InvalidOperationException.With.Message.Contains("'mix' is a .text subprogram"));
        Assert.That(() => obj.LinkProgram("nope"), Throws.TypeOf<KeyNotFoundException>().With.Message.Contains("no program 'nope'").And.Message.Contains("xdp/xdp_first"));
    }
}
