namespace BtfNotebooks.Btf.CDump;

/// <summary>
/// Prints the top-level C declarations for types handed over in dependency order: the definition itself, and
/// before it the forward declarations its members need (`struct x;` for a struct only used through a pointer,
/// or one that is being defined further up the stack). libbpf's btf_dump_emit_type.
/// </summary>
internal sealed class CTypeEmitter(BtfSpec spec, CDeclarationWriter writer, CCodeWriter output)
{
    private enum State : byte { NotEmitted, Emitting, Emitted }

    private readonly State[] _state = InitialState(spec);
    private readonly bool[] _forwardDeclared = new bool[spec.TypeCount];

    private static State[] InitialState(BtfSpec spec)
    {
        var s = new State[spec.TypeCount];
        s[0] = State.Emitted; // void
        return s;
    }

    /// <summary>Prints a top-level type (and the forward declarations it needs) unless already printed.</summary>
    public void EmitTopLevel(uint id) => Emit(id, 0, 0);

    // containerId: the named struct/union whose definition is being prepared (0 at top level); referring to it
    // from inside needs no forward declaration.
    private void Emit(uint id, uint containerId, int depth)
    {
        if (_state[id] == State.Emitted) return;
        if (depth > CDumpLimits.MaxDependencyDepth) throw CDumpLimits.TooDeep(spec, id, "the chain of types it uses");
        var t = spec[id];
        bool topLevel = containerId == 0;

        if (_state[id] == State.Emitting)
        {
            EmitForwardWhileEmitting(id, t, containerId);
            return;
        }

        switch (t.Kind)
        {
            case BtfKind.Int:
                EmitMissingAlias(t);
                _state[id] = State.Emitted;
                break;

            case BtfKind.Enum or BtfKind.Enum64:
                // Anonymous enums that are referenced are printed inline by their user instead.
                if (topLevel) EndDeclaration(() => writer.WriteEnumDefinition(t, 0));
                _state[id] = State.Emitted;
                break;

            case BtfKind.Ptr or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag:
                Emit(t.TypeId, containerId, depth + 1);
                break;

            case BtfKind.Array:
                Emit(t.ArrayElementTypeId, containerId, depth + 1);
                break;

            case BtfKind.Fwd:
                EndDeclaration(() => writer.WriteForward(t));
                _state[id] = State.Emitted;
                break;

            case BtfKind.Typedef:
                _state[id] = State.Emitting;
                Emit(t.TypeId, id, depth + 1);
                // The target may have needed this typedef through a pointer and printed it already.
                if (!_forwardDeclared[id] && !IsCompilerBuiltin(t))
                    EndDeclaration(() => writer.WriteTypedefDefinition(t, 0));
                _state[id] = State.Emitted;
                break;

            case BtfKind.Struct or BtfKind.Union:
                _state[id] = State.Emitting;
                if (topLevel || t.IsAnonymous)
                {
                    // Its members will be printed in full: make sure what they name is declared. Inside an
                    // anonymous (inline) member the enclosing named struct is still the container.
                    uint memberContainer = t.IsAnonymous ? containerId : id;
                    foreach (var m in t.Members) Emit(m.TypeId, memberContainer, depth + 1);
                }
                else if (!_forwardDeclared[id] && id != containerId)
                {
                    EndDeclaration(() => writer.WriteStructForward(t));
                    _forwardDeclared[id] = true;
                }

                if (topLevel)
                {
                    EndDeclaration(() => writer.WriteStructDefinition(t, 0));
                    _state[id] = State.Emitted;
                }
                else _state[id] = State.NotEmitted;
                break;

            case BtfKind.FuncProto:
                Emit(t.TypeId, containerId, depth + 1);
                foreach (var p in t.Params) Emit(p.TypeId, containerId, depth + 1);
                break;
        }
    }

    // A type met again while its own definition is being prepared: a pointer cycle. Declare it ahead.
    private void EmitForwardWhileEmitting(uint id, BtfType t, uint containerId)
    {
        if (_forwardDeclared[id]) return;
        switch (t.Kind)
        {
            case BtfKind.Struct or BtfKind.Union:
                // From inside its own definition it needs no forward declaration.
                if (id == containerId || t.IsAnonymous) return;
                EndDeclaration(() => writer.WriteStructForward(t));
                _forwardDeclared[id] = true;
                break;
            case BtfKind.Typedef:
                // A typedef is its own forward declaration (usable through pointers), so print it now.
                if (!IsCompilerBuiltin(t)) EndDeclaration(() => writer.WriteTypedefDefinition(t, 0));
                _forwardDeclared[id] = true;
                break;
        }
    }

    private void EndDeclaration(Action print)
    {
        print();
        output.Write(";\n\n");
    }

    // __builtin_va_list is built into every compiler; redefining it breaks compilation.
    private static bool IsCompilerBuiltin(BtfType t) => !t.IsAnonymous && t.Name == "__builtin_va_list";

    // GCC's internal names for Arm SIMD polynomial types appear as INTs; clang does not know them.
    private static readonly Dictionary<string, string> MissingBaseTypes = new(StringComparer.Ordinal)
    {
        ["__Poly8_t"] = "unsigned char",
        ["__Poly16_t"] = "unsigned short",
        ["__Poly64_t"] = "unsigned long long",
        ["__Poly128_t"] = "unsigned __int128",
    };

    private void EmitMissingAlias(BtfType t)
    {
        if (t.IsAnonymous || !MissingBaseTypes.TryGetValue(t.Name, out var alias)) return;
        output.Write($"typedef {alias} {writer.Names.TagName(t)};\n\n");
    }
}
