using System.Xml.Linq;
using BtfNotebooks.Extension.Tests.Html;
using NUnit.Framework;
using static BtfNotebooks.Extension.Tests.Notebook.NotebookHarness;

namespace BtfNotebooks.Extension.Tests.Notebook;

/// <summary>
/// <c>#!bpf-run P --kernel K [--ctx ...] [--data FILE] [--trace] [--budget N] [--entry E]</c>. The seed story: a program
/// compiled with 6.1's offset of task_struct.pid (2416) reads the pid on 6.1 but not on 6.18 (pid at 1264), while the
/// same load through <c>%core(task_struct.pid)</c> reads it on every kernel.
/// </summary>
public class RunTests
{
    private NotebookHarness _nb = null!;

    [OneTimeSetUp]
    public async Task Load()
    {
        _nb = await With(Debian61, Debian612, Local618);
        await _nb.Ok("#!bpf --name constant\nr0 = *(u32 *)(r1 + 2416)\nexit");
        await _nb.Ok($"#!bpf --name core --against {Debian61}\nr0 = *(u32 *)(r1 + %core(task_struct.pid))\nexit");
        await _nb.Ok("#!bpf --name oob\nr0 = *(u8 *)(r1 + 100)\nexit");
        await _nb.Ok("#!bpf --name loop\nl:\nr0 += 1\ngoto l\nexit");
        await _nb.Ok("#!bpf --name pkt\nr0 = *(u8 *)(r1 + 3)\nr0 <<= 32\nr0 |= r2\nexit");
        await _nb.Ok("#!bpf --name len\nr0 = *(u32 *)(r1 + 0)\nexit");
        await _nb.Ok($"#!bpf --name blocked --against {Local618}\nr0 = *(u64 *)(r1 + %core(task_struct.blocked_on))\nexit");
    }

    [OneTimeTearDown]
    public void Dispose() => _nb.Dispose();

    private static Dictionary<string, string> Result(CellResult cell) =>
        cell.Fragment("run").Descendants("table").First(t => t.HasClass("result")).Descendants("tr")
            .ToDictionary(r => (string)r.Attribute("data-k")!, r => r.CellTexts()[1]);

    private static XElement FaultBox(CellResult cell) => cell.Fragment("run").Descendants("div").Single(d => d.HasClass("fault"));

    private static Dictionary<string, string> FaultRows(XElement box) =>
        box.Descendants("tr").ToDictionary(r => (string)r.Attribute("data-k")!, r => r.Elements("td").Single().Value);

    [TestCase("constant", Debian61, "42", TestName = "constant 2416 reads the pid on 6.1")]
    [TestCase("constant", Local618, "0", TestName = "constant 2416 misses the pid on 6.18 (pid is at 1264)")]
    [TestCase("constant", Debian612, "0", TestName = "constant 2416 misses the pid on 6.12 (pid is at 2432)")]
    [TestCase("core", Debian61, "42", TestName = "core(task_struct.pid) reads it on 6.1")]
    [TestCase("core", Debian612, "42", TestName = "core(task_struct.pid) reads it on 6.12")]
    [TestCase("core", Local618, "42", TestName = "core(task_struct.pid) reads it on 6.18")]
    public async Task The_seed_story(string program, string kernel, string r0)
    {
        var cell = await _nb.Ok($"#!bpf-run {program} --kernel {kernel} --ctx \"task_struct pid=42\"");
        Assert.That(Result(cell)["r0"], Is.EqualTo(r0));
        Assert.That(Result(cell)["instructions"], Is.EqualTo("2"));
        var caption = cell.Fragment("caption");
        Assert.That(caption.Title(), Is.EqualTo($"{program} ({program}) on {kernel}"));
        Assert.That(caption.Descendants("span").First().Value, Does.StartWith("r1 = &").And.Contain("task_struct pid=42").And.Contain($"{kernel} layout, {(kernel == Local618 ? 3264 : 9792)} bytes"));
        Assert.That(caption.Descendants("span").ElementAt(1).Value, Is.EqualTo(program == "core" ? "1 CO-RE record relocated" : "0 CO-RE records relocated"));
        Assert.That(caption.Descendants("span").Last().Value, Is.EqualTo("engine: interpreter"));
    }

    [TestCase("constant", Debian61, "42")]
    [TestCase("constant", Local618, "0")]
    [TestCase("core", Local618, "42")]
    public async Task The_seed_story_in_the_jit(string program, string kernel, string r0)
    {
        var cell = await _nb.Ok($"#!bpf-run {program} --kernel {kernel} --ctx \"task_struct pid=42\" --engine jit");
        Assert.That(Result(cell)["r0"], Is.EqualTo(r0));
        Assert.That(Result(cell)["instructions"], Is.EqualTo("2"));
        Assert.That(cell.Fragment("caption").Descendants("span").Last().Value, Is.EqualTo("engine: JIT"));
    }

