using BtfNotebooks.Asm.Text;
using BtfNotebooks.Kernels;
using BtfNotebooks.Kernels.Contexts;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Kernels;

/// <summary>Section names read as libbpf's section_defs read them, and the context each one gets.</summary>
public class ProgramSectionTests
{
    // section, kind, BPF_PROG_TYPE_*, matching definition, target
    private static IEnumerable<TestCaseData> Sections()
    {
        TestCaseData C(string section, KernelContextKind kind, string type, string pattern, string? target) =>
            new TestCaseData(section, kind, type, pattern, target).SetName($"Maps(\"{section}\")");
        yield return C("kprobe/do_unlinkat", KernelContextKind.Kprobe, "KPROBE", "kprobe+", "do_unlinkat");
        yield return C("kprobe", KernelContextKind.Kprobe, "KPROBE", "kprobe+", null);
        yield return C("kprobe/do_sys_open+0x10", KernelContextKind.Kprobe, "KPROBE", "kprobe+", "do_sys_open+0x10");
        yield return C("kretprobe/do_unlinkat", KernelContextKind.Kretprobe, "KPROBE", "kretprobe+", "do_unlinkat");
        yield return C("kprobe.multi/do_*", KernelContextKind.Kprobe, "KPROBE", "kprobe.multi+", "do_*");
        yield return C("kretprobe.multi/vfs_*", KernelContextKind.Kretprobe, "KPROBE", "kretprobe.multi+", "vfs_*");
        yield return C("uprobe//bin/bash:readline", KernelContextKind.Unsupported, "KPROBE", "uprobe+", "/bin/bash:readline");
        yield return C("ksyscall/openat", KernelContextKind.Unsupported, "KPROBE", "ksyscall+", "openat");
        yield return C("usdt/libc:setjmp", KernelContextKind.Unsupported, "KPROBE", "usdt+", "libc:setjmp");
        yield return C("raw_tp/sched_switch", KernelContextKind.RawTracepoint, "RAW_TRACEPOINT", "raw_tp+", "sched_switch");
        yield return C("raw_tracepoint/sched_switch", KernelContextKind.RawTracepoint, "RAW_TRACEPOINT", "raw_tracepoint+", "sched_switch");
        yield return C("raw_tp.w/bpf_test_finish", KernelContextKind.RawTracepoint, "RAW_TRACEPOINT_WRITABLE", "raw_tp.w+", "bpf_test_finish");
        yield return C("tp_btf/sched_switch", KernelContextKind.TpBtf, "TRACING", "tp_btf+", "sched_switch");
        yield return C("fentry/do_unlinkat", KernelContextKind.Fentry, "TRACING", "fentry+", "do_unlinkat");
        yield return C("fentry.s/do_unlinkat", KernelContextKind.Fentry, "TRACING", "fentry.s+", "do_unlinkat");
        yield return C("fexit/do_unlinkat", KernelContextKind.Fexit, "TRACING", "fexit+", "do_unlinkat");
        yield return C("fmod_ret/security_file_open", KernelContextKind.FmodRet, "TRACING", "fmod_ret+", "security_file_open");
        yield return C("fentry.multi/vfs_*", KernelContextKind.Unsupported, "TRACING", "fentry.multi+", "vfs_*");
        yield return C("tracepoint/sched/sched_switch", KernelContextKind.Tracepoint, "TRACEPOINT", "tracepoint+", "sched/sched_switch");
        yield return C("tp/syscalls/sys_enter_openat", KernelContextKind.Tracepoint, "TRACEPOINT", "tp+", "syscalls/sys_enter_openat");
        yield return C("xdp", KernelContextKind.Xdp, "XDP", "xdp", null);
        yield return C("xdp.frags", KernelContextKind.Xdp, "XDP", "xdp.frags", null);
        yield return C("xdp/devmap", KernelContextKind.Xdp, "XDP", "xdp/devmap", null);
        yield return C("socket", KernelContextKind.SocketFilter, "SOCKET_FILTER", "socket", null);
        yield return C("tc", KernelContextKind.SchedClassifier, "SCHED_CLS", "tc", null);
        yield return C("classifier", KernelContextKind.SchedClassifier, "SCHED_CLS", "classifier", null);
        yield return C("action", KernelContextKind.SchedClassifier, "SCHED_ACT", "action", null);
        yield return C("tc/ingress", KernelContextKind.SchedClassifier, "SCHED_CLS", "tc/ingress", null);
        yield return C("tcx/egress", KernelContextKind.SchedClassifier, "SCHED_CLS", "tcx/egress", null);
        yield return C("lsm/file_open", KernelContextKind.Unsupported, "LSM", "lsm+", "file_open");
        yield return C("iter/task", KernelContextKind.Unsupported, "TRACING", "iter+", "task");
        yield return C("cgroup/skb", KernelContextKind.Unsupported, "CGROUP_SKB", "cgroup/skb", null);
        yield return C("perf_event", KernelContextKind.Unsupported, "PERF_EVENT", "perf_event", null);
    }

