using System.Diagnostics;
using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.CoRe.Assembly;
using BtfNotebooks.Elf;
using BtfNotebooks.Extension.Tests.Html;
using Microsoft.DotNet.Interactive.Events;
using NUnit.Framework;
using static BtfNotebooks.Extension.Tests.Notebook.NotebookHarness;

namespace BtfNotebooks.Extension.Tests.Notebook;

/// <summary>
/// <c>#!bpf-load-elf PATH [--name N]</c>: objects written without clang (<see cref="CoreAssembly.ToElf"/>,
/// <see cref="BpfObjectWriter"/>), and by clang-19 where it is installed; missing and malformed files.
/// </summary>
public class LoadElfTests
{
    private const string PidProgram = "r0 = *(u32 *)(r1 + %core(task_struct.pid))\nr2 = %core_size(task_struct)\nexit";

    private static Dictionary<string, string> Result(CellResult cell) =>
        cell.Fragment("run").Descendants("table").First(t => t.HasClass("result")).Descendants("tr")
            .ToDictionary(r => (string)r.Attribute("data-k")!, r => r.CellTexts()[1]);

    private static List<string> MatrixValues(CellResult cell, string relo) =>
        [.. cell.Fragment("matrix").Descendants("tr").Single(r => (string?)r.Attribute("data-relo") == relo)
            .Elements("td").Where(c => c.Attribute("data-target") is not null).Select(c => c.Value)];

    private static object? ReturnValue(CellResult cell) => cell.Events.OfType<ReturnValueProduced>().Single().Value;

    [Test]
    public async Task An_object_with_CoRe_records_loads_relocates_and_runs()
    {
        using var nb = await With(Debian61, Local618);
        var elf = CoreAssembler.Assemble(PidProgram, nb.Session.Kernels[Local618].Spec, "kprobe/getpid", "getpid").ToElf();
        string path = nb.Temp(elf, ".o");

        var cell = await nb.Ok($"#!bpf-load-elf {path} --name obj");
        var program = cell.Fragment("program");
        Assert.That(program.Title(), Is.EqualTo("obj"));
        Assert.That(program.Descendants("span").Select(s => s.Value), Is.SupersetOf(new[] { "1 program", "2 CO-RE records", "0 maps", "license GPL" }));
        var notes = cell.Fragments().First(f => f.HasClass("btfnb-listing")).Descendants("td").Where(td => td.HasClass("note")).Select(td => td.Value).ToList();
        Assert.That(notes, Is.EqualTo(new[] { "relo #0 byte_off task_struct.pid = 1264", "relo #1 type_size task_struct = 3264" }),
            "an object's records, with the values it was built with");

        Assert.That(ReturnValue(await nb.Ok("obj.Path")), Is.EqualTo(path), "a C# variable");
        Assert.That(ReturnValue(await nb.Ok("obj.Against")), Is.Null);

        var matrix = await nb.Ok("#!bpf-relocate obj");
        Assert.That(MatrixValues(matrix, "kprobe/getpid#0"), Is.EqualTo(new[] { "2416", "1264" }));
        Assert.That(MatrixValues(matrix, "kprobe/getpid#1"), Is.EqualTo(new[] { "9792", "3264" }));

        foreach (var kernel in new[] { Debian61, Local618 })
            Assert.That(Result(await nb.Ok($"#!bpf-run obj --kernel {kernel} --ctx \"task_struct pid=42\"")), Does.ContainKey("r0").WithValue("42"), kernel);
        Assert.That(await nb.Fails("#!bpf-run obj --ctx \"task_struct pid=42\""), Does.Contain("choose one with --kernel"), "an object was assembled against no kernel");
    }