    [Test]
    public async Task A_cell_whose_section_gets_no_packet_needs_ctx()
    {
        await _nb.Ok("#!bpf --name probe --section kprobe/do_sys_open\nr0 = 0\nexit");
        Assert.That(await _nb.Fails("#!bpf-run probe"),
            Does.Contain("BPF_PROG_TYPE_KPROBE program, which gets no packet").And.Contain("give its context with --ctx"));
        Assert.That(Result(await _nb.Ok("#!bpf-run probe --ctx raw"))["r0"], Is.EqualTo("0"));
    }

    [Test]
    public async Task The_jit_fails_as_the_interpreter_does_and_refuses_to_trace()
    {
        var jit = await _nb.Run("#!bpf-run loop --budget 1000 --engine jit");
        var interp = await _nb.Run("#!bpf-run loop --budget 1000 --engine interp");
        Assert.That(jit.Error, Is.EqualTo(interp.Error).And.Contain("instruction budget of 1,000 exhausted"));
        Assert.That(FaultBox(jit).Title(), Is.EqualTo("instruction budget exhausted"));
        Assert.That(await _nb.Fails("#!bpf-run core --ctx \"task_struct pid=1\" --engine jit --trace"),
            Does.Contain("--trace records every step, which only the interpreter does"));
        Assert.That(await _nb.Fails("#!bpf-run core --ctx \"task_struct pid=1\" --engine turbo"), Does.Contain("--engine is interp or jit, not 'turbo'"));
    }

    [Test]
    public async Task Without_kernel_a_cell_runs_on_the_kernel_it_was_assembled_against()
    {
        var cell = await _nb.Ok("#!bpf-run core --ctx \"task_struct pid=7 comm=bash\"");
        Assert.That(cell.Fragment("caption").Title(), Does.EndWith($"on {Debian61}"));
        Assert.That(Result(cell)["r0"], Is.EqualTo("7"));
    }

    [Test]
    public async Task Trace_shows_each_step()
    {
        var cell = await _nb.Ok($"#!bpf-run core --kernel {Local618} --ctx \"task_struct pid=42\" --trace");
        var trace = cell.Fragment("run").Descendants("table").Single(t => t.HasClass("trace"));
        var steps = trace.Descendants("tbody").Single().Elements("tr").ToList();
        Assert.That(steps, Has.Count.EqualTo(int.Parse(Result(cell)["instructions"])));
        Assert.That(steps[0].CellTexts().Take(3), Is.EqualTo(new[] { "1", "0", "r0 = *(u32 *)(r1 + 0x4f0)" }), "relocated to 6.18's 1264");
        Assert.That(steps[0].CellTexts()[3], Is.EqualTo("r0=0x2a"));
        Assert.That(Result(cell)["r0"], Is.EqualTo("42"));
        // Without --trace, no trace table.
        var plain = await _nb.Ok($"#!bpf-run core --kernel {Local618} --ctx \"task_struct pid=42\"");
        Assert.That(plain.Fragment("run").Descendants("table").Any(t => t.HasClass("trace")), Is.False);
    }

    [TestCase("raw", "packet", TestName = "past the packet (raw)")]
    [TestCase("xdp", "xdp_md", TestName = "past the context (xdp)")]
    public async Task A_fault_shows_the_box_and_fails_naming_the_instruction(string ctx, string region)
    {
        var cell = await _nb.Run($"#!bpf-run oob --ctx {ctx}");
        Assert.That(cell.Error, Does.StartWith("the program faulted: instruction 0 (r0 = *(u8 *)(r1 + 0x64)): read of 1 byte(s)"));
        Assert.That(cell.Error, Does.Contain(region));
        var box = FaultBox(cell);
        Assert.That(box.Title(), Is.EqualTo("memory fault"));
        var rows = FaultRows(box);
        Assert.That(rows["instruction"], Is.EqualTo("slot 0: r0 = *(u8 *)(r1 + 0x64)"));
        Assert.That(rows["size"], Is.EqualTo("1 byte"));
        Assert.That(rows, Does.ContainKey("address"));
        Assert.That(cell.Fragment("run").Descendants("table").Any(t => t.HasClass("result")), Is.False, "no r0 after a fault");
    }

    [Test]
    public async Task A_fault_with_trace_shows_the_box_and_the_steps_before_it()
    {
        var cell = await _nb.Run("#!bpf-run oob --ctx raw --trace");
        Assert.That(cell.Error, Does.Contain("instruction 0"));
        Assert.That(FaultBox(cell), Is.Not.Null);
        Assert.That(cell.Fragment("run").Descendants("table").Count(t => t.HasClass("trace")), Is.EqualTo(1));
    }

    [Test]
    public async Task Data_gives_the_packet()
    {
        string data = _nb.Temp([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], ".bin");
        var cell = await _nb.Ok($"#!bpf-run pkt --ctx raw --data {data}");
        Assert.That(Result(cell)["r0"], Is.EqualTo(((3UL << 32) | 10).ToString()), "byte 3 and the length in r2");
        Assert.That(cell.Fragment("caption").Descendants("span").First().Value, Is.EqualTo("raw: r1 = packet, r2 = 10"));
        string missing = Path.Combine(Path.GetTempPath(), $"btfnb-no-such-{Guid.NewGuid():N}.bin");
        Assert.That(await _nb.Fails($"#!bpf-run pkt --ctx raw --data {missing}"), Does.Contain(missing));
    }

