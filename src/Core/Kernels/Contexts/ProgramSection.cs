namespace BtfNotebooks.Kernels.Contexts;

/// <summary>
/// What an ELF section name says about a program, read the way libbpf reads it (<c>section_defs</c> in libbpf.c): the
/// program type, the context the VM builds for it, and the attach target after the '/' (<c>do_unlinkat</c> in
/// <c>fentry/do_unlinkat</c>). The test framework picks a program's context from its section with this, so a program
/// runs with the memory it would get in the kernel.
/// </summary>
/// <param name="Name">The section name as given.</param>
/// <param name="Kind">The context the VM builds; <see cref="KernelContextKind.Unsupported"/> for a program type it does not.</param>
/// <param name="ProgramType">libbpf's program type, as BPF_PROG_TYPE_* without the prefix ("KPROBE", "TRACING", "XDP").</param>
/// <param name="Pattern">The libbpf section definition that matched ("kprobe+", "xdp", "tc/ingress").</param>
/// <param name="Target">What follows the '/' of a "+" definition (function, tracepoint); null when nothing does.</param>
public sealed record ProgramSection(string Name, KernelContextKind Kind, string ProgramType, string Pattern, string? Target)
{
    // libbpf's section_defs, in its order (the first match wins). A pattern ending in '+' matches the prefix alone
    // or followed by '/' and a target; one ending in '/' any name starting with it; any other only itself.
    private static readonly (string Pattern, string Type, KernelContextKind Kind)[] Definitions =
    [
        ("socket", "SOCKET_FILTER", KernelContextKind.SocketFilter),
        ("sk_reuseport/migrate", "SK_REUSEPORT", KernelContextKind.Unsupported),
        ("sk_reuseport", "SK_REUSEPORT", KernelContextKind.Unsupported),
        ("kprobe+", "KPROBE", KernelContextKind.Kprobe),
        ("uprobe+", "KPROBE", KernelContextKind.Unsupported),
        ("uprobe.s+", "KPROBE", KernelContextKind.Unsupported),
        ("kretprobe+", "KPROBE", KernelContextKind.Kretprobe),
        ("uretprobe+", "KPROBE", KernelContextKind.Unsupported),
        ("uretprobe.s+", "KPROBE", KernelContextKind.Unsupported),
        ("kprobe.multi+", "KPROBE", KernelContextKind.Kprobe),
        ("kretprobe.multi+", "KPROBE", KernelContextKind.Kretprobe),
        ("kprobe.session+", "KPROBE", KernelContextKind.Unsupported),
        ("uprobe.multi+", "KPROBE", KernelContextKind.Unsupported),
        ("uretprobe.multi+", "KPROBE", KernelContextKind.Unsupported),
        ("uprobe.session+", "KPROBE", KernelContextKind.Unsupported),
        ("uprobe.multi.s+", "KPROBE", KernelContextKind.Unsupported),
        ("uretprobe.multi.s+", "KPROBE", KernelContextKind.Unsupported),
        ("uprobe.session.s+", "KPROBE", KernelContextKind.Unsupported),
        ("ksyscall+", "KPROBE", KernelContextKind.Unsupported),
        ("kretsyscall+", "KPROBE", KernelContextKind.Unsupported),
        ("usdt+", "KPROBE", KernelContextKind.Unsupported),
        ("usdt.s+", "KPROBE", KernelContextKind.Unsupported),
        ("tc/ingress", "SCHED_CLS", KernelContextKind.SchedClassifier),
        ("tc/egress", "SCHED_CLS", KernelContextKind.SchedClassifier),
        ("tcx/ingress", "SCHED_CLS", KernelContextKind.SchedClassifier),
        ("tcx/egress", "SCHED_CLS", KernelContextKind.SchedClassifier),
        ("tc", "SCHED_CLS", KernelContextKind.SchedClassifier),
        ("classifier", "SCHED_CLS", KernelContextKind.SchedClassifier),
        ("action", "SCHED_ACT", KernelContextKind.SchedClassifier),
        ("netkit/primary", "SCHED_CLS", KernelContextKind.SchedClassifier),
        ("netkit/peer", "SCHED_CLS", KernelContextKind.SchedClassifier),
        ("tracepoint+", "TRACEPOINT", KernelContextKind.Tracepoint),
        ("tp+", "TRACEPOINT", KernelContextKind.Tracepoint),
        ("tracepoint.s+", "TRACEPOINT", KernelContextKind.Tracepoint),
        ("tp.s+", "TRACEPOINT", KernelContextKind.Tracepoint),
        ("raw_tracepoint+", "RAW_TRACEPOINT", KernelContextKind.RawTracepoint),
        ("raw_tp+", "RAW_TRACEPOINT", KernelContextKind.RawTracepoint),
        ("raw_tracepoint.s+", "RAW_TRACEPOINT", KernelContextKind.RawTracepoint),
        ("raw_tp.s+", "RAW_TRACEPOINT", KernelContextKind.RawTracepoint),
        ("raw_tracepoint.w+", "RAW_TRACEPOINT_WRITABLE", KernelContextKind.RawTracepoint),
        ("raw_tp.w+", "RAW_TRACEPOINT_WRITABLE", KernelContextKind.RawTracepoint),
        ("tp_btf+", "TRACING", KernelContextKind.TpBtf),
        ("tp_btf.s+", "TRACING", KernelContextKind.TpBtf),
        ("fentry+", "TRACING", KernelContextKind.Fentry),
        ("fmod_ret+", "TRACING", KernelContextKind.FmodRet),
        ("fexit+", "TRACING", KernelContextKind.Fexit),
        ("fentry.s+", "TRACING", KernelContextKind.Fentry),
        ("fmod_ret.s+", "TRACING", KernelContextKind.FmodRet),
        ("fexit.s+", "TRACING", KernelContextKind.Fexit),
        ("fsession+", "TRACING", KernelContextKind.Unsupported),
        ("fsession.s+", "TRACING", KernelContextKind.Unsupported),
        ("fsession.multi+", "TRACING", KernelContextKind.Unsupported),
        ("fsession.multi.s+", "TRACING", KernelContextKind.Unsupported),
        ("fentry.multi+", "TRACING", KernelContextKind.Unsupported),
        ("fexit.multi+", "TRACING", KernelContextKind.Unsupported),
        ("fentry.multi.s+", "TRACING", KernelContextKind.Unsupported),
        ("fexit.multi.s+", "TRACING", KernelContextKind.Unsupported),
        ("freplace+", "EXT", KernelContextKind.Unsupported),
        ("lsm+", "LSM", KernelContextKind.Unsupported),
        ("lsm.s+", "LSM", KernelContextKind.Unsupported),
        ("lsm_cgroup+", "LSM", KernelContextKind.Unsupported),
        ("iter+", "TRACING", KernelContextKind.Unsupported),
        ("iter.s+", "TRACING", KernelContextKind.Unsupported),
        ("syscall", "SYSCALL", KernelContextKind.Unsupported),
        ("xdp.frags/devmap", "XDP", KernelContextKind.Xdp),
        ("xdp/devmap", "XDP", KernelContextKind.Xdp),
        ("xdp.frags/cpumap", "XDP", KernelContextKind.Xdp),
        ("xdp/cpumap", "XDP", KernelContextKind.Xdp),
        ("xdp.frags", "XDP", KernelContextKind.Xdp),
        ("xdp", "XDP", KernelContextKind.Xdp),
        ("perf_event", "PERF_EVENT", KernelContextKind.Unsupported),
        ("lwt_in", "LWT_IN", KernelContextKind.Unsupported),
        ("lwt_out", "LWT_OUT", KernelContextKind.Unsupported),
        ("lwt_xmit", "LWT_XMIT", KernelContextKind.Unsupported),
        ("lwt_seg6local", "LWT_SEG6LOCAL", KernelContextKind.Unsupported),
        ("sockops", "SOCK_OPS", KernelContextKind.Unsupported),
        ("sk_skb/stream_parser", "SK_SKB", KernelContextKind.Unsupported),
        ("sk_skb/stream_verdict", "SK_SKB", KernelContextKind.Unsupported),
        ("sk_skb/verdict", "SK_SKB", KernelContextKind.Unsupported),
        ("sk_skb", "SK_SKB", KernelContextKind.Unsupported),
        ("sk_msg", "SK_MSG", KernelContextKind.Unsupported),
        ("lirc_mode2", "LIRC_MODE2", KernelContextKind.Unsupported),
        ("flow_dissector", "FLOW_DISSECTOR", KernelContextKind.Unsupported),
        ("cgroup_skb/ingress", "CGROUP_SKB", KernelContextKind.Unsupported),
        ("cgroup_skb/egress", "CGROUP_SKB", KernelContextKind.Unsupported),
        ("cgroup/skb", "CGROUP_SKB", KernelContextKind.Unsupported),
        ("cgroup/sock_create", "CGROUP_SOCK", KernelContextKind.Unsupported),
        ("cgroup/sock_release", "CGROUP_SOCK", KernelContextKind.Unsupported),
        ("cgroup/sock", "CGROUP_SOCK", KernelContextKind.Unsupported),
        ("cgroup/post_bind4", "CGROUP_SOCK", KernelContextKind.Unsupported),
        ("cgroup/post_bind6", "CGROUP_SOCK", KernelContextKind.Unsupported),
        ("cgroup/bind4", "CGROUP_SOCK_ADDR", KernelContextKind.Unsupported),
        ("cgroup/bind6", "CGROUP_SOCK_ADDR", KernelContextKind.Unsupported),
        ("cgroup/connect4", "CGROUP_SOCK_ADDR", KernelContextKind.Unsupported),
        ("cgroup/connect6", "CGROUP_SOCK_ADDR", KernelContextKind.Unsupported),
        ("cgroup/connect_unix", "CGROUP_SOCK_ADDR", KernelContextKind.Unsupported),
        ("cgroup/sendmsg4", "CGROUP_SOCK_ADDR", KernelContextKind.Unsupported),
        ("cgroup/sendmsg6", "CGROUP_SOCK_ADDR", KernelContextKind.Unsupported),
        ("cgroup/sendmsg_unix", "CGROUP_SOCK_ADDR", KernelContextKind.Unsupported),
        ("cgroup/recvmsg4", "CGROUP_SOCK_ADDR", KernelContextKind.Unsupported),
        ("cgroup/recvmsg6", "CGROUP_SOCK_ADDR", KernelContextKind.Unsupported),
        ("cgroup/recvmsg_unix", "CGROUP_SOCK_ADDR", KernelContextKind.Unsupported),
        ("cgroup/getpeername4", "CGROUP_SOCK_ADDR", KernelContextKind.Unsupported),
        ("cgroup/getpeername6", "CGROUP_SOCK_ADDR", KernelContextKind.Unsupported),
        ("cgroup/getpeername_unix", "CGROUP_SOCK_ADDR", KernelContextKind.Unsupported),
        ("cgroup/getsockname4", "CGROUP_SOCK_ADDR", KernelContextKind.Unsupported),
        ("cgroup/getsockname6", "CGROUP_SOCK_ADDR", KernelContextKind.Unsupported),
        ("cgroup/getsockname_unix", "CGROUP_SOCK_ADDR", KernelContextKind.Unsupported),
        ("cgroup/sysctl", "CGROUP_SYSCTL", KernelContextKind.Unsupported),
        ("cgroup/getsockopt", "CGROUP_SOCKOPT", KernelContextKind.Unsupported),
        ("cgroup/setsockopt", "CGROUP_SOCKOPT", KernelContextKind.Unsupported),
        ("cgroup/dev", "CGROUP_DEVICE", KernelContextKind.Unsupported),
        ("struct_ops+", "STRUCT_OPS", KernelContextKind.Unsupported),
        ("struct_ops.s+", "STRUCT_OPS", KernelContextKind.Unsupported),
        ("sk_lookup", "SK_LOOKUP", KernelContextKind.Unsupported),
        ("netfilter", "NETFILTER", KernelContextKind.Unsupported),
    ];

