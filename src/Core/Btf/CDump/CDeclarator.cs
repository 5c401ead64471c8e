namespace BtfNotebooks.Btf.CDump;

/// <summary>
/// The one piece of code that turns a type plus a declared name into C: the inside-out syntax of pointers,
/// qualifiers, arrays and function prototypes around a name ("char comm[16]", "void (*func)(struct callback_head *)",
/// "const struct cred *"). It spells in one of two ways:
/// <list type="bullet">
/// <item><b>header</b> (<see cref="ForHeader"/>, the C header dump): libbpf's btf_dump exactly ("char * const p",
/// qualifiers of arrays and prototypes dropped, parameters named, a lone void parameter is "(void)");
/// anonymous structs, unions and enums are printed in full by the <see cref="CDeclarationWriter"/>, names are the
/// unique ones of <see cref="CDumpNames"/>, and type tags are printed when the options ask for them;</item>
/// <item><b>plain</b> (<see cref="ToPlainC"/>, the pahole-style layout): types are named, never defined
/// (anonymous ones read "struct {...}"), with their BTF names; parameters are unnamed; qualifiers of anything but
/// a pointer go in front of the whole declaration ("const volatile int", "const char (*)[4]"), those of a pointer
/// right after its '*' ("char *const p"); type tags, annotations for the verifier, are skipped.</item>
/// </list>
/// The two also space unnamed declarators differently: plain "char (*)[4]" and "void (int)" are libbpf's
/// "char(*)[4]" and "void(int)".
/// </summary>
internal sealed class CDeclarator
{
    // Plain spelling: deeper than any real declarator (counting the parameters of nested prototypes); a longer
    // chain is a reference cycle in a malformed blob.
    private const int PlainMaxDepth = 64;

    private readonly BtfSpec _spec;
    private readonly CCodeWriter _output;
    // Prints anonymous bodies and unique names (header spelling); null for the plain spelling.
    private readonly CDeclarationWriter? _bodies;
    private readonly bool _emitTypeTags;
    // One stack shared by all (nested) declarators; each declaration works on its own top segment. Each entry is a
    // type of the chain from the declared type down to the one that names it, and its depth (plain spelling).
    private readonly List<Link> _stack = new();
    private int _nesting;

    private CDeclarator(BtfSpec spec, CCodeWriter output, CDeclarationWriter? bodies, bool emitTypeTags)
    {
        _spec = spec;
        _output = output;
        _bodies = bodies;
        _emitTypeTags = emitTypeTags;
    }

    private readonly record struct Link(uint Id, int Depth);

    /// <summary>What was written last, which decides the space before what follows.</summary>
    private enum Last : byte
    {
        /// <summary>Nothing yet, or '(': "(*p)".</summary>
        Open,
        /// <summary>'*': "**p".</summary>
        Star,
        /// <summary>A type name (or a type tag's attribute): "int *p".</summary>
        Word,
        /// <summary>The qualifier of a pointer: "char *const p".</summary>
        Qualifier,
    }

    /// <summary>What an unnamed declarator ends in (only plain C may put a space before it).</summary>
    private enum Suffix : byte { None, Array, Parameters }

    private bool Plain => _bodies is null;

    /// <summary>The header dump's declarator: libbpf's spelling, anonymous bodies printed by <paramref name="bodies"/>.</summary>
    public static CDeclarator ForHeader(BtfSpec spec, CCodeWriter output, CDeclarationWriter bodies, bool emitTypeTags) =>
        new(spec, output, bodies, emitTypeTags);

    /// <summary>
    /// The plain C declaration of <paramref name="name"/> with type <paramref name="typeId"/>, or with an empty
    /// name the type alone: "int", "char[16]", "const struct cred *", "char *const", "char (*)[4]",
    /// "void (*)(struct callback_head *)", "struct {...}".
    /// </summary>
    public static string ToPlainC(BtfSpec spec, uint typeId, string name)
    {
        var text = new StringWriter();
        new CDeclarator(spec, new CCodeWriter(text), null, emitTypeTags: false).Declare(typeId, name, level: 0, depth: 0);
        return text.ToString();
    }