    /// <summary>__sk_buff.len of the default 64-byte packet: a socket filter sees it from the network header on, as in the kernel.</summary>
    [TestCase("tc", "64")]
    [TestCase("socket", "50")]
    public async Task Packet_contexts_see_the_packet_length(string ctx, string len)
    {
        var cell = await _nb.Ok($"#!bpf-run len --ctx {ctx}");
        Assert.That(Result(cell)["r0"], Is.EqualTo(len));
    }

    [Test]
    public async Task Budget_stops_an_endless_loop()
    {
        var cell = await _nb.Run("#!bpf-run loop --budget 1000");
        Assert.That(cell.Error, Does.Contain("instruction budget of 1,000 exhausted").And.Contain("goto"));
        Assert.That(FaultBox(cell).Title(), Is.EqualTo("instruction budget exhausted"));
        Assert.That(await _nb.Fails("#!bpf-run loop"), Does.Contain("instruction budget of 1,000,000 exhausted"), "the default budget");
    }

    [TestCase("abc")]
    [TestCase("0")]
    [TestCase("-5")]
    [TestCase("1.5")]
    [TestCase("99999999999999999999")]
    public async Task A_bad_budget_fails(string budget)
    {
        Assert.That(await _nb.Fails($"#!bpf-run loop --budget {budget}"), Does.Contain($"--budget must be a positive number, not '{budget}'"));
    }

    [TestCase("task_struct pid=42 nosuch=1", "struct task_struct has no member 'nosuch'", TestName = "unknown field")]
    [TestCase("no_such_struct pid=1", "no_such_struct", TestName = "unknown type")]
    [TestCase("task_struct pid", "expected FIELD=VALUE", TestName = "no value")]
    [TestCase("task_struct mm=bash", "pointer", TestName = "pointer field given a string")]
    public async Task A_bad_kernel_object_fails_with_its_message(string ctx, string expected)
    {
        var error = await _nb.Fails($"#!bpf-run core --kernel {Local618} --ctx \"{ctx}\"");
        Assert.That(error, Does.Contain(expected));
        Assert.That(error, Does.Not.Contain("Exception"));
    }

    [Test]
    public async Task A_kernel_object_needs_a_kernel()
    {
        var error = await _nb.Fails("#!bpf-run constant --ctx \"task_struct pid=42\"");
        Assert.That(error, Does.Contain("3 kernels are loaded; choose one with --kernel"));
    }

    [Test]
    public async Task Reaching_a_poisoned_relocation_fails_saying_so()
    {
        var ok = await _nb.Ok($"#!bpf-run blocked --kernel {Local618} --ctx \"task_struct pid=1\"");
        Assert.That(Result(ok)["r0"], Is.EqualTo("0"));

        var cell = await _nb.Run($"#!bpf-run blocked --kernel {Debian61} --ctx \"task_struct pid=1\"");
        Assert.That(cell.Error, Does.Contain("instruction 0").And.Contain("poisoned CO-RE relocation"));
        Assert.That(cell.Error, Does.Not.Contain("unknown helper"));
        Assert.That(FaultBox(cell).Shown(), Does.Contain("poisoned"));
    }

    /// <summary>The box's title says what stopped the program in words, as for the other kinds ("memory fault").</summary>
    [Test]
    public async Task The_fault_box_of_a_poisoned_relocation_is_titled_in_words()
    {
        var cell = await _nb.Run($"#!bpf-run blocked --kernel {Debian61} --ctx \"task_struct pid=1\"");
        Assert.That(FaultBox(cell).Title(), Does.Contain("poisoned").And.Not.Contain("PoisonedRelocation"));
    }

    [TestCase("#!bpf-run nope", "no program named 'nope'; loaded: ", TestName = "unknown program")]
    [TestCase("#!bpf-run", "missing the program: #!bpf-run PROGRAM", TestName = "no program")]
    [TestCase("#!bpf-run core --kernel nope", "no kernel named 'nope'", TestName = "unknown kernel")]
    [TestCase("#!bpf-run core --entry nope", "has no program 'nope'; its programs: core (xdp)", TestName = "unknown entry")]
    public async Task Bad_inputs_fail_saying_what_is_wrong(string cell, string expected)
    {
        var error = await _nb.Fails(cell);
        Assert.That(error, Does.Contain(expected));
        Assert.That(error, Does.Not.Contain("Exception"));
    }

    [Test]
    public async Task The_kernel_works_on_after_a_failed_run()
    {
        await _nb.Fails("#!bpf-run oob --ctx raw");
        var cell = await _nb.Ok("#!bpf-run core --ctx \"task_struct pid=5\"");
        Assert.That(Result(cell)["r0"], Is.EqualTo("5"));
    }

    [Test]
    public async Task With_no_program_it_says_how_to_make_one()
    {
        using var nb = new NotebookHarness();
        Assert.That(await nb.Fails("#!bpf-run p"), Does.Contain("none is loaded yet"));
    }
}
