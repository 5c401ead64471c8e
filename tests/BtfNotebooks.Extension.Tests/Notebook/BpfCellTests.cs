using System.Xml.Linq;
using BtfNotebooks.Extension.Tests.Html;
using Microsoft.DotNet.Interactive.Events;
using NUnit.Framework;
using static BtfNotebooks.Extension.Tests.Notebook.NotebookHarness;

namespace BtfNotebooks.Extension.Tests.Notebook;

/// <summary>
/// <c>#!bpf [--name N] [--against K] [--syntax S] [--section S]</c> cells: assembly with <c>%core(...)</c> operands
/// resolved against a loaded kernel, the listing with each CO-RE record beside its instruction, the program kept by
/// name and shared as a C# variable; assembly errors with line and column.
/// </summary>
public class BpfCellTests
{
    private const string PidProgram = "r0 = *(u32 *)(r1 + %core(task_struct.pid))\nr2 = %core_size(task_struct)\nexit";

    private static List<XElement> ListingRows(CellResult cell) =>
        [.. cell.Fragments().First(f => f.HasClass("btfnb-listing")).Descendants("tbody").Single().Elements("tr").Where(r => r.HasClass("insn"))];

    private static object? ReturnValue(CellResult cell) => cell.Events.OfType<ReturnValueProduced>().Single().Value;

