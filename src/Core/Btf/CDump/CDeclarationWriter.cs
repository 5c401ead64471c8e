namespace BtfNotebooks.Btf.CDump;

/// <summary>
/// C syntax for BTF types: struct/union/enum bodies, typedefs, forward declarations, and declarators (the
/// inside-out C syntax of pointers, arrays, function pointers and qualifiers around a name). Prints exactly
/// what it is asked; deciding what to print and in which order is <see cref="CTypeEmitter"/>'s job.
/// </summary>
internal sealed class CDeclarationWriter(BtfSpec spec, CTypeNames names, CCodeWriter output, CHeaderOptions options)
{
    private readonly int _pointerSize = spec.PointerSize;
    // One stack shared by all (nested) declarators; each WriteDeclaration works on its own top segment.
    private readonly List<uint> _stack = new();
    // Anonymous composites whose body is being printed: meeting one again means it contains itself.
    private readonly HashSet<uint> _inlineOpen = new();
    private int _nesting;

    public CTypeNames Names => names;

    // ---- struct / union ----

    public void WriteStructForward(BtfType t)
    {
        output.Write(t.Kind == BtfKind.Union ? "union" : "struct");
        if (!t.IsAnonymous) { output.Write(' '); output.Write(names.TagName(t)); }
    }

    public void WriteStructDefinition(BtfType t, int level)
    {
        if (t.IsAnonymous && !_inlineOpen.Add(t.Id))
            throw CDumpLimits.Cycle(spec, t.Id, "an anonymous struct/union contains itself");
        try { WriteStructBody(t, level); }
        finally { if (t.IsAnonymous) _inlineOpen.Remove(t.Id); }
    }

    private void WriteStructBody(BtfType t, int level)
    {
        bool isStruct = t.Kind == BtfKind.Struct;
        int align = CStructLayout.AlignOf(spec, t.Id);
        bool packed = CStructLayout.IsPacked(spec, t);

        WriteStructForward(t);
        output.Write(" {");

        long offset = 0;
        bool previousWasBitfield = false;
        foreach (var m in t.Members)
        {
            long memberOffset = m.BitOffset;
            long bits = m.BitfieldSize;
            int memberAlign = packed ? 1 : CStructLayout.AlignOf(spec, m.TypeId);
            WritePadding(offset, memberOffset, memberAlign, previousWasBitfield && bits != 0, level + 1);

            output.NewLine(level + 1);
            WriteDeclaration(m.TypeId, m.Name, level + 1);
            if (bits != 0)
            {
                output.Write(": ");
                output.Write(bits);
                offset = memberOffset + bits;
                previousWasBitfield = true;
            }
            else
            {
                offset = memberOffset + Math.Max(0, CStructLayout.SizeOf(spec, m.TypeId)) * 8;
                previousWasBitfield = false;
            }
            output.Write(';');
        }

        // Trailing padding up to the BTF size.
        if (isStruct) WritePadding(offset, t.Size * 8L, align, false, level + 1);
        else WriteUnionPadding(t, packed, level + 1);

        // `struct empty {}` stays on one line.
        if (t.Vlen != 0 || t.Size != 0) output.NewLine(level);
        output.Write('}');
        if (packed) output.Write(" __attribute__((packed))");
    }

    private void WritePadding(long from, long to, int nextAlign, bool inBitfield, int level)
    {
        if (from >= to) return;
        foreach (var pad in CStructLayout.Padding(_pointerSize, from, to, nextAlign, inBitfield))
        {
            output.NewLine(level);
            output.Write(pad.Type);
            output.Write(": ");
            output.Write(pad.Bits);
            output.Write(';');
        }
    }

    private void WriteUnionPadding(BtfType union, bool packed, int level)
    {
        var pads = CStructLayout.UnionTailPadding(spec, union, packed, _pointerSize);
        if (pads.Count == 0) return;
        bool wrap = pads.Count > 1;
        if (wrap)
        {
            output.NewLine(level);
            output.Write("struct {");
        }
        foreach (var pad in pads)
        {
            output.NewLine(wrap ? level + 1 : level);
            output.Write(pad.Type);
            output.Write(": ");
            output.Write(pad.Bits);
            output.Write(';');
        }
        if (wrap)
        {
            output.NewLine(level);
            output.Write("};");
        }
    }

    // ---- enum ----

    public void WriteEnumForward(BtfType t)
    {
        output.Write("enum ");
        output.Write(names.TagName(t));
    }

