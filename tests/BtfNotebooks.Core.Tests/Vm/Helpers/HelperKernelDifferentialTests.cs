using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using BtfNotebooks.Asm;
using BtfNotebooks.Elf;
using BtfNotebooks.Tests.Elf;
using BtfNotebooks.Vm;
using BtfNotebooks.Vm.Helpers;
using BtfNotebooks.Vm.Maps;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Vm.Helpers;

/// <summary>
/// XDP programs whose result depends only on what helpers and maps answer (errors included), run once in the kernel
/// (bpftool prog loadall, which also fills prog arrays; BPF_PROG_TEST_RUN) and once in the VM with the emulated
/// helpers and a <see cref="BpfMapSet"/>: r0 must agree. The perf event array has no open event in either (no
/// consumer runs). Ignored where the kernel cannot be used.
/// </summary>
public partial class HelperKernelDifferentialTests
{
    private const string Prelude = """
        #include <linux/bpf.h>
        #include <bpf/bpf_helpers.h>
        #define ERR(x) ((__u32)(-(x)) & 0xff)

        """;

    public static IEnumerable<TestCaseData> Programs()
    {
        yield return new TestCaseData("map_flags", """
            struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 2); __type(key, __u32); __type(value, __u64); } h SEC(".maps");
            struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 2); __type(key, __u32); __type(value, __u64); } a SEC(".maps");
            SEC("xdp") int map_flags(struct xdp_md *ctx)
            {
                __u32 k1 = 1, k2 = 2, k3 = 3, k9 = 9; __u64 v = 7;
                __u32 r = 0;
                r = r * 3 + ERR(bpf_map_update_elem(&h, &k1, &v, BPF_NOEXIST));
                r = r * 3 + (ERR(bpf_map_update_elem(&h, &k1, &v, BPF_NOEXIST)) == 17);
                r = r * 3 + (ERR(bpf_map_update_elem(&h, &k2, &v, BPF_EXIST)) == 2);
                r = r * 3 + ERR(bpf_map_update_elem(&h, &k2, &v, BPF_ANY));
                r = r * 3 + (ERR(bpf_map_update_elem(&h, &k3, &v, BPF_ANY)) == 7);
                r = r * 3 + (ERR(bpf_map_delete_elem(&h, &k3)) == 2);
                r = r * 3 + (ERR(bpf_map_update_elem(&a, &k9, &v, BPF_ANY)) == 7);
                r = r * 3 + (ERR(bpf_map_update_elem(&a, &k1, &v, BPF_NOEXIST)) == 17);
                r = r * 3 + (ERR(bpf_map_delete_elem(&a, &k1)) == 22);
                r = r * 3 + (ERR(bpf_map_update_elem(&h, &k1, &v, 3)) == 22);
                __u64 *p = bpf_map_lookup_elem(&a, &k9);
                r = r * 3 + (p == 0);
                return r;
            }
            """).SetName("kernel agrees: map helper flags and errors");
        yield return new TestCaseData("entry", """
            int classifier_0(struct xdp_md *ctx);
            struct { __uint(type, BPF_MAP_TYPE_PROG_ARRAY); __uint(max_entries, 4); __type(key, __u32); __array(values, int (void *)); }
                jmp SEC(".maps") = { .values = { [0] = (void *)&classifier_0 } };
            __u32 count;
            __u32 empty = 3;
            SEC("xdp") int classifier_0(struct xdp_md *ctx)
            {
                count++;
                bpf_tail_call(ctx, &jmp, 0);
                return count;
            }
            SEC("xdp") int entry(struct xdp_md *ctx)
            {
                bpf_tail_call(ctx, &jmp, empty);
                bpf_tail_call(ctx, &jmp, empty);
                bpf_tail_call(ctx, &jmp, 9);
                bpf_tail_call(ctx, &jmp, 0);
                return 1000;
            }
            """).SetName("kernel agrees: tail calls miss (empty slots do not count), then chain 33 times");
        yield return new TestCaseData("loops", """
            static long add(__u32 i, void *ctx) { *(__u64 *)ctx += i; return i == 6; }
            static long none(__u32 i, void *ctx) { return 0; }
            SEC("xdp") int loops(struct xdp_md *ctx)
            {
                __u64 total = 0;
                long stopped = bpf_loop(20, add, &total, 0);
                long bad_flags = bpf_loop(1, none, 0, 1);
                long too_many = bpf_loop(8 * 1024 * 1024 + 1, none, 0, 0);
                return total * 1000 + stopped * 10 + (bad_flags == -22) + 2 * (too_many == -7);
            }
            """).SetName("kernel agrees: bpf_loop results and errors");
        yield return new TestCaseData("outputs", """
            struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 4096); } ring SEC(".maps");
            struct { __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY); __uint(key_size, 4); __uint(value_size, 4); } perf SEC(".maps");
            SEC("xdp") int outputs(struct xdp_md *ctx)
            {
                char data[200] = {};
                __u32 r = 0;
                for (int i = 0; i < 4; i++)
                    r = r * 16 + ERR(bpf_ringbuf_output(&ring, data, sizeof(data), 0)) % 16;
                r = r * 16 + ERR(bpf_ringbuf_output(&ring, data, 8, 4)) % 16;
                r = r * 16 + (bpf_ringbuf_query(&ring, BPF_RB_AVAIL_DATA) == 4 * 208);
                r = r * 16 + ERR(bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU, data, 8)) % 16;
                r = r * 16 + (ERR(bpf_perf_event_output(ctx, &perf, 1000, data, 8)) == 7);
                r = r * 16 + (ERR(bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU | (100ULL << 32), data, 8)) == 14);
                return r;
            }
            """).SetName("kernel agrees: ring buffer and perf event output results");
        yield return new TestCaseData("printk", """
            SEC("xdp") int printk(struct xdp_md *ctx)
            {
                char s[] = "abc";
                long a = bpf_printk("%d|%5s|%lx", -5, s, 0xabcULL);
                long b = bpf_printk("%.2d", 1);
                long c = bpf_printk("%d %d %d", 1, 2, 3);
                return a * 1000 + (b == -22) * 100 + c;
            }
            """).SetName("kernel agrees: bpf_trace_printk return values");
    }