    [Test]
    public async Task CoRe_operands_assemble_against_the_kernel_and_the_listing_shows_the_records()
    {
        using var nb = await With(Debian61, Local618);
        var cell = await nb.Ok($"#!bpf --name p --against {Local618}\n{PidProgram}");
        var program = cell.Fragment("program");
        Assert.That(program.Title(), Is.EqualTo("p"));
        Assert.That(program.Descendants("span").Select(s => s.Value), Is.SupersetOf(new[] { "1 program", "2 CO-RE records", $"assembled against {Local618}" }));

        var rows = ListingRows(cell);
        Assert.That(rows, Has.Count.EqualTo(3));
        Assert.That(rows[0].HasClass("annotated"), Is.True);
        Assert.That(rows[0].Elements("td").ElementAt(1).Value, Does.Contain("r1 + 0x4f0").Or.Contain("r1 + 1264"), "6.18's offset of pid (1264) in the instruction");
        Assert.That(rows[0].Elements("td").Last().Value, Is.EqualTo($"relo #0 byte_off task_struct.pid = 1264 ({Local618})"));
        Assert.That(rows[1].Elements("td").Last().Value, Is.EqualTo($"relo #1 type_size task_struct = 3264 ({Local618})"));
        Assert.That(rows[2].HasClass("annotated"), Is.False, "exit has no record");
        // The conformance-syntax listing, one click away, carries the same notes.
        var conformance = cell.Fragments().Where(f => f.HasClass("btfnb-listing")).ToList();
        Assert.That(conformance, Has.Count.EqualTo(2));
        Assert.That(conformance[1].Descendants("td").Any(td => td.Value.Contains("ldxw", StringComparison.Ordinal)), Is.True);

        var kept = nb.Session.Programs["p"];
        Assert.That(kept.Against, Is.EqualTo(Local618));
        Assert.That(kept.Code.Records, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task The_reference_kernels_values_go_into_the_instructions()
    {
        using var nb = await With(Debian61, Local618);
        await nb.Ok($"#!bpf --name on61 --against {Debian61}\n{PidProgram}");
        await nb.Ok($"#!bpf --name on618 --against {Local618}\n{PidProgram}");
        Assert.That(nb.Session.Programs["on61"].Instructions()[0].Offset, Is.EqualTo(2416));
        Assert.That(nb.Session.Programs["on618"].Instructions()[0].Offset, Is.EqualTo(1264));
    }

    [Test]
    public async Task The_program_is_a_CSharp_variable()
    {
        using var nb = await With(Local618);
        await nb.Ok($"#!bpf --name p\n{PidProgram}");
        Assert.That(ReturnValue(await nb.Ok("p.Name")), Is.EqualTo("p"));
        Assert.That(ReturnValue(await nb.Ok("p.Against")), Is.EqualTo(Local618), "the only loaded kernel when --against is left out");
        Assert.That(ReturnValue(await nb.Ok("p.Code.Records.Count")), Is.EqualTo(2));
        Assert.That(ReturnValue(await nb.Ok("p.Instructions()[0].Offset")), Is.EqualTo((short)1264));
        // The formatter shows it as the cell did.
        var shown = await nb.Ok("p");
        Assert.That(shown.Fragment("program").Title(), Is.EqualTo("p"));
    }

    [Test]
    public async Task Without_a_name_the_program_is_prog()
    {
        using var nb = new NotebookHarness();
        await nb.Ok("#!bpf\nr0 = 1\nexit");
        Assert.That(nb.Session.Programs.Keys, Is.EqualTo(new[] { "prog" }));
        Assert.That(ReturnValue(await nb.Ok("prog.Name")), Is.EqualTo("prog"));
    }

    [TestCase("#!bpf --name c\nmov %r0, 42\nexit", TestName = "conformance syntax, detected")]
    [TestCase("#!bpf --name c --syntax conformance\nmov %r0, 42\nexit", TestName = "conformance syntax, named")]
    [TestCase("#!bpf --name c --syntax ubpf\nmov32 %r0, 42\nexit", TestName = "ubpf is the conformance syntax")]
    [TestCase("#!bpf --name c --syntax llvm\nr0 = 42\nexit", TestName = "llvm syntax, named")]
    public async Task Syntaxes(string code)
    {
        using var nb = new NotebookHarness();
        var cell = await nb.Ok(code);
        Assert.That(ListingRows(cell).Select(r => r.Elements("td").ElementAt(1).Value).First(), Does.EndWith("0x2a"));
        var run = await nb.Ok("#!bpf-run c");
        Assert.That(run.Fragment("run").Descendants("tr").Single(r => (string?)r.Attribute("data-k") == "r0").CellTexts()[1], Is.EqualTo("42"));
    }

    [TestCase("--syntax att", "--syntax is llvm or conformance, not 'att'")]
    [TestCase("--syntax conformance", "line 1, column 1: Invalid mnemonic: r0")]
    public async Task Wrong_syntax_fails(string options, string expected)
    {
        using var nb = await With(Local618);
        var error = await nb.Fails($"#!bpf --name c {options}\n{PidProgram}");
        Assert.That(error, Does.Contain(expected));
    }

    /// <summary>
    /// --against names the kernel for CO-RE operands; a conformance-syntax cell has none, so it assembles as it would
    /// without --against. (Today it fails with "CO-RE operands (%core...) are written in LLVM syntax", which the cell
    /// does not contain: BpfKernel.Assemble checks the syntax whenever --against is given.)
    /// </summary>
    [Test]
    public async Task A_conformance_cell_with_against_assembles()
    {
        using var nb = await With(Local618);
        await nb.Ok($"#!bpf --name c --against {Local618}\nmov %r0, 42\nexit");
        Assert.That(nb.Session.Programs["c"].Code.Records, Is.Empty);
    }

    [Test]
    public async Task CoRe_operands_need_a_kernel()
    {
        using var nb = new NotebookHarness();
        Assert.That(await nb.Fails($"#!bpf --name p\n{PidProgram}"), Does.Contain("no kernel is loaded").And.Contain("--against"));
        await nb.Ok($"#!btf-load {KernelFile(Debian61)}");
        await nb.Ok($"#!btf-load {KernelFile(Local618)}");
        var ambiguous = await nb.Fails($"#!bpf --name p\n{PidProgram}");
        Assert.That(ambiguous, Does.Contain("2 kernels are loaded; choose one with --against").And.Contain(Debian61).And.Contain(Local618));
        Assert.That(await nb.Fails($"#!bpf --name p --against nope\n{PidProgram}"), Does.Contain("no kernel named 'nope'"));
        Assert.That(nb.Session.Programs, Is.Empty);
    }

    [Test]
    public async Task A_cell_without_CoRe_operands_needs_no_kernel()
    {
        using var nb = new NotebookHarness();
        var cell = await nb.Ok("#!bpf --name plain\nr0 = *(u32 *)(r1 + 2416)\nexit");
        Assert.That(cell.Fragment("program").Descendants("span").Select(s => s.Value), Does.Contain("0 CO-RE records"));
        Assert.That(nb.Session.Programs["plain"].Against, Is.Null);
    }

    [Test]
    public async Task Assembly_errors_are_listed_with_line_and_column()
    {
        using var nb = new NotebookHarness();
        const string code = "#!bpf --name bad\nr0 = 1\nr1 +=\nfoo:\nif r1 == 0 goto nowhere\nfoo:\nr2 = *(u128 *)(r1 + 0)\nexit";
        var cell = await nb.Run(code);
        Assert.That(cell.Error, Is.Not.Null);
        // Lines count from the first line of assembly, after the #!bpf line, as the user sees the cell's code.
        var expected = new[] { (2, 6, "expected a register"), (4, 17, "label 'nowhere' is not defined"), (5, 1, "label 'foo' is already defined"), (6, 8, "expected an access size") };
        foreach (var (line, column, message) in expected)
            Assert.That(cell.Error, Does.Contain($"line {line}, column {column}: ").And.Contain(message));
        Assert.That(cell.Error, Does.Contain("4 errors"));

        var table = cell.Fragment("asm-errors");
        Assert.That(table.Title(), Does.Contain("4 errors"));
        var rows = table.Descendants("tr").Where(r => r.HasClass("error-row")).ToList();
        Assert.That(rows.Select(r => ((int)r.Attribute("data-line")!, (int)r.Attribute("data-column")!)), Is.EqualTo(expected.Select(e => (e.Item1, e.Item2))));
        // Each error is followed by its source line and a caret under the column.
        var source = rows[0].ElementsAfterSelf("tr").First();
        Assert.That(source.HasClass("source"), Is.True);
        Assert.That(source.Descendants("span").Single(s => s.HasClass("line")).Value, Is.EqualTo("r1 +="));
        Assert.That(source.Descendants("span").Single(s => s.HasClass("caret")).Value, Is.EqualTo("     ^"));
        Assert.That(nb.Session.Programs, Is.Empty);
    }

    [Test]
    public async Task CoRe_operands_that_do_not_resolve_are_assembly_errors_too()
    {
        using var nb = await With(Local618);
        var cell = await nb.Run("#!bpf --name p\nr0 = 0\nr2 = *(u32 *)(r1 + %core(task_struct.no_such_field))\nexit");
        Assert.That(cell.Error, Does.Contain("line 2, column 20").And.Contain("has no member 'no_such_field'"));
        var row = cell.Fragment("asm-errors").Descendants("tr").Single(r => r.HasClass("error-row"));
        Assert.That(((int)row.Attribute("data-line")!, (int)row.Attribute("data-column")!), Is.EqualTo((2, 20)));
    }

    [TestCase("9x")]
    [TestCase("a-b")]
    [TestCase("class.name")]
    [TestCase("fixed")]
    [TestCase("int")]
    public async Task An_invalid_name_fails(string name)
    {
        using var nb = new NotebookHarness();
        var error = await nb.Fails($"#!bpf --name {name}\nr0 = 1\nexit");
        Assert.That(error, Does.Contain($"--name '{name}' must be a C# identifier"));
        Assert.That(nb.Session.Programs, Is.Empty);
    }

    [Test]
    public async Task Running_a_cell_again_replaces_the_program()
    {
        using var nb = new NotebookHarness();
        await nb.Ok("#!bpf --name p\nr0 = 1\nexit");
        var first = nb.Session.Programs["p"];
        await nb.Ok("#!bpf --name p\nr0 = 2\nexit");
        Assert.That(nb.Session.Programs["p"], Is.Not.SameAs(first));
        Assert.That(nb.Session.Programs, Has.Count.EqualTo(1));
        Assert.That(ReturnValue(await nb.Ok("p.Instructions()[0].Imm")), Is.EqualTo(2), "the C# variable follows");
        var run = await nb.Ok("#!bpf-run p");
        Assert.That(run.Fragment("run").Descendants("tr").Single(r => (string?)r.Attribute("data-k") == "r0").CellTexts()[1], Is.EqualTo("2"));
    }

    [Test]
    public async Task A_failing_cell_keeps_the_previous_program_and_the_kernel_works_on()
    {
        using var nb = new NotebookHarness();
        await nb.Ok("#!bpf --name p\nr0 = 1\nexit");
        await nb.Fails("#!bpf --name p\nr0 = \nexit");
        Assert.That(nb.Session.Programs["p"].Instructions()[0].Imm, Is.EqualTo(1), "the failed cell did not replace it");
        await nb.Ok("#!bpf --name q\nr0 = 7\nexit");
        Assert.That(ReturnValue(await nb.Ok("q.Name + p.Name")), Is.EqualTo("qp"));
        await nb.Ok("#!btf-kernels");
    }
}
