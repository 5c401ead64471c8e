using System.Text;

namespace BtfNotebooks.Btf.CDump;

/// <summary>
/// BTF as a compilable C header, like `bpftool btf dump file X format c` (libbpf's btf_dump): include guard,
/// CO-RE <c>preserve_access_index</c> pragma, every struct/union/enum/typedef in dependency order with forward
/// declarations for pointer cycles, anonymous types inline, bitfields, and explicit padding and
/// <c>__attribute__((packed))</c> wherever the compiler would otherwise lay a struct out differently from the
/// BTF. Functions, variables, data sections and declaration tags are not part of it.
/// </summary>
public static class CHeaderWriter
{
    private const string DefaultGuard = "__VMLINUX_H__";

    /// <summary>
    /// The whole BTF. For split BTF (a module), only the module's own types: base types are referred to by the
    /// names the base's own header gives them, so the result is meant to be included after that header
    /// (its include guard is therefore different, see <see cref="CHeaderOptions.IncludeGuard"/>).
    /// </summary>
    public static void Write(BtfSpec spec, TextWriter output, CHeaderOptions? options = null) => WriteAll(spec, output, options);

    /// <summary><see cref="Write"/>, returning the state, whose <see cref="CDumpSession.Names"/> tells what each type was called.</summary>
    internal static CDumpSession WriteAll(BtfSpec spec, TextWriter output, CHeaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(output);
        options ??= CHeaderOptions.Default;
        var session = new CDumpSession(spec, output, options);
        uint firstLocal = spec.FirstTypeId;

        // Replay the base's own dump without printing it: that fixes which base types are already defined and
        // the names (x___2 ...) the base header gave them, exactly as if the base header had just been printed.
        if (spec.Base is not null)
        {
            session.MarkReferencesFrom(TypesInRange(spec, 1, firstLocal));
            session.Output.Output = TextWriter.Null;
            for (uint id = 1; id < firstLocal; id++) session.Dump(id);
            session.Output.Output = output;
        }

        session.MarkReferencesFrom(spec.LocalTypes);
        string guard = options.IncludeGuard ?? (spec.Base is null ? DefaultGuard : ModuleGuard(spec));
        WriteProlog(output, guard, options);
        for (uint id = firstLocal; id < spec.TypeCount; id++) session.Dump(id);
        WriteEpilog(output, guard, options);
        return session;
    }

    /// <summary>
    /// Only <paramref name="rootIds"/> and everything their definitions need (types they embed by value get full
    /// definitions, types they only point to get forward declarations). A standalone header, also for split BTF.
    /// </summary>
    public static void WriteTypes(BtfSpec spec, IEnumerable<uint> rootIds, TextWriter output, CHeaderOptions? options = null) =>
        WriteSome(spec, rootIds, output, options);

    internal static CDumpSession WriteSome(BtfSpec spec, IEnumerable<uint> rootIds, TextWriter output, CHeaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(rootIds);
        ArgumentNullException.ThrowIfNull(output);
        options ??= CHeaderOptions.Default;
        var roots = rootIds.ToList();
        foreach (uint id in roots) CheckId(spec, id);

        var session = new CDumpSession(spec, output, options);
        session.MarkReferencesFrom(spec.AllTypes);
        string guard = options.IncludeGuard ?? DefaultGuard;
        WriteProlog(output, guard, options);
        foreach (uint id in roots) session.Dump(id);
        WriteEpilog(output, guard, options);
        return session;
    }

    /// <summary>The header for the whole BTF as a string (see <see cref="Write"/>).</summary>
    public static string ToText(BtfSpec spec, CHeaderOptions? options = null)
    {
        var sw = new StringWriter { NewLine = "\n" };
        Write(spec, sw, options);
        return sw.ToString();
    }

    /// <summary>The header for some types and their dependencies as a string (see <see cref="WriteTypes"/>).</summary>
    public static string TypesToText(BtfSpec spec, IEnumerable<uint> rootIds, CHeaderOptions? options = null)
    {
        var sw = new StringWriter { NewLine = "\n" };
        WriteTypes(spec, rootIds, sw, options);
        return sw.ToString();
    }

    /// <summary>
    /// The C declaration of one type alone, for display: a struct/union/enum with its body (anonymous members
    /// inline), a typedef, a forward declaration, a function's prototype or a variable, ending in ';'. Nothing
    /// it depends on is included and names are not made unique against other types.
    /// </summary>
    public static string Declaration(BtfSpec spec, uint typeId, CHeaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        CheckId(spec, typeId);
        if (typeId == 0) throw new ArgumentException("type ID 0 is void, which has no declaration", nameof(typeId));
        var t = spec[typeId];
        var sw = new StringWriter { NewLine = "\n" };
        var session = new CDumpSession(spec, sw, options ?? CHeaderOptions.Default);
        var w = session.Writer;
        switch (t.Kind)
        {
            case BtfKind.Struct or BtfKind.Union: w.WriteStructDefinition(t, 0); break;
            case BtfKind.Enum or BtfKind.Enum64: w.WriteEnumDefinition(t, 0); break;
            case BtfKind.Typedef: w.WriteTypedefDefinition(t, 0); break;
            case BtfKind.Fwd: w.WriteForward(t); break;
            case BtfKind.Func or BtfKind.Var:
                var linkage = t.Linkage;
                if (linkage == BtfLinkage.Static) sw.Write("static ");
                else if (linkage == BtfLinkage.Extern) sw.Write("extern ");
                w.Declarator.WriteDeclaration(t.TypeId, t.Name, 0);
                break;
            default:
                throw new ArgumentException(
                    $"type {t} has no declaration of its own: only structs, unions, enums, typedefs, " +
                    "forward declarations, functions and variables have a declaration of their own", nameof(typeId));
        }
        sw.Write(';');
        return sw.ToString();
    }

    private static void CheckId(BtfSpec spec, uint id)
    {
        if (id >= spec.TypeCount)
            throw new BtfLookupException($"no type ID {id} in {spec.Source ?? "this BTF"}: IDs run from 1 to {spec.TypeCount - 1}");
    }

    private static IEnumerable<BtfType> TypesInRange(BtfSpec spec, uint first, uint end)
    {
        for (uint id = first; id < end; id++) yield return spec[id];
    }

    /// <summary>A guard for a module's header that differs from vmlinux.h's: __SOURCE_NAME_H__.</summary>
    internal static string ModuleGuard(BtfSpec spec)
    {
        var sb = new StringBuilder("__");
        foreach (char c in spec.Source ?? "btf module")
            sb.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        sb.Append("_H__");
        return sb.ToString();
    }

    private static void WriteProlog(TextWriter o, string guard, CHeaderOptions options)
    {
        CheckIdentifier(guard);
        o.Write($"#ifndef {guard}\n#define {guard}\n\n");
        if (options.PreserveAccessIndex)
            o.Write("#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n#endif\n\n");
    }

    private static void WriteEpilog(TextWriter o, string guard, CHeaderOptions options)
    {
        if (options.PreserveAccessIndex)
            o.Write("#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n");
        o.Write($"#endif /* {guard} */\n");
    }

    private static void CheckIdentifier(string guard)
    {
        bool ok = guard.Length > 0 && !char.IsAsciiDigit(guard[0]) && guard.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        if (!ok) throw new ArgumentException($"'{guard}' is not a C identifier, so it cannot be an include guard", "options");
    }
}
