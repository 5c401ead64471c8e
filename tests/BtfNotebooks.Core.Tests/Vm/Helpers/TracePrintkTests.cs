using System.Text;
using BtfNotebooks.Elf;
using BtfNotebooks.Tests.Elf;
using BtfNotebooks.Vm;
using BtfNotebooks.Vm.Helpers;
using BtfNotebooks.Vm.Maps;
using NUnit.Framework;
using BtfNotebooks.Tests.Vm.Maps;
using static BtfNotebooks.Tests.Vm.Maps.MapTestSupport;

namespace BtfNotebooks.Tests.Vm.Helpers;

/// <summary>
/// bpf_trace_printk. The expected texts and return values are what Linux 6.18 (x86-64) printed to the trace buffer
/// and returned for the same formats and arguments, run with BPF_PROG_TEST_RUN.
/// </summary>
[TestFixture(VmEngine.Interpreter)]
[TestFixture(VmEngine.Jit)]
public class TracePrintkTests(VmEngine engine) : BothEngines(engine)
{
    // Arguments: numbers, or "s:" + a string / "b:" + hex bytes, which the test maps into VM memory and passes by address.
    public static IEnumerable<TestCaseData> Formats()
    {
        TestCaseData Row(string format, string[] args, string text, long ret) => new TestCaseData(format, args, text, ret).SetName($"\"{format}\"");
        yield return Row("A|%d|%u|%ld", ["-5", "0xfffffffffffffffb", "-5"], "A|-5|4294967291|-5", 18);
        yield return Row("B|%lu|%x|%X", ["0xffffffffffffffff", "0xdeadbeef", "0xdeadbeef"], "B|18446744073709551615|deadbeef|DEADBEEF", 40);
        yield return Row("C|%lx|%x", ["0x100000000", "0x100000001"], "C|100000000|1", 13);
        yield return Row("D|%5d|%-5d|%05d", ["42", "42", "42"], "D|   42|42   |00042", 19);
        yield return Row("E|%+d|% d|%i", ["5", "5", "-1"], "E|+5| 5|-1", 10);
        yield return Row("F|%c%c|%s", ["104", "105", "s:abc"], "F|hi|abc", 8);
        yield return Row("G|%10s|%-5s|", ["s:abc", "s:abc"], "G|       abc|abc  |", 19);
        yield return Row("H|%s|%p", ["0", "0"], "H||0000000000000000", 19);
        yield return Row("I|%pI4|%pi4", ["b:c0a80001", "b:c0a80001"], "I|192.168.0.1|192.168.000.001", 29);
        yield return Row("J|%pI6|%pi6", ["b:20010db8000000000000000000000001", "b:20010db8000000000000000000000001"],
            "J|2001:0db8:0000:0000:0000:0000:0000:0001|20010db8000000000000000000000001", 74);
        yield return Row("K|100%%|%px", ["0x1234"], "K|100%|0000000000001234", 23);
        yield return Row("R|%ps|%pS", ["0xabc", "0xabc"], "R|0xabc|0xabc", 13);
        yield return Row("S|%5c|%-3c|", ["120", "121"], "S|    x|y  |", 12);
        yield return Row("T|%-05d|%+5d|% 05d", ["7", "7", "7"], "T|7    |   +7| 0007", 19);
        yield return Row("V|%lld|%llx|%li", ["0x8000000000000000", "0xabcdef0123456789", "-2"], "V|-9223372036854775808|abcdef0123456789|-2", 42);
        yield return Row("W|%010x|%3x|%-4X|", ["0xab", "0xabcdef", "0xa"], "W|00000000ab|abcdef|A   |", 25);
        yield return Row("X|%s", ["1"], "X|", 2);
        yield return Row("tab\tok", [], "tab\tok", 6);
        // The kernel's %pus of a kernel address prints nothing; the VM has one address space and prints the string.
        yield return Row("U|%pks", ["s:abc"], "U|abc", 5);
    }

    [TestCaseSource(nameof(Formats))]
    public void Formats_as_the_kernel_prints(string format, string[] args, string text, long ret)
    {
        var memory = new AddressSpace();
        long result = BpfPrintf.Format(Encoding.ASCII.GetBytes(format + "\0"), [.. args.Select(a => Argument(memory, a))], memory, out var printed);
        Assert.That(printed, Is.EqualTo(text));
        Assert.That(result, Is.EqualTo(ret));
    }

