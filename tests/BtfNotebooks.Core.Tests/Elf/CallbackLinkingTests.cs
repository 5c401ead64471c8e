using BtfNotebooks.Asm;
using BtfNotebooks.Elf;
using BtfNotebooks.Kernels;
using BtfNotebooks.Kernels.Sandbox;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Elf;

/// <summary>
/// A clang object that passes a callback to bpf_loop: the lddw of the callback's address (R_BPF_64_64 against a
/// .text function, libbpf's RELO_SUBPROG_ADDR) becomes BPF_PSEUDO_FUNC pointing at the appended .text, for a static
/// and a global callback, and the program runs with the loop calling it.
/// </summary>
public class CallbackLinkingTests
{
    private const string Source = """
        #include <linux/bpf.h>
        #include <bpf/bpf_helpers.h>
        static long add_static(__u64 i, void *ctx) { *(__u64 *)ctx += i; return 0; }
        __attribute__((noinline)) long add_global(__u64 i, void *ctx) { *(__u64 *)ctx += 10 * i; return i == 2; }
        SEC("xdp") int loop_static(struct xdp_md *x) { __u64 sum = 0; bpf_loop(5, add_static, &sum, 0); return sum; }
        SEC("xdp") int loop_global(struct xdp_md *x) { __u64 sum = 0; long n = bpf_loop(5, add_global, &sum, 0); return sum + 100 * n; }
        char LICENSE[] SEC("license") = "GPL";
        """;

    [TestCase("loop_static", 0UL + 1 + 2 + 3 + 4, TestName = "static callback: 0+1+2+3+4")]
    [TestCase("loop_global", 10UL * (0 + 1 + 2) + 100 * 3, TestName = "global callback stops at i == 2 after 3 calls")]
    public void The_callback_address_is_linked_and_the_loop_calls_it(string program, ulong expected)
    {
        using var o = ClangBpf.Compile(Source, "bpf", "-O2", "-g", "-mcpu=v3");
        var obj = BpfObjectFile.Load(o.Path);
        var linked = obj.LinkProgram(program);
        var function = linked.Select((insn, i) => (insn, i)).Single(x => x.insn.IsWide && x.insn.LoadImm64Kind == LoadImm64Kind.Function);
        var slotOf = ProgramValidator.SlotIndex(linked, out _);
        int target = slotOf[function.i] + function.insn.Imm + 1;
        int entrySlots = obj.Program(program).SlotCount;
        Assert.That(target, Is.GreaterThanOrEqualTo(entrySlots), "the callback is in the appended .text");

        var kernel = KernelCatalog.Open(TestKernels.DataDir).Get(TestKernels.Local618);
        var run = BpfSandbox.Load(obj, kernel, program).Run(packet: new byte[64]);
        Assert.That(run.R0, Is.EqualTo(expected), run.Explain());
    }
}