    [TestCaseSource(nameof(Sections))]
    public void Maps(string section, KernelContextKind kind, string type, string pattern, string? target)
    {
        var s = ProgramSection.Parse(section);
        Assert.That((s.Name, s.Kind, s.ProgramType, s.Pattern, s.Target), Is.EqualTo((section, kind, type, pattern, target)));
        Assert.That(s.HasContext, Is.EqualTo(kind is not (KernelContextKind.Unsupported or KernelContextKind.Tracepoint)));
    }

    [TestCase("kprobex/foo", "section 'kprobex/foo' matches no libbpf section definition (libbpf takes 'kprobe' alone or as 'kprobe/TARGET')")]
    [TestCase("kprobe.foo", "section 'kprobe.foo' matches no libbpf section definition (libbpf takes 'kprobe' alone or as 'kprobe/TARGET')")]
    [TestCase("xdp/foo", "section 'xdp/foo' matches no libbpf section definition (libbpf matches 'xdp' only as the whole name)")]
    [TestCase("socket/1", "section 'socket/1' matches no libbpf section definition (libbpf matches 'socket' only as the whole name)")]
    [TestCase("license", "section 'license' matches no libbpf section definition")]
    [TestCase("", "an empty section name matches no libbpf section definition")]
    public void RefusesWhatLibbpfRefuses(string section, string message)
    {
        var e = Assert.Throws<KernelContextException>(() => ProgramSection.Parse(section))!;
        Assert.That(e.Message, Does.StartWith(message));
        Assert.That(e.Message, Does.EndWith("sections with contexts here: " +
            "kprobe/, kretprobe/, kprobe.multi/, kretprobe.multi/, raw_tp/, raw_tracepoint/, tp_btf/, fentry/, fexit/, fmod_ret/, xdp, socket, tc, classifier, action, tcx/"));
    }

    [Test]
    public void KprobeSectionsGetPtRegs()
    {
        var spec = TestKernels.Spec(TestKernels.Debian61);
        int di = (int)spec.ResolveField(spec.FindComposite("pt_regs"), "di").ByteOffset;
        var vm = new BpfVm(Assembler.Assemble($"r0 = *(u64 *)(r1 + {di})\nexit").Instructions);
        var heap = new KernelHeap(spec, vm, KernelArch.Amd64);
        var context = KernelContexts.Setup(vm, heap, "kprobe/do_unlinkat", [-100, heap.New("filename")]);
        Assert.That(context.Kind, Is.EqualTo(KernelContextKind.Kprobe));
        Assert.That(context.Object!.TypeName, Is.EqualTo("pt_regs"));
        Assert.That(vm.Run(context.Address).R0, Is.EqualTo(unchecked((ulong)-100L)));

        var ret = KernelContexts.Setup(vm, heap, "kretprobe/do_unlinkat", returnValue: 7);
        Assert.That(ret.Object!.Get("ax"), Is.EqualTo(7));
        var raw = KernelContexts.Setup(vm, heap, "raw_tp/sys_enter", [1, 2]);
        Assert.That(raw.Object!.TypeName, Is.EqualTo("u64[2]"));
        var fexit = KernelContexts.Setup(vm, heap, "fexit/do_unlinkat", [1, 0], returnValue: -2);
        Assert.That(fexit.Object!.GetUnsigned("[2]"), Is.EqualTo(unchecked((ulong)-2L)));
        var fmodRet = KernelContexts.Setup(vm, heap, "fmod_ret/do_unlinkat", [1, 0]);
        Assert.That(fmodRet.Object!.ArrayLength, Is.EqualTo(3), "the return value so far defaults to 0");
    }