    [TestCase("L|%.2d", TestName = "no precision")]
    [TestCase("M|%hd", TestName = "no h modifier")]
    [TestCase("N|%d%d%d%d", TestName = "at most three conversions")]
    [TestCase("O|%sx", TestName = "%s followed by a letter")]
    [TestCase("P|%pa", TestName = "an unsupported %p kind")]
    [TestCase("Q|%lc", TestName = "no l with c")]
    [TestCase("%d%", TestName = "a lone % at the end")]
    [TestCase("%q", TestName = "an unknown conversion")]
    [TestCase("bell\a", TestName = "a non-printable byte")]
    public void Refuses_what_bpf_bprintf_prepare_refuses(string format)
    {
        var memory = new AddressSpace();
        Assert.That(BpfPrintf.Format(Encoding.ASCII.GetBytes(format + "\0"), [1, 2, 3], memory, out var text), Is.EqualTo(-BpfErrno.EINVAL));
        Assert.That(text, Is.Null);
    }

    [Test]
    public void A_format_without_NUL_inside_its_size_is_EINVAL() =>
        Assert.That(BpfPrintf.Format("nonul"u8, [], new AddressSpace(), out _), Is.EqualTo(-BpfErrno.EINVAL));

    [Test]
    public void Strings_share_512_bytes_of_argument_space_and_text_is_cut_at_1023_bytes()
    {
        var memory = new AddressSpace();
        string letters = string.Concat(Enumerable.Range(0, 600).Select(i => (char)('a' + i % 26)));
        ulong s = memory.Map("s", Encoding.ASCII.GetBytes(letters + "\0")).Address;
        Assert.That(BpfPrintf.Format("Y|%s\0"u8, [s], memory, out var text), Is.EqualTo(513));
        Assert.That(text, Is.EqualTo("Y|" + letters[..511]));
        Assert.That(BpfPrintf.Format("Z|%s%s\0"u8, [s, s], memory, out _), Is.EqualTo(-BpfErrno.ENOSPC));
        Assert.That(BpfPrintf.Format("%1000d%100d\0"u8, [1, 2], memory, out text), Is.EqualTo(1100));
        Assert.That(text, Has.Length.EqualTo(1023));
    }

    [Test]
    public void A_program_prints_a_format_from_its_stack_and_the_environment_captures_it()
    {
        // "n=%d s=%s\n" built on the stack, the string from a mapped buffer.
        var sandbox = NewSandbox("""
            r6 = r1
            *(u32 *)(r10 - 16) = 0x64253d6e
            *(u32 *)(r10 - 12) = 0x253d7320
            *(u32 *)(r10 - 8) = 0xa73
            r1 = r10
            r1 += -16
            r2 = 12
            r3 = -7
            r4 = r6
            call 6
            exit
            """, []);
        ulong text = sandbox.MapBytes(Encoding.ASCII.GetBytes("hi\0"));
        Assert.That(sandbox.Run(text), Is.EqualTo(10));
        Assert.That(sandbox.Env.TraceLog, Is.EqualTo(new[] { "n=-7 s=hi\n" }));
        var heard = new List<string>();
        sandbox.Env.TracePrinted += heard.Add;
        sandbox.Run(text);
        Assert.That(heard, Is.EqualTo(new[] { "n=-7 s=hi\n" }));
        sandbox.Env.ClearTraceLog();
        Assert.That(sandbox.Env.TraceLog, Is.Empty);
    }

    [Test]
    public void Bpf_printk_from_clang_built_C()
    {
        using var o = ClangBpf.Compile("""
            #include <linux/bpf.h>
            #include <bpf/bpf_helpers.h>
            SEC("xdp")
            int hello(struct xdp_md *ctx)
            {
                char who[] = "world";
                long len = ctx->data_end - ctx->data;
                bpf_printk("hello %s, %ld bytes, %x", who, len, 0xbeef);
                return bpf_printk("again");
            }
            char _license[] SEC("license") = "GPL";
            """);
        var obj = BpfObjectFile.Load(o.Path);
        var vm = new BpfVm(obj.LinkProgramWithMaps("hello"), Options);
        BpfMapSet.Load(vm, obj);
        var env = BpfHelpers.Register(vm);
        Assert.That(vm.Run(ProgramContext.Setup(vm, ProgramContextKind.Xdp, new byte[42])).R0, Is.EqualTo(5));
        Assert.That(env.TraceLog, Is.EqualTo(new[] { "hello world, 42 bytes, beef", "again" }));
    }

    private static ulong Argument(AddressSpace memory, string arg)
    {
        if (arg.StartsWith("s:")) return memory.Map("string", Encoding.ASCII.GetBytes(arg[2..] + "\0")).Address;
        if (arg.StartsWith("b:")) return memory.Map("bytes", Convert.FromHexString(arg[2..])).Address;
        return arg.StartsWith("0x") ? Convert.ToUInt64(arg[2..], 16) : (ulong)long.Parse(arg);
    }
}