    public void WriteEnumDefinition(BtfType t, int level)
    {
        output.Write("enum");
        if (!t.IsAnonymous) { output.Write(' '); output.Write(names.TagName(t)); }
        if (t.Vlen == 0) return;

        output.Write(" {");
        bool is64 = t.Kind == BtfKind.Enum64, signed = t.KindFlag;
        foreach (var v in t.EnumValues)
        {
            output.NewLine(level + 1);
            output.Write(names.EnumeratorName(v.Name));
            output.Write(" = ");
            if (is64)
            {
                // -9223372036854775808LL would be minus an out-of-range literal.
                if (signed && v.SignedValue == long.MinValue) output.Write("-9223372036854775807LL - 1,");
                else if (signed) { output.Write(v.SignedValue); output.Write("LL,"); }
                else { output.Write(v.UnsignedValue); output.Write("ULL,"); }
            }
            else
            {
                if (signed) output.Write((long)(int)(uint)v.RawValue);
                else output.Write((ulong)(uint)v.RawValue);
                output.Write(',');
            }
        }
        output.NewLine(level);
        output.Write('}');
        output.Write(CEnumLayout.SizeAttribute(t, _pointerSize));
    }

    // ---- forward declarations and typedefs ----

    /// <summary>A BTF_KIND_FWD: <c>struct x</c> or <c>union x</c>.</summary>
    public void WriteForward(BtfType t)
    {
        output.Write(t.IsUnionForward ? "union " : "struct ");
        output.Write(names.TagName(t));
    }

    public void WriteTypedefDefinition(BtfType t, int level)
    {
        string name = names.TypedefName(t);
        // Old GCC emitted __gnuc_va_list as a typedef of void; that is what it really is.
        if (t.TypeId == 0 && name == "__gnuc_va_list")
        {
            output.Write("typedef __builtin_va_list __gnuc_va_list");
            return;
        }
        output.Write("typedef ");
        WriteDeclaration(t.TypeId, name, level);
    }

    // ---- declarators ----

