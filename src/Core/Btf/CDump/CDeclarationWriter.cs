namespace BtfNotebooks.Btf.CDump;

/// <summary>
/// C syntax for BTF types: struct/union/enum bodies, typedefs and forward declarations; the declarators inside
/// them (members, typedef targets) are <see cref="CDeclarator"/>'s, which calls back here for anonymous bodies.
/// Prints exactly what it is asked; deciding what to print and in which order is <see cref="CTypeEmitter"/>'s job.
/// </summary>
internal sealed class CDeclarationWriter
{
    private readonly BtfSpec _spec;
    private readonly CDumpNames _names;
    private readonly CCodeWriter _output;
    private readonly int _pointerSize;
    // Anonymous composites whose body is being printed: meeting one again means it contains itself.
    private readonly HashSet<uint> _inlineOpen = new();

    public CDeclarationWriter(BtfSpec spec, CDumpNames names, CCodeWriter output, CHeaderOptions options)
    {
        _spec = spec;
        _names = names;
        _output = output;
        _pointerSize = spec.PointerSize;
        Declarator = CDeclarator.ForHeader(spec, output, this, options.EmitTypeTags);
    }

    public CDumpNames Names => _names;

    /// <summary>Declarations of names with their types (member and typedef declarators, functions, variables).</summary>
    public CDeclarator Declarator { get; }

    // ---- struct / union ----

    public void WriteStructForward(BtfType t)
    {
        _output.Write(t.Kind == BtfKind.Union ? "union" : "struct");
        if (!t.IsAnonymous) { _output.Write(' '); _output.Write(_names.TagName(t)); }
    }

    public void WriteStructDefinition(BtfType t, int level)
    {
        if (t.IsAnonymous && !_inlineOpen.Add(t.Id))
            throw CDumpLimits.Cycle(_spec, t.Id, "an anonymous struct/union contains itself");
        try { WriteStructBody(t, level); }
        finally { if (t.IsAnonymous) _inlineOpen.Remove(t.Id); }
    }

    private void WriteStructBody(BtfType t, int level)
    {
        bool isStruct = t.Kind == BtfKind.Struct;
        int align = CStructLayout.AlignOf(_spec, t.Id);
        bool packed = CStructLayout.IsPacked(_spec, t);

        WriteStructForward(t);
        _output.Write(" {");

        long offset = 0;
        bool previousWasBitfield = false;
        foreach (var m in t.Members)
        {
            long memberOffset = m.BitOffset;
            long bits = m.BitfieldSize;
            int memberAlign = packed ? 1 : CStructLayout.AlignOf(_spec, m.TypeId);
            WritePadding(offset, memberOffset, memberAlign, previousWasBitfield && bits != 0, level + 1);

            _output.NewLine(level + 1);
            Declarator.WriteDeclaration(m.TypeId, m.Name, level + 1);
            if (bits != 0)
            {
                _output.Write(": ");
                _output.Write(bits);
                offset = memberOffset + bits;
                previousWasBitfield = true;
            }
            else
            {
                offset = memberOffset + Math.Max(0, CStructLayout.SizeOf(_spec, m.TypeId)) * 8;
                previousWasBitfield = false;
            }
            _output.Write(';');
        }

        // Trailing padding up to the BTF size.
        if (isStruct) WritePadding(offset, t.Size * 8L, align, false, level + 1);
        else WriteUnionPadding(t, packed, level + 1);

        // `struct empty {}` stays on one line.
        if (t.Vlen != 0 || t.Size != 0) _output.NewLine(level);
        _output.Write('}');
        if (packed) _output.Write(" __attribute__((packed))");
    }

    private void WritePadding(long from, long to, int nextAlign, bool inBitfield, int level)
    {
        if (from >= to) return;
        foreach (var pad in CStructLayout.Padding(_pointerSize, from, to, nextAlign, inBitfield))
        {
            _output.NewLine(level);
            _output.Write(pad.Type);
            _output.Write(": ");
            _output.Write(pad.Bits);
            _output.Write(';');
        }
    }

    private void WriteUnionPadding(BtfType union, bool packed, int level)
    {
        var pads = CStructLayout.UnionTailPadding(_spec, union, packed, _pointerSize);
        if (pads.Count == 0) return;
        bool wrap = pads.Count > 1;
        if (wrap)
        {
            _output.NewLine(level);
            _output.Write("struct {");
        }
        foreach (var pad in pads)
        {
            _output.NewLine(wrap ? level + 1 : level);
            _output.Write(pad.Type);
            _output.Write(": ");
            _output.Write(pad.Bits);
            _output.Write(';');
        }
        if (wrap)
        {
            _output.NewLine(level);
            _output.Write("};");
        }
    }

    // ---- enum ----

    public void WriteEnumForward(BtfType t)
    {
        _output.Write("enum ");
        _output.Write(_names.TagName(t));
    }

    public void WriteEnumDefinition(BtfType t, int level)
    {
        _output.Write("enum");
        if (!t.IsAnonymous) { _output.Write(' '); _output.Write(_names.TagName(t)); }
        if (t.Vlen == 0) return;

        _output.Write(" {");
        bool is64 = t.Kind == BtfKind.Enum64, signed = t.KindFlag;
        foreach (var v in t.EnumValues)
        {
            _output.NewLine(level + 1);
            _output.Write(_names.EnumeratorName(v.Name));
            _output.Write(" = ");
            if (is64)
            {
                // -9223372036854775808LL would be minus an out-of-range literal.
                if (signed && v.SignedValue == long.MinValue) _output.Write("-9223372036854775807LL - 1,");
                else if (signed) { _output.Write(v.SignedValue); _output.Write("LL,"); }
                else { _output.Write(v.UnsignedValue); _output.Write("ULL,"); }
            }
            else
            {
                if (signed) _output.Write((long)(int)(uint)v.RawValue);
                else _output.Write((ulong)(uint)v.RawValue);
                _output.Write(',');
            }
        }
        _output.NewLine(level);
        _output.Write('}');
        _output.Write(CEnumLayout.SizeAttribute(t, _pointerSize));
    }

    // ---- forward declarations and typedefs ----

    /// <summary>A BTF_KIND_FWD: <c>struct x</c> or <c>union x</c>.</summary>
    public void WriteForward(BtfType t)
    {
        _output.Write(t.IsUnionForward ? "union " : "struct ");
        _output.Write(_names.TagName(t));
    }

    public void WriteTypedefDefinition(BtfType t, int level)
    {
        string name = _names.TypedefName(t);
        // Old GCC emitted __gnuc_va_list as a typedef of void; that is what it really is.
        if (t.TypeId == 0 && name == "__gnuc_va_list")
        {
            _output.Write("typedef __builtin_va_list __gnuc_va_list");
            return;
        }
        _output.Write("typedef ");
        Declarator.WriteDeclaration(t.TypeId, name, level);
    }
}
