using BtfNotebooks.Tests.Elf;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Cli;

/// <summary>btfnb asm, disasm, run and conformance, as scripts use them.</summary>
public class BtfnbProgramCommandTests
{
    private const string Sum = """
        # sum r1 + r2 via a local call
        mov %r0, 0
        call local add
        exit
        add:
        mov %r0, %r1
        add %r0, %r2
        exit
        """;

    private static string DataFile(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "bpf", "cli", name);

    private static ExternalTool.TempFile CompileCountBytes(string target = "bpf") =>
        ClangBpf.Compile(File.ReadAllText(DataFile("count-bytes.c")), target, "-O2", "-mcpu=v4");

    [Test]
    public void Asm_prints_slots_and_writes_binaries_that_disasm_and_asm_round_trip()
    {
        using var src = ExternalTool.Temp(System.Text.Encoding.UTF8.GetBytes(Sum), ".s");
        var hex = Btfnb.Run("asm", src.Path);
        Assert.That(hex.Exit, Is.Zero, hex.Stderr);
        Assert.That(hex.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0], Is.EqualTo("b7 00 00 00 00 00 00 00"));
        Assert.That(hex.Stdout, Does.Contain("85 10 00 00 01 00 00 00")); // call local +1

        string bin = src.Path + ".bin";
        Assert.That(Btfnb.Run("asm", src.Path, "-o", bin).Exit, Is.Zero);
        foreach (var (syntax, labels) in new[] { ("llvm", true), ("conformance", true), ("llvm", false), ("conformance", false) })
        {
            var text = labels ? Btfnb.Run("disasm", bin, "--syntax", syntax) : Btfnb.Run("disasm", bin, "--syntax", syntax, "--no-labels");
            Assert.That(text.Exit, Is.Zero, text.Stderr);
            // the local call targets a label line, or stays relative without labels
            Assert.That(text.Stdout.Split('\n').Any(l => l.TrimEnd().EndsWith(':')), Is.EqualTo(labels), text.Stdout);
            using var again = ExternalTool.Temp(System.Text.Encoding.UTF8.GetBytes(text.Stdout), ".s");
            string bin2 = again.Path + ".bin";
            Assert.That(Btfnb.Run("asm", again.Path, "-o", bin2, "--syntax", syntax).Exit, Is.Zero);
            Assert.That(File.ReadAllBytes(bin2), Is.EqualTo(File.ReadAllBytes(bin)), $"{syntax}, labels {labels}");
        }
    }

    [Test]
    public void Asm_reports_every_error_with_line_and_column()
    {
        using var src = ExternalTool.Temp("mov %r0, 1\nmov %r11, 2\nfoo %r0\njeq %r0, 1, nowhere\nexit\n"u8.ToArray(), ".s");
        var r = Btfnb.Run("asm", src.Path, "--syntax", "conformance");
        Assert.That(r.Exit, Is.EqualTo(1));
        Assert.That(r.Stderr, Does.StartWith("btfnb: error:"));
        Assert.That(r.Stderr, Does.Contain("line 2").And.Contain("line 3").And.Contain("line 4"));
        Assert.That(r.Stderr, Does.Contain("Invalid register").And.Contain("Invalid mnemonic").And.Contain("Invalid label"));
    }

    [Test]
    public void Run_of_assembly_prints_r0_and_instruction_count()
    {
        using var src = ExternalTool.Temp("r0 = r2\nr0 += 5\nexit\n"u8.ToArray(), ".s");
        using var data = ExternalTool.Temp(new byte[10], ".bin");
        var r = Btfnb.Run("run", src.Path, "--data", data.Path);
        Assert.That(r.Exit, Is.Zero, r.Stderr);
        Assert.That(r.Stdout, Does.Contain("r0 = 15 (0xf)").And.Contain("instructions executed: 3"));
    }

    [Test]
    public void Run_of_an_elf_program_builds_its_context_from_the_section()
    {
        using var compiled = CompileCountBytes();
        string obj = compiled.Path;
        var packet = new byte[100];
        for (int i = 0; i < packet.Length; i += 3) packet[i] = 7; // 34 sevens, packet[0] = 7
        using var data = ExternalTool.Temp(packet, ".bin");
        var xdp = Btfnb.Run("run", obj, "--section", "xdp", "--data", data.Path, "--repeat", "5", "--format", "tsv");
        Assert.That(xdp.Exit, Is.Zero, xdp.Stderr);
        var lines = xdp.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Is.EqualTo("engine\tr0\truns\tns_per_run\tinsns_per_run"));
        var row = lines[1].Split('\t');
        Assert.That(row[0], Is.EqualTo("interpreter"));
        Assert.That(row[1], Is.EqualTo("34"));
        Assert.That(row[2], Is.EqualTo("5"));
        Assert.That(double.Parse(row[3], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0));
        Assert.That(long.Parse(row[4]), Is.GreaterThan(100));

        var skb = Btfnb.Run("run", obj, "--section", "socket", "--data", data.Path);
        Assert.That(skb.Stdout, Does.Contain("r0 = 86 ")); // socket filters see the packet after the Ethernet header

        var ambiguous = Btfnb.Run("run", obj);
        Assert.That(ambiguous.Exit, Is.EqualTo(1));
        Assert.That(ambiguous.Stderr, Does.Contain("--section").And.Contain("xdp (count_first)").And.Contain("socket (skb_len)"));
    }

    [Test]
    public void Disasm_of_an_elf_object_lists_each_function_and_reassembles_to_the_section_bytes()
    {
        using var compiled = CompileCountBytes();
        string obj = compiled.Path;
        var text = Btfnb.Run("disasm", obj, "--section", "xdp");
        Assert.That(text.Exit, Is.Zero, text.Stderr);
        Assert.That(text.Stdout, Does.Contain("; section xdp, function count_first"));
        using var again = ExternalTool.Temp(System.Text.Encoding.UTF8.GetBytes(text.Stdout), ".s");
        string bin = again.Path + ".bin";
        Assert.That(Btfnb.Run("asm", again.Path, "-o", bin).Exit, Is.Zero);
        var objcopy = ExternalTool.Require("llvm-objcopy-19");
        string section = obj + ".xdp";
        ExternalTool.Run(objcopy, "-O", "binary", "-j", "xdp", obj, section);
        Assert.That(File.ReadAllBytes(bin), Is.EqualTo(File.ReadAllBytes(section)));
        File.Delete(section);
    }

    [Test]
    public void Big_endian_objects_disassemble_but_do_not_run()
    {
        using var compiled = CompileCountBytes("bpfeb");
        string obj = compiled.Path;
        Assert.That(Btfnb.Run("disasm", obj, "--section", "xdp").Stdout, Does.Contain("function count_first"));
        var run = Btfnb.Run("run", obj, "--section", "xdp");
        Assert.That(run.Exit, Is.EqualTo(1));
        Assert.That(run.Stderr, Does.Contain("big-endian program"));
    }

    [Test]
    public void Run_reports_faults_with_instruction_and_region()
    {
        using var src = ExternalTool.Temp("r0 = *(u64 *)(r1 + 60)\nexit\n"u8.ToArray(), ".s");
        var r = Btfnb.Run("run", src.Path);
        Assert.That(r.Exit, Is.EqualTo(1));
        Assert.That(r.Stderr, Does.Contain("instruction 0").And.Contain("packet").And.Contain("8 byte"));
        using var loop = ExternalTool.Temp("r0 = 0\ngoto -1\n"u8.ToArray(), ".s");
        var l = Btfnb.Run("run", loop.Path, "--budget", "1000");
        Assert.That(l.Stderr, Does.Contain("budget of 1,000"));
    }

    [Test]
    public void Conformance_prints_failures_and_the_closing_line()
    {
        string own = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "conformance");
        var ok = Btfnb.Run("conformance", own);
        Assert.That(ok.Exit, Is.Zero, ok.Stdout + ok.Stderr);
        Assert.That(ok.Stdout.TrimEnd(), Does.EndWith("3 passed, 0 failed"));
        var bad = Btfnb.Run("conformance", Path.Combine(own, "negative"), "--budget", "5000");
        Assert.That(bad.Exit, Is.EqualTo(1));
        // Files with an -- error section pass when they fail with that error; the disagreeing one fails.
        Assert.That(bad.Stdout, Does.Contain("FAIL raw-asm-disagree.data: the -- asm section assembles to"));
        Assert.That(bad.Stdout.TrimEnd(), Does.EndWith("2 passed, 1 failed"));
        var negative = Btfnb.Run("conformance", "--negative", Path.Combine(own, "negative"), "--budget", "5000");
        Assert.That(negative.Stdout.TrimEnd(), Does.EndWith("3 passed, 0 failed"));
    }

    [Test]
    public void Run_with_the_jit_names_the_engine_that_ran_and_gives_the_interpreters_answer()
    {
        using var compiled = CompileCountBytes();
        var packet = new byte[100];
        for (int i = 0; i < packet.Length; i += 3) packet[i] = 7;
        using var data = ExternalTool.Temp(packet, ".bin");
        string[] Row(string engine)
        {
            var r = Btfnb.Run("run", compiled.Path, "--section", "xdp", "--data", data.Path, "--repeat", "3", "--format", "tsv", "--engine", engine);
            Assert.That(r.Exit, Is.Zero, r.Stderr);
            return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Split('\t');
        }
        var jit = Row("jit");
        var interp = Row("interp");
        Assert.That(jit[0], Is.EqualTo("jit"));
        Assert.That(interp[0], Is.EqualTo("interpreter"));
        Assert.That(jit[1], Is.EqualTo(interp[1]).And.EqualTo("34"), "r0");
        Assert.That(jit[4], Is.EqualTo(interp[4]), "instructions per run");

        var text = Btfnb.Run("run", compiled.Path, "--section", "xdp", "--data", data.Path, "--engine", "jit");
        Assert.That(text.Stdout, Does.Contain("engine: jit"));
        var bad = Btfnb.Run("run", compiled.Path, "--section", "xdp", "--engine", "fast");
        Assert.That(bad.Exit, Is.EqualTo(1));
        Assert.That(bad.Stderr, Does.Contain("--engine is interp or jit, not 'fast'"));
    }

    [Test]
    public void Run_with_the_jit_reports_the_same_faults()
    {
        using var src = ExternalTool.Temp("r0 = *(u64 *)(r1 + 60)\nexit\n"u8.ToArray(), ".s");
        var interp = Btfnb.Run("run", src.Path);
        var jit = Btfnb.Run("run", src.Path, "--engine", "jit");
        Assert.That(jit.Exit, Is.EqualTo(1));
        Assert.That(jit.Stderr, Is.EqualTo(interp.Stderr).And.Contain("instruction 0"));
        using var loop = ExternalTool.Temp("r0 = 0\ngoto -1\n"u8.ToArray(), ".s");
        Assert.That(Btfnb.Run("run", loop.Path, "--budget", "1000", "--engine", "jit").Stderr,
            Is.EqualTo(Btfnb.Run("run", loop.Path, "--budget", "1000").Stderr).And.Contain("budget of 1,000"));
    }

    [Test]
    public void Conformance_with_the_jit_says_which_engine_ran_the_files()
    {
        string own = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "conformance");
        var jit = Btfnb.Run("conformance", own, "--engine", "jit");
        Assert.That(jit.Exit, Is.Zero, jit.Stdout + jit.Stderr);
        var lines = jit.Stdout.TrimEnd().Split('\n');
        Assert.That(lines[^1], Is.EqualTo("3 passed, 0 failed"));
        Assert.That(lines[^2], Is.EqualTo("engine: jit 3"));
        Assert.That(Btfnb.Run("conformance", own).Stdout, Does.Contain("engine: interpreter 3"));
    }

    [Test]
    public void Run_of_a_program_that_gets_no_packet_names_its_type()
    {
        using var o = ClangBpf.Compile("""
            #include <linux/bpf.h>
            #include <bpf/bpf_helpers.h>
            SEC("kprobe/do_sys_open") int probe(void *ctx) { return 0; }
            SEC("xdpx") int odd(void *ctx) { return 0; }
            char _license[] SEC("license") = "GPL";
            """);
        var kprobe = Btfnb.Run("run", o.Path, "--section", "kprobe/do_sys_open");
        Assert.That(kprobe.Exit, Is.EqualTo(1));
        Assert.That(kprobe.Stderr, Does.Contain("section 'kprobe/do_sys_open' is a BPF_PROG_TYPE_KPROBE program, which gets no packet"));
        var unknown = Btfnb.Run("run", o.Path, "--section", "xdpx");
        Assert.That(unknown.Stderr, Does.Contain("'xdpx' matches no libbpf section definition"));
    }
}