    /// <summary>The sections whose context the VM builds, for messages.</summary>
    internal const string Supported =
        "kprobe/, kretprobe/, kprobe.multi/, kretprobe.multi/, raw_tp/, raw_tracepoint/, tp_btf/, fentry/, fexit/, fmod_ret/, xdp, socket, tc, classifier, action, tcx/";

    /// <summary>The packet context BPF_PROG_TEST_RUN gives an xdp, socket or tc program; null for other programs.</summary>
    public Vm.ProgramContextKind? PacketContext => Kind switch
    {
        KernelContextKind.Xdp => Vm.ProgramContextKind.Xdp,
        KernelContextKind.SocketFilter => Vm.ProgramContextKind.SocketFilter,
        KernelContextKind.SchedClassifier => Vm.ProgramContextKind.SchedClassifier,
        _ => null,
    };

    /// <summary>The packet context of <paramref name="section"/>'s program type, for runs that build only those.</summary>
    /// <exception cref="KernelContextException">libbpf matches no definition, or the program type gets no packet.</exception>
    public static Vm.ProgramContextKind PacketContextOf(string section)
    {
        var parsed = Parse(section);
        return parsed.PacketContext ?? throw new KernelContextException(
            $"section '{section}' is a BPF_PROG_TYPE_{parsed.ProgramType} program, which gets no packet; packet contexts are built for xdp, socket and tc programs");
    }

