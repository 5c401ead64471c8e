namespace BtfNotebooks.Vm;

/// <summary>
/// What a helper sees: its five arguments and the VM's memory. A helper returns r0; it reports bad arguments by
/// throwing <see cref="BpfRuntimeException"/> (memory faults from <see cref="AddressSpace.Span"/> do so already).
/// </summary>
public readonly ref struct HelperCall
{
    internal HelperCall(BpfVm vm, int slot, ulong r1, ulong r2, ulong r3, ulong r4, ulong r5)
    {
        Vm = vm;
        Slot = slot;
        R1 = r1; R2 = r2; R3 = r3; R4 = r4; R5 = r5;
    }

    public BpfVm Vm { get; }

    public AddressSpace Memory => Vm.Memory;

    /// <summary>Slot index of the call instruction.</summary>
    public int Slot { get; }

    public ulong R1 { get; }
    public ulong R2 { get; }
    public ulong R3 { get; }
    public ulong R4 { get; }
    public ulong R5 { get; }
}

/// <summary>A helper implementation: arguments in, r0 out.</summary>
public delegate ulong HelperFunction(HelperCall call);

/// <summary>A registered helper: its kernel ID, name (bpf_ktime_get_ns) and implementation.</summary>
public sealed record Helper(int Id, string Name, HelperFunction Function);

/// <summary>Helpers keyed by helper ID (the kernel's <c>enum bpf_func_id</c> numbering).</summary>
public sealed class HelperTable
{
    private Helper?[] _byId = new Helper?[256];

    /// <summary>Adds or replaces helper <paramref name="id"/>.</summary>
    public HelperTable Register(int id, string name, HelperFunction function)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        if (id >= _byId.Length) Array.Resize(ref _byId, Math.Max(id + 1, _byId.Length * 2));
        _byId[id] = new Helper(id, name, function);
        return this;
    }

    /// <summary>The helper with <paramref name="id"/>, or null.</summary>
    public Helper? Find(long id) => (ulong)id < (ulong)_byId.Length ? _byId[id] : null;

    public IEnumerable<Helper> All => _byId.Where(h => h is not null)!;
}