    /// <summary>The plain C name of a type that ends a declarator: "int", "struct list_head", "union {...}", "u32".</summary>
    public static string PlainTypeName(BtfType t)
    {
        if (t.IsVoid) return "void";
        return t.Kind switch
        {
            BtfKind.Struct => t.IsAnonymous ? "struct {...}" : "struct " + t.Name,
            BtfKind.Union => t.IsAnonymous ? "union {...}" : "union " + t.Name,
            BtfKind.Enum or BtfKind.Enum64 => t.IsAnonymous ? "enum {...}" : "enum " + t.Name,
            BtfKind.Fwd => (t.IsUnionForward ? "union " : "struct ") + t.Name,
            BtfKind.Int or BtfKind.Float or BtfKind.Typedef or BtfKind.Func or BtfKind.Var or BtfKind.Datasec
                => t.IsAnonymous ? $"<anonymous {t.Kind.ToBpftoolName()}>" : t.Name,
            _ => $"<{t.Kind.ToBpftoolName()} [{t.Id}]>",
        };
    }

    /// <summary>
    /// Declares <paramref name="name"/> (may be empty) of type <paramref name="typeId"/>: collects the chain of
    /// pointers/qualifiers/arrays/prototypes down to a named type (or an anonymous struct/enum, printed inline),
    /// then prints it inside out. <paramref name="level"/> is the indentation of inline bodies.
    /// </summary>
    public void WriteDeclaration(uint typeId, string name, int level) => Declare(typeId, name, level, depth: 0);

    private void Declare(uint typeId, string name, int level, int depth)
    {
        if (_nesting >= CDumpLimits.MaxInlineNesting)
            throw CDumpLimits.TooDeep(_spec, typeId, "a declaration");
        _nesting++;
        int start = _stack.Count;
        try
        {
            CollectChain(typeId, depth);
            if (Plain) HoistQualifiers(start);
            int count = _stack.Count - start;
            WriteChain(start, ref count, name, level, Last.Open);
        }
        finally
        {
            _stack.RemoveRange(start, _stack.Count - start);
            _nesting--;
        }
    }

    // Pushes the chain from the declared type down to the type that names it (or void).
    private void CollectChain(uint typeId, int depth)
    {
        uint id = typeId;
        for (int steps = 0; ; steps++)
        {
            if (Plain && depth + steps > PlainMaxDepth)
                throw new BtfFormatException($"type reference chain longer than {PlainMaxDepth} (a reference cycle?)", typeId: id, source: _spec.Source);
            if (!Plain && steps > CDumpLimits.MaxDeclaratorChain)
                throw CDumpLimits.Cycle(_spec, typeId, $"its declarator chain is longer than {CDumpLimits.MaxDeclaratorChain} types (a reference cycle?)");
            var t = _spec[id];
            if (t.IsVoid)
            {
                _stack.Add(new Link(0, depth + steps));
                return;
            }
            if (t.Kind != BtfKind.TypeTag || _emitTypeTags) _stack.Add(new Link(id, depth + steps));
            switch (t.Kind)
            {
                case BtfKind.Ptr or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.FuncProto or BtfKind.TypeTag:
                    id = t.TypeId;
                    break;
                case BtfKind.Array:
                    id = t.ArrayElementTypeId;
                    break;
                default:
                    // INT, FLOAT, ENUM, ENUM64, FWD, STRUCT, UNION, TYPEDEF end the chain (so would anything else).
                    return;
            }
        }
    }