    /// <summary>True when the VM builds this program's context.</summary>
    public bool HasContext => Kind is not (KernelContextKind.Unsupported or KernelContextKind.Tracepoint);

    /// <summary>The section's program type and context as libbpf matches it.</summary>
    /// <exception cref="KernelContextException">No libbpf section definition matches (libbpf would refuse to load the program).</exception>
    public static ProgramSection Parse(string section)
    {
        ArgumentNullException.ThrowIfNull(section);
        foreach (var (pattern, type, kind) in Definitions)
            if (Matches(pattern, section, out var target)) return new ProgramSection(section, kind, type, pattern, target);
        if (section.Length == 0)
            throw new KernelContextException($"an empty section name matches no libbpf section definition; sections with contexts here: {Supported}");
        // The longest definition the name starts with, to say how it goes wrong ("kprobe.foo", "xdp/x").
        var near = Definitions.Select(d => d.Pattern).Where(p => section.StartsWith(p.TrimEnd('+'), StringComparison.Ordinal)).MaxBy(p => p.Length);
        string why = near is null ? ""
            : near.EndsWith('+') ? $" (libbpf takes '{near[..^1]}' alone or as '{near[..^1]}/TARGET')"
            : $" (libbpf matches '{near}' only as the whole name)";
        throw new KernelContextException($"section '{section}' matches no libbpf section definition{why}, so libbpf would not load the program; sections with contexts here: {Supported}");
    }

    // libbpf's sec_def_matches.
    private static bool Matches(string pattern, string section, out string? target)
    {
        target = null;
        if (pattern.EndsWith('/')) return section.StartsWith(pattern, StringComparison.Ordinal);
        if (pattern.EndsWith('+'))
        {
            string prefix = pattern[..^1];
            if (!section.StartsWith(prefix, StringComparison.Ordinal)) return false;
            if (section.Length == prefix.Length) return true;
            if (section[prefix.Length] != '/') return false;
            target = section[(prefix.Length + 1)..];
            return true;
        }
        return section == pattern;
    }

    public override string ToString() => $"{Name}: BPF_PROG_TYPE_{ProgramType}, {(HasContext ? Kind.ToString() : Kind == KernelContextKind.Tracepoint ? "tracepoint (context not built)" : "no context built")}{(Target is null ? "" : $", target {Target}")}";
}
