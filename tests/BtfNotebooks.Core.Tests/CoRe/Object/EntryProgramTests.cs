using BtfNotebooks.CoRe;
using BtfNotebooks.Elf;
using BtfNotebooks.Tests.Elf;
using NUnit.Framework;

namespace BtfNotebooks.Tests.CoRe.Object;

/// <summary>Choosing a program of an object by section name is only unambiguous when the section holds one.</summary>
public class EntryProgramTests
{
    [Test]
    public void A_section_with_two_programs_is_not_a_choice()
    {
        using var o = ClangBpf.Compile(SampleObject.Source, "bpf", "-O2", "-g");
        var code = CoreObject.FromObject(BpfObjectFile.Load(o.Path), "sample");
        var e = Assert.Throws<ArgumentException>(() => code.EntryProgram("xdp"))!;
        Assert.That(e.Message, Is.EqualTo("section 'xdp' of sample has 2 programs; name one of: xdp_first, xdp_second"));
        Assert.That(code.EntryProgram("xdp_second").Name, Is.EqualTo("xdp_second"));
        Assert.That(code.EntryProgram("socket").Name, Is.EqualTo("socket_counter"), "a section with one program names it");
    }
}