    // Plain C: every qualifier that does not qualify a pointer is written now, in front of the whole declaration
    // and outermost first, and leaves the chain; those right above a pointer stay to follow its '*'.
    private void HoistQualifiers(int start)
    {
        int kept = start;
        for (int i = start; i < _stack.Count; i++)
        {
            var link = _stack[i];
            if (Qualifier(link.Id) is { } qualifier && !IsKind(i + 1, BtfKind.Ptr))
            {
                _output.Write(qualifier);
                _output.Write(' ');
            }
            else _stack[kept++] = link;
        }
        _stack.RemoveRange(kept, _stack.Count - kept);
    }

    // Prints the chain _stack[start .. start+count) from the top (the innermost, named type) down; recursion
    // handles the parts that wrap the rest (arrays and function prototypes).
    private void WriteChain(int start, ref int count, string name, int level, Last last)
    {
        while (count > 0)
        {
            var link = _stack[start + --count];
            if (link.Id == 0)
            {
                WriteQualifiers(start, ref count);
                _output.Write("void");
                last = Last.Word;
                continue;
            }
            var t = _spec[link.Id];
            switch (t.Kind)
            {
                case BtfKind.Ptr:
                    // Pointers bind to the name: `int **p`, and a pointer right after `(` needs no space: `(*f)`.
                    _output.Write(last is Last.Word or Last.Qualifier ? " *" : "*");
                    last = Last.Star;
                    break;
                case BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict:
                    // What is left of them here qualifies a pointer: libbpf's "char * const p", plain "char *const p".
                    if (!Plain) _output.Write(' ');
                    _output.Write(Qualifier(link.Id)!);
                    last = Last.Qualifier;
                    break;
                case BtfKind.TypeTag:
                    WriteQualifiers(start, ref count);
                    _output.Write(t.KindFlag ? $" __attribute__(({t.Name}))" : $" __attribute__((btf_type_tag(\"{t.Name}\")))");
                    last = Last.Word;
                    break;
                case BtfKind.Array:
                {
                    // Qualifiers on an array (GCC copies the element's) mean nothing in C: drop them.
                    DropQualifiers(start, ref count);
                    // A pointer to it (libbpf: anything but an array) wraps it: `(*p)[4]`; `m[3][4]` needs none.
                    bool wrapped = count != 0 && (Plain ? IsKind(start + count - 1, BtfKind.Ptr) : !IsKind(start + count - 1, BtfKind.Array));
                    bool space = (Plain || name.Length != 0) && last is Last.Word or Last.Qualifier;
                    WriteInside(start, ref count, name, level, last, Suffix.Array, wrapped, space);
                    WriteArrayLength(t);
                    return;
                }
                case BtfKind.FuncProto:
                {
                    // GCC marks noreturn function pointers volatile; meaningless here, so dropped.
                    DropQualifiers(start, ref count);
                    // A pointer to it wraps it: `(*f)(int)` (libbpf wraps anything, always after a space).
                    bool wrapped = count != 0 && (!Plain || IsKind(start + count - 1, BtfKind.Ptr));
                    bool space = !Plain || last is Last.Word or Last.Qualifier;
                    WriteInside(start, ref count, name, level, last, Suffix.Parameters, wrapped, space);
                    WriteParameters(t, level, link.Depth);
                    return;
                }
                default:
                    // FUNC, VAR, DATASEC, DECL_TAG never appear inside a type: libbpf prints what is left, plain
                    // C names them like the types that end a chain (INT, FLOAT, STRUCT, UNION, ENUM, FWD, TYPEDEF).
                    if (!Plain && !EndsChain(t.Kind)) return;
                    WriteQualifiers(start, ref count);
                    WriteTypeName(t, level);
                    last = Last.Word;
                    break;
            }
        }
        WriteName(name, last, Suffix.None);
    }

    // What an array's length or a prototype's parameters follow: the name, or the rest of the chain, in
    // parentheses (after a space if asked) when that wraps the array or prototype.
    private void WriteInside(int start, ref int count, string name, int level, Last last, Suffix suffix, bool wrapped, bool space)
    {
        if (count == 0) WriteName(name, last, suffix);
        else if (wrapped)
        {
            if (space) _output.Write(' ');
            _output.Write('(');
            WriteChain(start, ref count, name, level, Last.Open);
            _output.Write(')');
        }
        else WriteChain(start, ref count, name, level, last);
    }

