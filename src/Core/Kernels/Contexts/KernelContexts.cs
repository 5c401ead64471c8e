using BtfNotebooks.Vm;

namespace BtfNotebooks.Kernels.Contexts;

/// <summary>
/// Builds the context a program gets from its ELF section name, as the kernel would hand it over for the program
/// type libbpf derives from that name (<see cref="ProgramSection"/>): a pt_regs for kprobes, a u64 array for raw
/// tracepoints and BTF tracing programs, the VM's own packet contexts (<see cref="ProgramContext"/>) for xdp,
/// socket and tc. One call per run, so a test runs the same program on every kernel with only the heap changing.
/// </summary>
public static class KernelContexts
{
    /// <summary>Default packet of packet contexts when none is given: 64 zero bytes, as <c>#!bpf-run</c> uses.</summary>
    public const int DefaultPacketLength = 64;

    /// <summary>Builds the context of the section named <paramref name="section"/>, read as libbpf reads it (<see cref="ProgramSection.Parse"/>).</summary>
    public static KernelContext Setup(BpfVm vm, KernelHeap? heap, string section, IReadOnlyList<KernelArgument>? arguments = null,
        KernelArgument? returnValue = null, byte[]? packet = null) =>
        Setup(vm, heap, ProgramSection.Parse(section), arguments, returnValue, packet);

    /// <summary>
    /// Builds the context of <paramref name="section"/> in <paramref name="vm"/>'s memory and returns it; its
    /// <see cref="KernelContext.Address"/> is r1.
    /// </summary>
    /// <param name="vm">The VM the program runs in.</param>
    /// <param name="heap">Kernel memory in <paramref name="vm"/>'s address space (its BTF gives the layouts); needed by every kernel context, not by packet contexts.</param>
    /// <param name="section">The program's section.</param>
    /// <param name="arguments">The arguments of a kprobe, raw tracepoint, tp_btf or fentry/fexit program.</param>
    /// <param name="returnValue">The return value of a kretprobe or fexit/fmod_ret program (0 when not given).</param>
    /// <param name="packet">The packet of an xdp, socket or tc program (64 zero bytes when not given).</param>
    /// <exception cref="KernelContextException">A section without a context here, a missing heap, or inputs the context does not take.</exception>
    public static KernelContext Setup(BpfVm vm, KernelHeap? heap, ProgramSection section, IReadOnlyList<KernelArgument>? arguments = null,
        KernelArgument? returnValue = null, byte[]? packet = null)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(section);
        string name = $"section '{section.Name}'";
        switch (section.Kind)
        {
            case KernelContextKind.Xdp or KernelContextKind.SocketFilter or KernelContextKind.SchedClassifier:
            {
                if (arguments is { Count: > 0 } || returnValue is not null)
                    throw new KernelContextException($"{name} is a {section.ProgramType} program: it gets a packet, not arguments or a return value");
                var kind = section.PacketContext!.Value;
                byte[] bytes = packet ?? new byte[DefaultPacketLength];
                ulong address = ProgramContext.Setup(vm, kind, bytes);
                return new KernelContext(section.Kind, address, null, $"{kind} context over a {bytes.Length}-byte packet");
            }
            case KernelContextKind.Tracepoint:
                throw new KernelContextException(
                    $"{name} is a classic tracepoint: its context is the event's format record (/sys/kernel/tracing/events/{section.Target ?? "CATEGORY/NAME"}/format), " +
                    "which BTF does not describe. Allocate the matching trace_event_raw_* struct on the heap and pass its address, or attach with tp_btf/ or raw_tp/, whose contexts are built here");
            case KernelContextKind.Unsupported:
                throw new KernelContextException(
                    $"{name} is a BPF_PROG_TYPE_{section.ProgramType} program ({section.Pattern}); the VM builds no context for it. Sections with contexts here: {ProgramSection.Supported}");
        }

        if (packet is not null)
            throw new KernelContextException($"{name} is a {section.ProgramType} program: it gets kernel memory, not a packet");
        if (heap is null)
            throw new KernelContextException($"{name} needs kernel memory: pass a KernelHeap for the kernel the program runs on");
        if (!ReferenceEquals(heap.Memory, vm.Memory))
            throw new KernelContextException($"{name}: the KernelHeap is mapped into another VM's memory; make it with new KernelHeap(spec, vm) for this VM");
        var args = arguments ?? [];

        switch (section.Kind)
        {
            case KernelContextKind.Kprobe:
                if (returnValue is not null)
                    throw new KernelContextException($"{name}: a kprobe runs at function entry, before there is a return value (kretprobe/ sees one)");
                return KprobeContext.Create(heap, args);
            case KernelContextKind.Kretprobe:
                if (args.Count > 0)
                    throw new KernelContextException($"{name}: a kretprobe sees only the return value (PT_REGS_RC); by the time it runs the argument registers no longer hold the arguments");
                return KprobeContext.CreateReturn(heap, returnValue ?? KernelArgument.Null);
            case KernelContextKind.RawTracepoint or KernelContextKind.TpBtf:
                if (returnValue is not null)
                    throw new KernelContextException($"{name}: a tracepoint has arguments, no return value");
                return section.Kind == KernelContextKind.RawTracepoint
                    ? RawTracepointContext.Create(heap, args)
                    : TracingContext.TpBtf(heap, Target(section), args);
            case KernelContextKind.Fentry:
                if (returnValue is not null)
                    throw new KernelContextException($"{name}: fentry runs at function entry, before there is a return value (fexit/ sees one)");
                return TracingContext.Fentry(heap, Target(section), args);
            case KernelContextKind.Fexit:
                return TracingContext.Fexit(heap, Target(section), args, returnValue);
            case KernelContextKind.FmodRet:
                return TracingContext.FmodRet(heap, Target(section), args, returnValue);
            default:
                throw new KernelContextException($"{name}: no context for {section.Kind}");
        }
    }

    // BTF tracing programs are typed by their target; libbpf refuses SEC("fentry") without one at load time too.
    private static string Target(ProgramSection section) =>
        section.Target is { Length: > 0 } target
            ? target
            : throw new KernelContextException($"section '{section.Name}' names no {(section.Kind == KernelContextKind.TpBtf ? "tracepoint" : "function")}: write {section.Pattern.TrimEnd('+')}/{(section.Kind == KernelContextKind.TpBtf ? "TRACEPOINT" : "FUNCTION")}; its BTF prototype types the context");
}
