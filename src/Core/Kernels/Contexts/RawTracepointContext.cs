namespace BtfNotebooks.Kernels.Contexts;

/// <summary>
/// The context of a raw tracepoint program: <c>struct bpf_raw_tracepoint_args { __u64 args[0]; }</c>, which is
/// nothing but the tracepoint's arguments as an array of u64, each a value or the VM address of a heap object
/// (stored in the kernel's byte order). The kernel checks no prototype here, so neither does this.
/// </summary>
public static class RawTracepointContext
{
    /// <summary>An array of u64 holding <paramref name="arguments"/>; r1 points at its first element.</summary>
    public static KernelContext Create(KernelHeap heap, IReadOnlyList<KernelArgument> arguments)
    {
        ArgumentNullException.ThrowIfNull(heap);
        ArgumentNullException.ThrowIfNull(arguments);
        var args = heap.NewArray(ContextValues.U64(heap.Spec), arguments.Count);
        var stored = new List<(string, KernelArgument)>();
        for (int i = 0; i < arguments.Count; i++)
        {
            ContextValues.Store(args, $"[{i}]", arguments[i], $"argument {i + 1}");
            stored.Add(($"args[{i}]", arguments[i]));
        }
        return new KernelContext(KernelContextKind.RawTracepoint, args.Address, args,
            $"raw tracepoint struct bpf_raw_tracepoint_args: {(stored.Count == 0 ? "no arguments" : ContextValues.List(stored))}");
    }
}
