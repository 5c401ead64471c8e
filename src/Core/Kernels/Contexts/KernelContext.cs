namespace BtfNotebooks.Kernels.Contexts;

/// <summary>
/// A context built for one run: what r1 gets (<see cref="Address"/>), the heap object behind it for kernel
/// contexts (the <c>pt_regs</c>, the u64 argument array) so a test can read what the program changed, and a line
/// saying what it holds.
/// </summary>
/// <param name="Kind">The kind of context.</param>
/// <param name="Address">The VM address for r1.</param>
/// <param name="Object">The heap object at <paramref name="Address"/>; null for packet contexts (xdp, socket, tc), which are the VM's own context regions.</param>
/// <param name="Description">"kprobe pt_regs (amd64): di = 42, si = &amp;task_struct at 0x300000000".</param>
public sealed record KernelContext(KernelContextKind Kind, ulong Address, HeapObject? Object, string Description)
{
    public override string ToString() => $"r1 = 0x{Address:x}: {Description}";
}
