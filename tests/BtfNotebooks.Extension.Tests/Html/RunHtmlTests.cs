using BtfNotebooks.Asm.Text;
using BtfNotebooks.Extension.Html;
using BtfNotebooks.Vm;
using NUnit.Framework;
using static BtfNotebooks.Extension.Tests.Html.HtmlTestSupport;

namespace BtfNotebooks.Extension.Tests.Html;

/// <summary>Results and faults of real runs in the VM, and the trace table.</summary>
public class RunHtmlTests
{
    private static BpfVm Vm(string source) => new(Assembler.Assemble(source, AsmSyntax.Llvm).Instructions);

    [Test]
    public void ResultShowsR0InDecimalHexAndSigned()
    {
        var result = Vm("r0 = 0\nr0 -= 1\nexit").Run();
        var rows = Parse(RunHtml.Render(result)).Descendants("tr").ToDictionary(r => (string)r.Attribute("data-k")!, r => r.CellTexts());
        Assert.That(rows["r0"], Is.EqualTo(new[] { "r0", "18446744073709551615", "0xffffffffffffffff", "(-1)" }));
        Assert.That(rows["instructions"].Take(2), Is.EqualTo(new[] { "instructions", "3" }));

        var small = Parse(RunHtml.Render(Vm("r0 = 42\nexit").Run())).Descendants("tr").First().CellTexts();
        Assert.That(small, Is.EqualTo(new[] { "r0", "42", "0x2a", "" }));
    }

    [Test]
    public void FaultBoxNamesInstructionAddressSizeAndRegion()
    {
        var vm = Vm("r2 = 1\nr0 = *(u64 *)(r1 + 0x3c)\nexit");
        var packet = vm.Memory.Map("packet", new byte[64], RegionKind.Packet);
        var fault = Assert.Throws<BpfRuntimeException>(() => vm.Run(packet.Address))!;

        var html = Parse(RunHtml.Render(fault));
        var box = html.Descendants("div").Single(d => d.HasClass("fault"));
        Assert.That(box.HasClass("box"), Is.True);
        Assert.That((string?)box.Attribute("title"), Is.EqualTo(fault.Message));
        Assert.That(box.Descendants("div").First(d => d.HasClass("title")).Value, Is.EqualTo("memory fault"));
        Assert.That(box.Descendants("div").Single(d => d.HasClass("reason")).Value, Is.EqualTo(fault.Reason));
        var rows = box.Descendants("tr").ToDictionary(r => (string)r.Attribute("data-k")!, r => r.CellTexts()[1]);
        Assert.That(rows["instruction"], Is.EqualTo("slot 1: r0 = *(u64 *)(r1 + 0x3c)"));
        Assert.That(rows["address"], Is.EqualTo($"0x{packet.Address + 0x3c:x}"));
        Assert.That(rows["size"], Is.EqualTo("8 bytes"));
        Assert.That(rows["region"], Does.StartWith(packet.ToString()).And.EndWith("offset 60 of 64"));
        Assert.That(rows["region"], Does.Contain("'packet'"));
    }

    [Test]
    public void FaultWithoutAnAddress()
    {
        var vm = new BpfVm(Assembler.Assemble("l: goto l\nexit", AsmSyntax.Llvm).Instructions, new VmOptions { InstructionBudget = 100 });
        var fault = Assert.Throws<BpfRuntimeException>(() => vm.Run())!;
        var box = Parse(RunHtml.Render(fault)).Descendants("div").Single(d => d.HasClass("fault"));
        Assert.That(box.Descendants("div").First(d => d.HasClass("title")).Value, Is.EqualTo("instruction budget exhausted"));
        var keys = box.Descendants("tr").Select(r => (string)r.Attribute("data-k")!).ToList();
        Assert.That(keys, Does.Not.Contain("address").And.Not.Contain("region"));
    }

    [Test]
    public void TraceRowsAndTruncation()
    {
        var trace = Enumerable.Range(0, 5).Select(i => new TraceRowView(i, i % 2, i % 2 == 0 ? "r0 = 1" : "if r0 < 0x5 goto -2",
            i % 2 == 0 ? [("r0", (ulong)i), ("r1", ulong.MaxValue)] : [])).ToList();
        var html = Parse(RunHtml.Trace(trace, maxRows: 3));
        var rows = html.Descendants("tbody").Single().Elements("tr").ToList();
        Assert.That(rows, Has.Count.EqualTo(4));
        Assert.That(rows[0].CellTexts(), Is.EqualTo(new[] { "0", "0", "r0 = 1", "r0=0x0 r1=0xffffffffffffffff" }));
        Assert.That(rows[1].CellTexts(), Is.EqualTo(new[] { "1", "1", "if r0 < 0x5 goto -2", "" }));
        Assert.That(rows[0].Descendants("span").Select(s => (string?)s.Attribute("title")), Is.EqualTo(new[] { "0", "18446744073709551615" }));
        Assert.That(rows[3].Value, Is.EqualTo("2 more steps not shown"));

        var withResult = Parse(RunHtml.Render(new RunResult(7, 5), trace));
        Assert.That(withResult.Descendants("table").Count(), Is.EqualTo(2));
        Assert.That(withResult.Descendants("table").Last().Descendants("tbody").Single().Elements("tr").Count(), Is.EqualTo(5));
    }
}
