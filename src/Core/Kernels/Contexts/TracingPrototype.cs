using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Layout;

namespace BtfNotebooks.Kernels.Contexts;

/// <summary>One parameter of a traced function or tracepoint: its name (or argN when BTF gives none) and BTF type.</summary>
public sealed record TracingParameter(string Name, BtfType Type, string TypeName);

/// <summary>
/// The prototype a BTF-typed tracing program attaches to, from the kernel's BTF, as the kernel's verifier reads
/// it: for <c>fentry/fexit/fmod_ret</c> the <c>FUNC</c> of that name, for <c>tp_btf</c> the <c>btf_trace_NAME</c>
/// typedef (whose first, hidden <c>void *</c> parameter is the tracepoint's data, not an argument). Its parameters
/// are the context's u64 slots, so a context built from it has exactly as many as the program may read.
/// </summary>
/// <param name="Target">The function or tracepoint name.</param>
/// <param name="Parameters">The arguments, in slot order.</param>
/// <param name="ReturnType">The return type; void (<see cref="BtfType.IsVoid"/>) for none (tracepoints).</param>
/// <param name="Declaration">C-like: "int do_unlinkat(int dfd, struct filename *name)".</param>
public sealed record TracingPrototype(string Target, IReadOnlyList<TracingParameter> Parameters, BtfType ReturnType, string Declaration)
{
    public bool ReturnsVoid => ReturnType.IsVoid;

    /// <summary>The kernel function <paramref name="function"/>'s prototype.</summary>
    /// <exception cref="KernelContextException">No such function in the BTF (so fentry/fexit could not attach), or one with variadic arguments.</exception>
    public static TracingPrototype ForFunction(BtfSpec spec, string function)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(function);
        string name = function.Trim();
        var func = spec.FindByName(name, BtfKind.Func);
        if (func is not { } f)
        {
            var names = spec.AllTypes.Where(t => t.Kind == BtfKind.Func).Select(t => t.Name);
            throw new KernelContextException($"no function '{name}' in {spec.Source ?? "this BTF"}: fentry/fexit could not attach to it{NameSuggestions.DidYouMean(name, names)}");
        }
        var proto = spec.SkipModifiers(f.TypeId);
        if (proto.Kind != BtfKind.FuncProto)
            throw new KernelContextException($"function '{name}' in {spec.Source ?? "this BTF"} has type {BtfSpec.Describe(proto)}, not a prototype: the BTF is inconsistent");
        return FromProto(spec, name, proto, skip: 0, $"function {name}");
    }

    /// <summary>The prototype of tracepoint <paramref name="tracepoint"/> ("sched_switch"), without the hidden data pointer.</summary>
    /// <exception cref="KernelContextException">The BTF has no <c>btf_trace_NAME</c> typedef for it.</exception>
    public static TracingPrototype ForTracepoint(BtfSpec spec, string tracepoint)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(tracepoint);
        string name = tracepoint.Trim();
        const string Prefix = "btf_trace_";
        if (spec.FindByName(Prefix + name, BtfKind.Typedef) is not { } typedef)
        {
            var names = spec.AllTypes.Where(t => t.Kind == BtfKind.Typedef && t.Name.StartsWith(Prefix, StringComparison.Ordinal)).Select(t => t.Name[Prefix.Length..]);
            throw new KernelContextException($"no tracepoint '{name}' in {spec.Source ?? "this BTF"} (no typedef {Prefix}{name}): tp_btf could not attach to it{NameSuggestions.DidYouMean(name, names)}");
        }
        var pointer = spec.SkipModifiers(typedef.TypeId);
        var proto = pointer.Kind == BtfKind.Ptr ? spec.SkipModifiers(pointer.TypeId) : pointer;
        if (proto.Kind != BtfKind.FuncProto || proto.Params.Count == 0)
            throw new KernelContextException($"typedef {Prefix}{name} in {spec.Source ?? "this BTF"} is not a pointer to a prototype with the tracepoint's data first: the BTF is not a kernel's");
        return FromProto(spec, name, proto, skip: 1, $"tracepoint {name}");
    }

    private static TracingPrototype FromProto(BtfSpec spec, string name, BtfType proto, int skip, string what)
    {
        var parameters = new List<TracingParameter>();
        var all = proto.Params;
        for (int i = skip; i < all.Count; i++)
        {
            var p = all[i];
            if (p.TypeId == 0)
                throw new KernelContextException($"{what} takes variadic arguments (...); the kernel attaches no BTF tracing program to it");
            string paramName = p.Name.Length > 0 ? p.Name : $"arg{i - skip + 1}";
            parameters.Add(new TracingParameter(paramName, p.Type, CTypeNames.Format(spec, p.TypeId)));
        }
        string returns = proto.TypeId == 0 ? "void" : CTypeNames.Format(spec, proto.TypeId);
        string declaration = $"{returns} {name}({(parameters.Count == 0 ? "void" : string.Join(", ", parameters.Select(p => CTypeNames.Format(spec, p.Type.Id, p.Name))))})";
        return new TracingPrototype(name, parameters, spec[proto.TypeId], declaration);
    }

    public override string ToString() => Declaration;
}