    [Test]
    public async Task An_object_written_from_a_CSharp_cell_loads()
    {
        using var nb = await With(Local618);
        string path = Path.Combine(Path.GetTempPath(), $"btfnb-nb-{Guid.NewGuid():N}.o");
        try
        {
            await nb.Ok($$"""
                var spec = BtfNotebooks.Extension.NotebookSession.Of(Microsoft.DotNet.Interactive.KernelInvocationContext.Current.HandlingKernel.RootKernel).Kernels["{{Local618}}"].Spec;
                System.IO.File.WriteAllBytes(@"{{path}}", BtfNotebooks.CoRe.Assembly.CoreAssembler.Assemble("r0 = *(u32 *)(r1 + %core(task_struct.pid))\nexit", spec).ToElf());
                """);
            await nb.Ok($"#!bpf-load-elf {path} --name fromcs");
            Assert.That(Result(await nb.Ok("#!bpf-run fromcs --ctx \"task_struct pid=9\"")), Does.ContainKey("r0").WithValue("9"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task The_name_defaults_to_the_file_name_made_an_identifier()
    {
        using var nb = new NotebookHarness();
        var dir = Directory.CreateTempSubdirectory("btfnb-nb-");
        try
        {
            var elf = BpfObjectWriter.Write([("xdp", "f", Assembler.Assemble("r0 = 3\nexit").Instructions)]);
            foreach (var (file, name) in new[] { ("my-prog.o", "my_prog"), ("1st.prog.o", "_1st_prog"), ("int.o", "_int") })
            {
                File.WriteAllBytes(Path.Combine(dir.FullName, file), elf);
                await nb.Ok($"#!bpf-load-elf {Path.Combine(dir.FullName, file)}");
                Assert.That(nb.Session.Programs.Keys, Does.Contain(name), file);
                Assert.That(ReturnValue(await nb.Ok($"{name}.Name")), Is.EqualTo(name));
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public async Task Entry_chooses_among_several_programs()
    {
        using var nb = new NotebookHarness();
        var elf = BpfObjectWriter.Write([
            ("xdp", "first", Assembler.Assemble("r0 = 1\nexit").Instructions),
            ("tc", "second", Assembler.Assemble("r0 = 2\nexit").Instructions)]);
        await nb.Ok($"#!bpf-load-elf {nb.Temp(elf, ".o")} --name two");
        Assert.That(await nb.Fails("#!bpf-run two"), Does.Contain("two has 2 programs; name one of: first, second"));
        Assert.That(Result(await nb.Ok("#!bpf-run two --entry first")), Does.ContainKey("r0").WithValue("1"));
        Assert.That(Result(await nb.Ok("#!bpf-run two --entry second")), Does.ContainKey("r0").WithValue("2"));
        Assert.That(Result(await nb.Ok("#!bpf-run two --entry tc")), Does.ContainKey("r0").WithValue("2"), "by section name");
        Assert.That(await nb.Fails("#!bpf-run two --entry third"), Does.Contain("its programs: first (xdp), second (tc)"));
        Assert.That(await nb.Fails("#!bpf-relocate two"), Does.Contain("two has no CO-RE records"));
    }

    [Test]
    public async Task Loading_again_replaces_the_program()
    {
        using var nb = new NotebookHarness();
        string path = nb.Temp(BpfObjectWriter.Write([("xdp", "f", Assembler.Assemble("r0 = 1\nexit").Instructions)]), ".o");
        await nb.Ok($"#!bpf-load-elf {path} --name obj");
        File.WriteAllBytes(path, BpfObjectWriter.Write([("xdp", "f", Assembler.Assemble("r0 = 5\nexit").Instructions)]));
        await nb.Ok($"#!bpf-load-elf {path} --name obj");
        Assert.That(Result(await nb.Ok("#!bpf-run obj")), Does.ContainKey("r0").WithValue("5"));
        Assert.That(nb.Session.Programs, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_clang_object_loads_relocates_and_runs()
    {
        string clang = Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(d => Path.Combine(d, "clang-19")).FirstOrDefault(File.Exists)
            ?? throw new IgnoreException("clang-19 is not installed (CI installs it)");
        using var nb = await With(Debian61, Local618);
        string c = nb.Temp("""
            struct task_struct { int pid; } __attribute__((preserve_access_index));
            __attribute__((section("kprobe/getpid"), used)) int getpid(struct task_struct *t) { return t->pid; }
            char _license[] __attribute__((section("license"), used)) = "GPL";
            """u8.ToArray(), ".c");
        string o = nb.Temp([], ".o");
        var psi = new ProcessStartInfo(clang, ["-O2", "-g", "-target", "bpf", "-c", c, "-o", o]) { RedirectStandardError = true };
        using (var process = Process.Start(psi)!)
        {
            string stderr = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.That(process.ExitCode, Is.Zero, stderr);
        }

        var cell = await nb.Ok($"#!bpf-load-elf {o} --name getpid");
        Assert.That(cell.Fragment("program").Descendants("span").Select(s => s.Value), Is.SupersetOf(new[] { "1 program", "1 CO-RE record", "license GPL" }));
        Assert.That(MatrixValues(await nb.Ok("#!bpf-relocate getpid"), "kprobe/getpid#0"), Is.EqualTo(new[] { "2416", "1264" }));
        foreach (var kernel in new[] { Debian61, Local618 })
            Assert.That(Result(await nb.Ok($"#!bpf-run getpid --kernel {kernel} --ctx \"task_struct pid=42\"")), Does.ContainKey("r0").WithValue("42"), kernel);
    }

    [Test]
    public async Task A_missing_file_fails_naming_it()
    {
        using var nb = new NotebookHarness();
        string path = Path.Combine(Path.GetTempPath(), $"btfnb-no-such-{Guid.NewGuid():N}.o");
        Assert.That(await nb.Fails($"#!bpf-load-elf {path}"), Does.Contain("not found").And.Contain(path));
        Assert.That(await nb.Fails("#!bpf-load-elf"), Does.Contain("missing the object file"));
        Assert.That(nb.Session.Programs, Is.Empty);
    }

    private static byte[] ValidObject() => BpfObjectWriter.Write([("xdp", "f", Assembler.Assemble("r0 = 1\nexit").Instructions)]);

    private static IEnumerable<TestCaseData> Malformed()
    {
        yield return new TestCaseData("garbage"u8.ToArray().Concat(new byte[60]).ToArray(), "offset 0x0 (0): not an ELF file").SetName("not ELF at all");
        yield return new TestCaseData(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1 }.Concat(new byte[57]).ToArray(), "offset 0x12 (18): ELF e_machine 0 is not EM_BPF")
            .SetName("ELF header of no machine");
        yield return new TestCaseData(ValidObject()[..100], "section header table at 0xb8 runs past end of file").SetName("truncated object");
        var x86 = ValidObject();
        x86[18] = 0x3e; // EM_X86_64, not EM_BPF
        yield return new TestCaseData(x86, "offset 0x12 (18): ELF e_machine 62 is not EM_BPF").SetName("an x86-64 object");
    }

    [TestCaseSource(nameof(Malformed))]
    public async Task A_malformed_object_fails_with_the_offset(byte[] bytes, string expected)
    {
        using var nb = new NotebookHarness();
        string path = nb.Temp(bytes, ".o");
        var error = await nb.Fails($"#!bpf-load-elf {path} --name bad");
        Assert.That(error, Does.StartWith(path + ", offset 0x"));
        Assert.That(error, Does.Contain(expected));
        Assert.That(nb.Session.Programs, Is.Empty, "nothing kept");
        await nb.Ok($"#!bpf-load-elf {nb.Temp(ValidObject(), ".o")} --name good");
    }

    [TestCase("9x")]
    [TestCase("a-b")]
    [TestCase("fixed")]
    public async Task An_invalid_name_fails(string name)
    {
        using var nb = new NotebookHarness();
        var error = await nb.Fails($"#!bpf-load-elf {nb.Temp(ValidObject(), ".o")} --name {name}");
        Assert.That(error, Does.Contain($"--name '{name}' must be a C# identifier"));
    }
}