    [TestCase("xdp", 64)]
    [TestCase("xdp.frags", 100)]
    [TestCase("tc", 64)]
    [TestCase("classifier", 80)]
    [TestCase("socket", 64)]
    public void PacketSectionsUseTheVmsPacketContexts(string section, int length)
    {
        // xdp_md and __sk_buff both start with u32 fields; data and data_end are where ProgramContext puts them.
        var (data, end) = section.StartsWith("xdp", StringComparison.Ordinal) ? (0, 4) : (76, 80);
        var vm = new BpfVm(Assembler.Assemble($"r2 = *(u32 *)(r1 + {data})\nr3 = *(u32 *)(r1 + {end})\nr0 = r3\nr0 -= r2\nexit").Instructions);
        var context = KernelContexts.Setup(vm, heap: null, section, packet: length == 64 ? null : new byte[length]);
        Assert.That(context.Object, Is.Null);
        Assert.That(vm.Memory.Find(context.Address)!.Kind, Is.EqualTo(RegionKind.Context));
        int expected = section == "socket" ? length - 14 : length;
        Assert.That(vm.Run(context.Address).R0, Is.EqualTo((ulong)expected), "data_end - data");
    }

    private static IEnumerable<TestCaseData> SetupRefusals()
    {
        TestCaseData C(string name, Func<BpfVm, KernelHeap, KernelContext> act, string message) => new TestCaseData(act, message).SetName(name);
        yield return C("a classic tracepoint", (vm, h) => KernelContexts.Setup(vm, h, "tracepoint/sched/sched_switch"),
            "section 'tracepoint/sched/sched_switch' is a classic tracepoint: its context is the event's format record (/sys/kernel/tracing/events/sched/sched_switch/format), " +
            "which BTF does not describe. Allocate the matching trace_event_raw_* struct on the heap and pass its address, or attach with tp_btf/ or raw_tp/, whose contexts are built here");
        yield return C("a program type without a context", (vm, h) => KernelContexts.Setup(vm, h, "lsm/file_open"),
            "section 'lsm/file_open' is a BPF_PROG_TYPE_LSM program (lsm+); the VM builds no context for it. Sections with contexts here: " +
            "kprobe/, kretprobe/, kprobe.multi/, kretprobe.multi/, raw_tp/, raw_tracepoint/, tp_btf/, fentry/, fexit/, fmod_ret/, xdp, socket, tc, classifier, action, tcx/");
        yield return C("fentry without a function", (vm, h) => KernelContexts.Setup(vm, h, "fentry"),
            "section 'fentry' names no function: write fentry/FUNCTION; its BTF prototype types the context");
        yield return C("tp_btf without a tracepoint", (vm, h) => KernelContexts.Setup(vm, h, "tp_btf"),
            "section 'tp_btf' names no tracepoint: write tp_btf/TRACEPOINT; its BTF prototype types the context");
        yield return C("a return value for a kprobe", (vm, h) => KernelContexts.Setup(vm, h, "kprobe/do_unlinkat", [1], returnValue: 0),
            "section 'kprobe/do_unlinkat': a kprobe runs at function entry, before there is a return value (kretprobe/ sees one)");
        yield return C("arguments for a kretprobe", (vm, h) => KernelContexts.Setup(vm, h, "kretprobe/do_unlinkat", [1]),
            "section 'kretprobe/do_unlinkat': a kretprobe sees only the return value (PT_REGS_RC); by the time it runs the argument registers no longer hold the arguments");
        yield return C("a return value for fentry", (vm, h) => KernelContexts.Setup(vm, h, "fentry/do_unlinkat", [1, 0], returnValue: 0),
            "section 'fentry/do_unlinkat': fentry runs at function entry, before there is a return value (fexit/ sees one)");
        yield return C("a return value for a raw tracepoint", (vm, h) => KernelContexts.Setup(vm, h, "raw_tp/sys_enter", returnValue: 0),
            "section 'raw_tp/sys_enter': a tracepoint has arguments, no return value");
        yield return C("a return value for tp_btf", (vm, h) => KernelContexts.Setup(vm, h, "tp_btf/sched_switch", [false, 0, 0, 0], returnValue: 0),
            "section 'tp_btf/sched_switch': a tracepoint has arguments, no return value");
        yield return C("arguments for xdp", (vm, h) => KernelContexts.Setup(vm, h, "xdp", [1]),
            "section 'xdp' is a XDP program: it gets a packet, not arguments or a return value");
        yield return C("a packet for a kprobe", (vm, h) => KernelContexts.Setup(vm, h, "kprobe/x", packet: new byte[64]),
            "section 'kprobe/x' is a KPROBE program: it gets kernel memory, not a packet");
        yield return C("a kernel context without a heap", (vm, h) => KernelContexts.Setup(vm, null, "kprobe/x"),
            "section 'kprobe/x' needs kernel memory: pass a KernelHeap for the kernel the program runs on");
        yield return C("a heap of another VM", (vm, h) => KernelContexts.Setup(new BpfVm(vm.Instructions), h, "kprobe/x"),
            "section 'kprobe/x': the KernelHeap is mapped into another VM's memory; make it with new KernelHeap(spec, vm) for this VM");
    }