    private static bool EndsChain(BtfKind kind) =>
        kind is BtfKind.Int or BtfKind.Float or BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Enum64
            or BtfKind.Fwd or BtfKind.Typedef;

    // A struct/union/enum by name, or an anonymous one in full (the header); plain C names everything.
    private void WriteTypeName(BtfType t, int level)
    {
        if (_bodies is null)
        {
            _output.Write(PlainTypeName(t));
            return;
        }
        switch (t.Kind)
        {
            case BtfKind.Int or BtfKind.Float:
                _output.Write(t.Name);
                break;
            case BtfKind.Struct or BtfKind.Union:
                if (t.IsAnonymous) _bodies.WriteStructDefinition(t, level);
                else _bodies.WriteStructForward(t);
                break;
            case BtfKind.Enum or BtfKind.Enum64:
                if (t.IsAnonymous) _bodies.WriteEnumDefinition(t, level);
                else _bodies.WriteEnumForward(t);
                break;
            case BtfKind.Fwd:
                _bodies.WriteForward(t);
                break;
            case BtfKind.Typedef:
                _output.Write(_bodies.Names.TypedefName(t));
                break;
        }
    }

    private void WriteParameters(BtfType proto, int level, int depth)
    {
        _output.Write('(');
        var parameters = proto.Params;
        // No parameters, or clang's single void parameter: `(void)` (plain C reads that one as "...", see below).
        if (parameters.Count == 0 || (!Plain && parameters.Count == 1 && parameters[0].TypeId == 0))
        {
            _output.Write("void)");
            return;
        }
        for (int i = 0; i < parameters.Count; i++)
        {
            if (i > 0) _output.Write(", ");
            var p = parameters[i];
            // A trailing void parameter marks varargs.
            if (i == parameters.Count - 1 && p.TypeId == 0)
            {
                _output.Write("...");
                break;
            }
            Declare(p.TypeId, Plain ? "" : p.Name, level, depth + 1);
        }
        _output.Write(')');
    }

    private void WriteArrayLength(BtfType array)
    {
        _output.Write('[');
        _output.Write((ulong)array.ArrayLength);
        _output.Write(']');
    }

    // The declared name, after a space if it follows a word. Without a name, plain C still puts a space between
    // a word and the suffix that ends the declarator: "void (int)", "int *const [3]" (but "char[16]").
    private void WriteName(string name, Last last, Suffix suffix)
    {
        if (name.Length != 0)
        {
            if (last is Last.Word or Last.Qualifier) _output.Write(' ');
            _output.Write(name);
        }
        else if (Plain && ((last == Last.Qualifier && suffix != Suffix.None) || (last == Last.Word && suffix == Suffix.Parameters)))
            _output.Write(' ');
    }

    // Qualifiers that apply to a named type are printed before it: `const struct x`, `volatile int` (libbpf's order,
    // innermost first; plain C has hoisted them all already).
    private void WriteQualifiers(int start, ref int count)
    {
        while (count > 0 && Qualifier(_stack[start + count - 1].Id) is { } qualifier)
        {
            _output.Write(qualifier);
            _output.Write(' ');
            count--;
        }
    }

    private void DropQualifiers(int start, ref int count)
    {
        while (count > 0)
        {
            uint id = _stack[start + count - 1].Id;
            if (id == 0 || _spec[id].Kind is not (BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.TypeTag)) return;
            count--;
        }
    }

    private bool IsKind(int index, BtfKind kind)
    {
        uint id = _stack[index].Id;
        return id != 0 && _spec[id].Kind == kind;
    }

    private string? Qualifier(uint id) => id == 0 ? null : _spec[id].Kind switch
    {
        BtfKind.Const => "const",
        BtfKind.Volatile => "volatile",
        BtfKind.Restrict => "restrict",
        _ => null,
    };
}
