using BtfNotebooks.Btf;

namespace BtfNotebooks.Kernels.Sandbox;

/// <summary>The helper IDs a kernel has: the values of its <c>enum bpf_func_id</c> (BPF_FUNC_*), from its BTF.</summary>
public static class KernelHelpers
{
    /// <summary>The IDs, or null when the BTF has no enum bpf_func_id (module or program BTF).</summary>
    public static IReadOnlySet<int>? Of(BtfSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var type = spec.FindByName("bpf_func_id", BtfKind.Enum);
        if (type is null) return null;
        var ids = new HashSet<int>();
        // __BPF_FUNC_MAX_ID closes the list; it is not a helper.
        foreach (var e in type.Value.EnumValues)
            if (!e.Name.StartsWith("__", StringComparison.Ordinal)) ids.Add((int)e.UnsignedValue);
        return ids;
    }
}
