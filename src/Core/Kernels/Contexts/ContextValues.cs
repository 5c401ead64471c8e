using BtfNotebooks.Btf;

namespace BtfNotebooks.Kernels.Contexts;

/// <summary>Stores arguments into registers and u64 slots of context objects, and finds the u64 type those slots have.</summary>
internal static class ContextValues
{
    /// <summary>
    /// Writes <paramref name="argument"/> into the integer at <paramref name="path"/> of <paramref name="context"/>
    /// (a register, an array slot): its bits at the field's width, in the kernel's byte order.
    /// </summary>
    public static void Store(HeapObject context, string path, KernelArgument argument, string what)
    {
        var field = context.Field(path).Field;
        if (field.Kind is not (KernelFieldKind.Integer or KernelFieldKind.Pointer))
            throw new KernelContextException($"{what} goes to {context.TypeName}.{path}, which is {field.Description}: not a register or slot an argument fits in");
        context.Set(path, argument.ToBits((int)field.BitSize, what));
    }

    /// <summary>The kernel's 64-bit unsigned type (u64, __u64 or the bare INT), for context arrays of u64.</summary>
    public static BtfType U64(BtfSpec spec)
    {
        foreach (var name in new[] { "u64", "__u64" })
            if (spec.FindByName(name, BtfKind.Typedef) is { } t && spec.SkipModifiers(t) is { Kind: BtfKind.Int, Size: 8 }) return t;
        foreach (var name in new[] { "long long unsigned int", "unsigned long long", "long unsigned int" })
            if (spec.FindByName(name, BtfKind.Int) is { Size: 8 } t && (t.IntEncoding & BtfIntEncoding.Signed) == 0) return t;
        throw new KernelContextException($"{spec.Source ?? "this BTF"} has no 64-bit unsigned integer type (u64, __u64, long long unsigned int) to lay out an array of u64 arguments");
    }

    /// <summary>"di = 42, si = &amp;task_struct at 0x300000000".</summary>
    public static string List(IEnumerable<(string Name, KernelArgument Value)> values) =>
        string.Join(", ", values.Select(v => $"{v.Name} = {v.Value}"));
}
