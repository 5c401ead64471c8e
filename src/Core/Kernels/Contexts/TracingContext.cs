using BtfNotebooks.Btf;

namespace BtfNotebooks.Kernels.Contexts;

/// <summary>
/// The context of a BTF-typed tracing program (<c>fentry</c>, <c>fexit</c>, <c>fmod_ret</c>, <c>tp_btf</c>): an
/// array of u64, one slot per argument of the target's BTF prototype (<see cref="TracingPrototype"/>), each a value
/// or the VM address of a heap object; <c>fexit</c> and <c>fmod_ret</c> have the return value in the slot after
/// the arguments. The arguments are checked against the prototype as the verifier would type them: a pointer
/// parameter takes a heap object of its type (or a raw address), a scalar takes a number that fits it.
/// </summary>
public static class TracingContext
{
    /// <summary><c>fentry/FUNCTION</c>: the function's arguments.</summary>
    public static KernelContext Fentry(KernelHeap heap, string function, IReadOnlyList<KernelArgument> arguments) =>
        Build(heap, KernelContextKind.Fentry, Prototype(heap, function, tracepoint: false), arguments, null);

    /// <summary><c>fexit/FUNCTION</c>: the arguments, then <paramref name="returnValue"/> (0 when not given) unless the function returns void.</summary>
    public static KernelContext Fexit(KernelHeap heap, string function, IReadOnlyList<KernelArgument> arguments, KernelArgument? returnValue = null) =>
        Build(heap, KernelContextKind.Fexit, Prototype(heap, function, tracepoint: false), arguments, returnValue);

    /// <summary><c>fmod_ret/FUNCTION</c>: the arguments, then the return value so far (0 when not given).</summary>
    public static KernelContext FmodRet(KernelHeap heap, string function, IReadOnlyList<KernelArgument> arguments, KernelArgument? returnValue = null) =>
        Build(heap, KernelContextKind.FmodRet, Prototype(heap, function, tracepoint: false), arguments, returnValue);

    /// <summary><c>tp_btf/TRACEPOINT</c>: the tracepoint's arguments (TP_PROTO).</summary>
    public static KernelContext TpBtf(KernelHeap heap, string tracepoint, IReadOnlyList<KernelArgument> arguments) =>
        Build(heap, KernelContextKind.TpBtf, Prototype(heap, tracepoint, tracepoint: true), arguments, null);

    private static TracingPrototype Prototype(KernelHeap heap, string target, bool tracepoint)
    {
        ArgumentNullException.ThrowIfNull(heap);
        return tracepoint ? TracingPrototype.ForTracepoint(heap.Spec, target) : TracingPrototype.ForFunction(heap.Spec, target);
    }

    private static KernelContext Build(KernelHeap heap, KernelContextKind kind, TracingPrototype prototype, IReadOnlyList<KernelArgument> arguments, KernelArgument? returnValue)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        string program = kind switch
        {
            KernelContextKind.Fentry => "fentry",
            KernelContextKind.Fexit => "fexit",
            KernelContextKind.FmodRet => "fmod_ret",
            _ => "tp_btf",
        };
        string target = $"{program}/{prototype.Target}";
        if (arguments.Count != prototype.Parameters.Count)
            throw new KernelContextException(
                $"{target}: {prototype.Declaration} takes {Count(prototype.Parameters.Count, "argument")}; {arguments.Count} given");
        for (int i = 0; i < arguments.Count; i++)
        {
            var p = prototype.Parameters[i];
            Check(heap, p.Type, p.TypeName, arguments[i], $"{target}: argument {i + 1} ({p.TypeName} {p.Name})");
        }

        bool hasReturn = kind is KernelContextKind.Fexit or KernelContextKind.FmodRet;
        KernelArgument ret = default;
        if (hasReturn && prototype.ReturnsVoid)
        {
            if (returnValue is not null)
                throw new KernelContextException($"{target}: {prototype.Declaration} returns void, so there is no return value to pass");
            hasReturn = false;
        }
        else if (hasReturn)
        {
            ret = returnValue ?? KernelArgument.Null;
            var returnType = prototype.ReturnType;
            Check(heap, returnType, Btf.Layout.CTypeNames.Format(heap.Spec, returnType), ret, $"{target}: the return value");
        }

        var slots = heap.NewArray(ContextValues.U64(heap.Spec), arguments.Count + (hasReturn ? 1 : 0));
        var shown = new List<string>();
        for (int i = 0; i < arguments.Count; i++)
        {
            ContextValues.Store(slots, $"[{i}]", arguments[i], $"{target}: argument {i + 1}");
            shown.Add($"{prototype.Parameters[i].Name} = {arguments[i]}");
        }
        if (hasReturn) ContextValues.Store(slots, $"[{arguments.Count}]", ret, $"{target}: the return value");
        string call = $"{prototype.Target}({string.Join(", ", shown)}){(hasReturn ? $" = {ret}" : "")}";
        return new KernelContext(kind, slots.Address, slots, $"{program} u64 ctx[{slots.ArrayLength}]: {call}");
    }

    // Refuses what the verifier's BTF types say cannot be there: an object for a scalar, a number too wide for its
    // parameter, an object of another type for a typed pointer, a struct passed by value.
    private static void Check(KernelHeap heap, BtfType type, string typeName, KernelArgument argument, string what)
    {
        var spec = heap.Spec;
        var t = spec.SkipModifiers(type);
        switch (t.Kind)
        {
            case BtfKind.Ptr:
                if (argument.Object is { } obj)
                {
                    try
                    {
                        heap.CheckPointee(HeapPath.PointerField(spec, 8, type, 0, what), obj, what, "to pass its address anyway, pass its Address (a number)");
                    }
                    catch (KernelObjectException e)
                    {
                        throw new KernelContextException(e.Message, e);
                    }
                }
                else
                {
                    argument.ToBits(64, what);
                }
                break;
            case BtfKind.Int or BtfKind.Enum or BtfKind.Enum64:
                if (argument.Object is { } o)
                    throw new KernelContextException($"{what} is not a pointer: it cannot be the {o.Label}");
                if ((t.IntEncoding & BtfIntEncoding.Bool) != 0 && t.Kind == BtfKind.Int && argument.Number != 0 && argument.Number != 1)
                    throw new KernelContextException($"{what} is a bool: {argument} is neither 0 nor 1");
                argument.ToBits((int)Math.Min(t.Size * 8, 64), what);
                break;
            case BtfKind.Struct or BtfKind.Union:
                throw new KernelContextException($"{what} is passed by value; the kernel spreads such an argument over one or two slots, and contexts for it are not built here");
            default:
                throw new KernelContextException($"{what} is {typeName} ({BtfSpec.Describe(t)}); no argument of that kind is passed to a tracing program");
        }
    }

    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";
}