    [TestCaseSource(nameof(Programs))]
    public void R0_agrees_with_the_kernel(string program, string source)
    {
        if (KernelDifferentialKernel.Unavailable is { } why) Assert.Ignore(why);
        using var o = ClangBpf.Compile(Prelude + source + "\nchar _license[] SEC(\"license\") = \"GPL\";\n");
        var packet = new byte[64];
        uint kernel = RunInKernel(o.Path, program, packet);
        uint vm = RunInVm(BpfObjectFile.Load(o.Path), program, packet);
        Assert.That(vm, Is.EqualTo(kernel), $"r0: kernel {kernel}, VM {vm}");
    }

    private static uint RunInVm(BpfObjectFile obj, string program, byte[] packet)
    {
        var vm = new BpfVm(LinkCallbacks(obj, program)) { Name = program };
        var maps = BpfMapSet.Load(vm, obj);
        foreach (var events in maps.OfType<PerfEventArrayMap>()) events.SetOpen(0, false);
        BpfHelpers.Register(vm);
        return (uint)vm.Run(ProgramContext.Setup(vm, ProgramContextKind.Xdp, packet)).R0;
    }

    private static uint RunInKernel(string objectPath, string program, byte[] packet)
    {
        string bpftool = ExternalTool.Require("bpftool");
        // Maps are pinned too: the kernel empties a prog array when user space lets go of it.
        string dir = $"/sys/fs/bpf/btfnb_helpers_{program}_{Environment.ProcessId}", mapDir = dir + "_maps";
        foreach (var d in new[] { dir, mapDir }) if (Directory.Exists(d)) Directory.Delete(d, recursive: true);
        var (exit, stdout, stderr) = ExternalTool.Run(bpftool, "prog", "loadall", objectPath, dir, "type", "xdp", "pinmaps", mapDir);
        try
        {
            if (exit != 0) Assert.Fail($"bpftool prog loadall failed ({exit}):\n{Encoding.UTF8.GetString(stdout)}{stderr}");
            using var input = ExternalTool.Temp(packet, ".pkt");
            (exit, stdout, stderr) = ExternalTool.Run(bpftool, "prog", "run", "pinned", $"{dir}/{program}", "data_in", input.Path, "repeat", "1");
            var match = ReturnValue().Match(Encoding.UTF8.GetString(stdout));
            if (exit != 0 || !match.Success) Assert.Fail($"bpftool prog run failed ({exit}): {Encoding.UTF8.GetString(stdout)}{stderr}");
            return uint.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        finally
        {
            foreach (var d in new[] { dir, mapDir }) if (Directory.Exists(d)) Directory.Delete(d, recursive: true);
        }
    }

    // The object's own linking: callbacks' lddw become BPF_PSEUDO_FUNC with .text appended (RELO_SUBPROG_ADDR).
    private static Instruction[] LinkCallbacks(BpfObjectFile obj, string name) => obj.LinkProgramWithMaps(name);

    [GeneratedRegex(@"^Return value: (\d+)", RegexOptions.Multiline)]
    private static partial Regex ReturnValue();
}
