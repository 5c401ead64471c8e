namespace BtfNotebooks.Kernels.Contexts;

/// <summary>The memory r1 points at when a program of a given section runs, as libbpf derives it from the section name.</summary>
public enum KernelContextKind
{
    /// <summary>A section libbpf knows but whose context the VM does not build (lsm/, iter/, cgroup/..., uprobe/...).</summary>
    Unsupported,
    /// <summary><c>kprobe/FUNC</c>, <c>kprobe.multi/...</c>: a <c>struct pt_regs</c> with the arguments in the arch's PT_REGS_PARM registers.</summary>
    Kprobe,
    /// <summary><c>kretprobe/FUNC</c>, <c>kretprobe.multi/...</c>: a <c>struct pt_regs</c> with the return value in PT_REGS_RC.</summary>
    Kretprobe,
    /// <summary><c>raw_tp/TP</c>, <c>raw_tracepoint/TP</c>: <c>struct bpf_raw_tracepoint_args</c>, an array of u64 arguments.</summary>
    RawTracepoint,
    /// <summary><c>tp_btf/TP</c>: an array of u64, one per argument of the tracepoint's prototype.</summary>
    TpBtf,
    /// <summary><c>fentry/FUNC</c>: an array of u64, one per argument of the function.</summary>
    Fentry,
    /// <summary><c>fexit/FUNC</c>: an array of u64, the arguments then the return value.</summary>
    Fexit,
    /// <summary><c>fmod_ret/FUNC</c>: an array of u64, the arguments then the return value so far.</summary>
    FmodRet,
    /// <summary><c>tracepoint/CAT/NAME</c>, <c>tp/CAT/NAME</c>: the event's format record; recognised, not built.</summary>
    Tracepoint,
    /// <summary><c>xdp</c>: struct xdp_md over a packet (the VM's <see cref="Vm.ProgramContext"/>).</summary>
    Xdp,
    /// <summary><c>socket</c>: struct __sk_buff of a socket filter.</summary>
    SocketFilter,
    /// <summary><c>tc</c>, <c>classifier</c>, <c>action</c>, <c>tcx/...</c>: struct __sk_buff with the Ethernet header.</summary>
    SchedClassifier,
}