    /// <summary>
    /// Declares <paramref name="name"/> (may be empty) of type <paramref name="typeId"/>: collects the chain of
    /// pointers/qualifiers/arrays/prototypes down to a named type (or an anonymous struct/enum, printed inline),
    /// then prints it inside out.
    /// </summary>
    public void WriteDeclaration(uint typeId, string name, int level)
    {
        if (_nesting >= CDumpLimits.MaxInlineNesting)
            throw CDumpLimits.TooDeep(spec, typeId, "a declaration");
        _nesting++;
        int start = _stack.Count;
        try
        {
            uint id = typeId;
            for (int steps = 0; ; steps++)
            {
                if (steps > CDumpLimits.MaxDeclaratorChain)
                    throw CDumpLimits.Cycle(spec, typeId, $"its declarator chain is longer than {CDumpLimits.MaxDeclaratorChain} types (a reference cycle?)");
                var t = spec[id];
                if (t.IsVoid) { _stack.Add(0); break; }
                if (t.Kind != BtfKind.TypeTag || options.EmitTypeTags) _stack.Add(id);
                bool done = false;
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
                        done = true;
                        break;
                }
                if (done) break;
            }
            int count = _stack.Count - start;
            WriteChain(start, ref count, name, level);
        }
        finally
        {
            _stack.RemoveRange(start, _stack.Count - start);
            _nesting--;
        }
    }

    // Prints the chain _stack[start .. start+count) from the top (the innermost, named type) down; recursion
    // handles the parts that wrap the rest in parentheses (arrays and function prototypes).
    private void WriteChain(int start, ref int count, string name, int level)
    {
        // Pointers bind to the name: `int **p`, and a pointer right after `(` needs no space: `(*f)`.
        bool lastWasPointer = true;
        while (count > 0)
        {
            uint id = _stack[start + --count];
            if (id == 0)
            {
                WriteQualifiers(start, ref count);
                output.Write("void");
                lastWasPointer = false;
                continue;
            }
            var t = spec[id];
            switch (t.Kind)
            {
                case BtfKind.Int or BtfKind.Float:
                    WriteQualifiers(start, ref count);
                    output.Write(t.Name);
                    break;
                case BtfKind.Struct or BtfKind.Union:
                    WriteQualifiers(start, ref count);
                    if (t.IsAnonymous) WriteStructDefinition(t, level);
                    else WriteStructForward(t);
                    break;
                case BtfKind.Enum or BtfKind.Enum64:
                    WriteQualifiers(start, ref count);
                    if (t.IsAnonymous) WriteEnumDefinition(t, level);
                    else WriteEnumForward(t);
                    break;
                case BtfKind.Fwd:
                    WriteQualifiers(start, ref count);
                    WriteForward(t);
                    break;
                case BtfKind.Typedef:
                    WriteQualifiers(start, ref count);
                    output.Write(names.TypedefName(t));
                    break;
                case BtfKind.Ptr:
                    output.Write(lastWasPointer ? "*" : " *");
                    break;
                case BtfKind.Volatile:
                    output.Write(" volatile");
                    break;
                case BtfKind.Const:
                    output.Write(" const");
                    break;
                case BtfKind.Restrict:
                    output.Write(" restrict");
                    break;
                case BtfKind.TypeTag:
                    WriteQualifiers(start, ref count);
                    output.Write(t.KindFlag ? $" __attribute__(({t.Name}))" : $" __attribute__((btf_type_tag(\"{t.Name}\")))");
                    break;
                case BtfKind.Array:
                {
                    // Qualifiers on an array (GCC copies the element's) mean nothing in C: drop them.
                    DropQualifiers(start, ref count);
                    if (count == 0)
                    {
                        WriteName(name, lastWasPointer);
                        WriteArrayLength(t);
                        return;
                    }
                    // Something wraps the array (a pointer to it, ...): `(*p)[4]`; nested arrays need no parentheses.
                    bool multiDimensional = spec[_stack[start + count - 1]].Kind == BtfKind.Array;
                    if (name.Length != 0 && !lastWasPointer) output.Write(' ');
                    if (!multiDimensional) output.Write('(');
                    WriteChain(start, ref count, name, level);
                    if (!multiDimensional) output.Write(')');
                    WriteArrayLength(t);
                    return;
                }
                case BtfKind.FuncProto:
                {
                    // GCC marks noreturn function pointers volatile; meaningless here, so dropped.
                    DropQualifiers(start, ref count);
                    if (count != 0)
                    {
                        output.Write(" (");
                        WriteChain(start, ref count, name, level);
                        output.Write(')');
                    }
                    else WriteName(name, lastWasPointer);
                    WriteParameters(t, level);
                    return;
                }
                default:
                    // FUNC, VAR, DATASEC, DECL_TAG never appear inside a type; print what is left.
                    return;
            }
            lastWasPointer = t.Kind == BtfKind.Ptr;
        }
        WriteName(name, lastWasPointer);
    }

    private void WriteParameters(BtfType proto, int level)
    {
        output.Write('(');
        var parameters = proto.Params;
        // No parameters, or clang's single void parameter: `(void)`.
        if (parameters.Count == 0 || (parameters.Count == 1 && parameters[0].TypeId == 0))
        {
            output.Write("void)");
            return;
        }
        for (int i = 0; i < parameters.Count; i++)
        {
            if (i > 0) output.Write(", ");
            var p = parameters[i];
            // A trailing void parameter marks varargs.
            if (i == parameters.Count - 1 && p.TypeId == 0)
            {
                output.Write("...");
                break;
            }
            WriteDeclaration(p.TypeId, p.Name, level);
        }
        output.Write(')');
    }

    private void WriteArrayLength(BtfType array)
    {
        output.Write('[');
        output.Write((ulong)array.ArrayLength);
        output.Write(']');
    }

    private void WriteName(string name, bool lastWasPointer)
    {
        if (name.Length == 0) return;
        if (!lastWasPointer) output.Write(' ');
        output.Write(name);
    }

    // Qualifiers that apply to a named type are printed before it: `const struct x`, `volatile int`.
    private void WriteQualifiers(int start, ref int count)
    {
        while (count > 0)
        {
            uint id = _stack[start + count - 1];
            if (id == 0) return;
            switch (spec[id].Kind)
            {
                case BtfKind.Volatile: output.Write("volatile "); break;
                case BtfKind.Const: output.Write("const "); break;
                case BtfKind.Restrict: output.Write("restrict "); break;
                default: return;
            }
            count--;
        }
    }

    private void DropQualifiers(int start, ref int count)
    {
        while (count > 0)
        {
            uint id = _stack[start + count - 1];
            if (id == 0 || spec[id].Kind is not (BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.TypeTag)) return;
            count--;
        }
    }
}
