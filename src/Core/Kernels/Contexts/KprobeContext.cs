namespace BtfNotebooks.Kernels.Contexts;

/// <summary>
/// The context of a kprobe or kretprobe: a <c>struct pt_regs</c> laid out by the kernel's BTF, with the arguments
/// in the registers the architecture passes them in (<see cref="PtRegsConvention"/>) and, for a kretprobe, the
/// return value where <c>PT_REGS_RC</c> reads it. A program built with libbpf's <c>BPF_KPROBE</c> macros reads
/// exactly these members, so it finds the arguments on every kernel the test runs it on.
/// </summary>
public static class KprobeContext
{
    /// <summary>A kprobe's pt_regs at function entry: <paramref name="arguments"/> in PARM1, PARM2...</summary>
    /// <param name="heap">The kernel memory to allocate the pt_regs in; its BTF gives the layout.</param>
    /// <param name="arguments">The function's arguments, values or heap objects (stored as their VM address).</param>
    /// <param name="arch">The architecture; null: the heap's (<see cref="KernelHeap.Arch"/>).</param>
    /// <exception cref="KernelContextException">No architecture, more arguments than registers, or an argument that does not fit a register.</exception>
    public static KernelContext Create(KernelHeap heap, IReadOnlyList<KernelArgument> arguments, string? arch = null)
    {
        ArgumentNullException.ThrowIfNull(heap);
        ArgumentNullException.ThrowIfNull(arguments);
        var convention = Convention(heap, arch);
        if (arguments.Count > convention.Parameters.Count)
            throw new KernelContextException(
                $"{convention.Arch} passes {convention.Parameters.Count} arguments in registers ({string.Join(", ", convention.Parameters)}); " +
                $"{arguments.Count} were given, and argument {convention.Parameters.Count + 1} on would be on the stack, which a kprobe's pt_regs does not hold");
        var regs = NewRegs(heap, convention);
        var stored = new List<(string, KernelArgument)>();
        for (int i = 0; i < arguments.Count; i++)
        {
            string register = convention.Parameters[i];
            Store(heap, regs, convention, register, arguments[i], $"argument {i + 1} ({register})");
            stored.Add((register, arguments[i]));
        }
        string list = stored.Count == 0 ? "no arguments" : ContextValues.List(stored);
        return new KernelContext(KernelContextKind.Kprobe, regs.Address, regs, $"kprobe struct pt_regs ({convention.Arch}): {list}");
    }

    /// <summary>A kretprobe's pt_regs at function return: <paramref name="returnValue"/> in PT_REGS_RC (the argument registers are no longer the arguments then).</summary>
    public static KernelContext CreateReturn(KernelHeap heap, KernelArgument returnValue, string? arch = null)
    {
        ArgumentNullException.ThrowIfNull(heap);
        var convention = Convention(heap, arch);
        var regs = NewRegs(heap, convention);
        Store(heap, regs, convention, convention.ReturnValue, returnValue, $"the return value ({convention.ReturnValue})");
        return new KernelContext(KernelContextKind.Kretprobe, regs.Address, regs,
            $"kretprobe struct pt_regs ({convention.Arch}): {ContextValues.List([(convention.ReturnValue, returnValue)])}");
    }

    private static PtRegsConvention Convention(KernelHeap heap, string? arch)
    {
        string name = arch ?? heap.Arch
            ?? throw new KernelContextException($"the architecture of {heap.Spec.Source ?? "this BTF"} is unknown (no catalog entry says it and its struct pt_regs does not tell): pass it (amd64, arm64, s390x, i386...)");
        return PtRegsConvention.For(name);
    }

    private static HeapObject NewRegs(KernelHeap heap, PtRegsConvention convention)
    {
        try
        {
            return heap.New(PtRegsConvention.Struct);
        }
        catch (KernelObjectException e)
        {
            throw new KernelContextException($"a {convention.Arch} kprobe context is a struct pt_regs, but {e.Message}", e);
        }
    }

    private static void Store(KernelHeap heap, HeapObject regs, PtRegsConvention convention, string register, KernelArgument value, string what)
    {
        try
        {
            ContextValues.Store(regs, register, value, what);
        }
        catch (KernelObjectException e)
        {
            // The register is missing: the architecture asked for is not the one the BTF describes.
            string? actual = KernelArch.Infer(heap.Spec);
            string hint = actual is not null && actual != convention.Arch ? $"; this BTF looks like {actual}, not {convention.Arch}" : "";
            throw new KernelContextException($"{what}: {e.Message}{hint}", e);
        }
    }
}