    [TestCaseSource(nameof(SetupRefusals))]
    public void SetupRefuses(Func<BpfVm, KernelHeap, KernelContext> act, string message)
    {
        var vm = new BpfVm(Assembler.Assemble("r0 = 0\nexit").Instructions);
        var heap = new KernelHeap(TestKernels.Spec(TestKernels.Debian61), vm);
        var e = Assert.Throws<KernelContextException>(() => act(vm, heap))!;
        Assert.That(e.Message, Is.EqualTo(message));
    }

    [TestCase("xdp", ProgramContextKind.Xdp)]
    [TestCase("xdp.frags", ProgramContextKind.Xdp)]
    [TestCase("socket", ProgramContextKind.SocketFilter)]
    [TestCase("tc", ProgramContextKind.SchedClassifier)]
    [TestCase("tcx/ingress", ProgramContextKind.SchedClassifier)]
    [TestCase("classifier", ProgramContextKind.SchedClassifier)]
    [TestCase("action", ProgramContextKind.SchedClassifier)]
    public void Packet_programs_get_the_packet_context_of_their_type(string section, ProgramContextKind kind) =>
        Assert.That(ProgramSection.PacketContextOf(section), Is.EqualTo(kind));

    [Test]
    public void Sections_without_a_packet_say_so_and_which_have_one()
    {
        Assert.That(ProgramSection.Parse("kprobe/do_sys_open").PacketContext, Is.Null);
        var e = Assert.Throws<KernelContextException>(() => ProgramSection.PacketContextOf("kprobe/do_sys_open"))!;
        Assert.That(e.Message, Does.Contain("kprobe/do_sys_open").And.Contain("KPROBE").And.Contain("xdp"));
        var unknown = Assert.Throws<KernelContextException>(() => ProgramSection.PacketContextOf("xdpx"))!;
        Assert.That(unknown.Message, Does.Contain("'xdpx' matches no libbpf section definition"));
    }
}

