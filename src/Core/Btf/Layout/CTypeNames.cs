using System.Text;

namespace BtfNotebooks.Btf.Layout;

/// <summary>
/// C spelling of a BTF type, as a declaration of <c>declName</c> or as an abstract type name when no name is given:
/// "int", "char[16]", "const struct cred *", "char *const", "char (*)[4]", "void (*)(struct callback_head *)".
/// Only names a type: anonymous structs, unions and enums read "struct {...}", never their bodies. TYPE_TAGs are
/// skipped because they are annotations for the verifier, not part of the C type.
/// </summary>
public static class CTypeNames
{
    // Deeper than any real declarator; a longer chain is a reference cycle in a malformed blob.
    private const int MaxDepth = 64;

    /// <summary>The C declaration of <paramref name="declName"/> with type <paramref name="typeId"/>, or the type name alone.</summary>
    public static string Format(BtfSpec spec, uint typeId, string? declName = null) =>
        Declare(spec, typeId, declName ?? "", 0);

    public static string Format(BtfSpec spec, BtfType type, string? declName = null) => Format(spec, type.Id, declName);

    // C declarators read inside out: the declarator built so far is wrapped by each type constructor
    // (pointer prefixes '*', array and function suffixes) until a named base type is reached.
    private static string Declare(BtfSpec spec, uint id, string declarator, int depth)
    {
        if (depth > MaxDepth)
            throw new BtfFormatException($"type reference chain longer than {MaxDepth} (a reference cycle?)", typeId: id, source: spec.Source);
        var t = spec[id];
        if (t.IsVoid) return Join("void", declarator);
        switch (t.Kind)
        {
            case BtfKind.TypeTag:
                return Declare(spec, t.TypeId, declarator, depth + 1);

            case BtfKind.Ptr:
            {
                // '*' binds looser than '[]' and '()', so a pointer to an array or function needs parentheses.
                string pointer = "*" + declarator;
                var target = SkipQualifiers(spec, t.TypeId);
                if (!target.IsVoid && target.Kind is BtfKind.Array or BtfKind.FuncProto) pointer = "(" + pointer + ")";
                return Declare(spec, t.TypeId, pointer, depth + 1);
            }

            case BtfKind.Array:
                return Declare(spec, t.ArrayElementTypeId, declarator + "[" + t.ArrayLength + "]", depth + 1);

            case BtfKind.FuncProto:
                return Declare(spec, t.TypeId, declarator + "(" + Parameters(spec, t, depth) + ")", depth + 1);

            case BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict:
            {
                string qualifier = t.Kind switch { BtfKind.Const => "const", BtfKind.Volatile => "volatile", _ => "restrict" };
                var target = SkipTypeTags(spec, t.TypeId);
                // A qualified pointer is written after the '*' ("char *const p"); anything else before the base type.
                if (!target.IsVoid && target.Kind == BtfKind.Ptr)
                    return Declare(spec, t.TypeId, declarator.Length == 0 ? qualifier : qualifier + " " + declarator, depth + 1);
                return qualifier + " " + Declare(spec, t.TypeId, declarator, depth + 1);
            }

            default:
                return Join(BaseName(t), declarator);
        }
    }

    /// <summary>The name of a type that ends a declarator: "int", "struct list_head", "union {...}", "u32".</summary>
    public static string BaseName(BtfType t)
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

    private static string Parameters(BtfSpec spec, BtfType proto, int depth)
    {
        var parameters = proto.Params;
        if (parameters.Count == 0) return "void";
        var text = new StringBuilder();
        for (int i = 0; i < parameters.Count; i++)
        {
            if (i > 0) text.Append(", ");
            var p = parameters[i];
            // A final parameter of type void marks a variadic function.
            text.Append(p.TypeId == 0 && i == parameters.Count - 1 ? "..." : Declare(spec, p.TypeId, "", depth + 1));
        }
        return text.ToString();
    }

    private static BtfType SkipTypeTags(BtfSpec spec, uint id)
    {
        var t = spec[id];
        for (int i = 0; !t.IsVoid && t.Kind == BtfKind.TypeTag && i < MaxDepth; i++) t = spec[t.TypeId];
        return t;
    }

    private static BtfType SkipQualifiers(BtfSpec spec, uint id)
    {
        var t = spec[id];
        for (int i = 0; !t.IsVoid && t.Kind is BtfKind.TypeTag or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict && i < MaxDepth; i++)
            t = spec[t.TypeId];
        return t;
    }

    // "char" + "[16]" -> "char[16]"; "int" + "*p" -> "int *p"; "void" + "(*)(int)" -> "void (*)(int)".
    private static string Join(string baseName, string declarator) =>
        declarator.Length == 0 ? baseName
        : declarator[0] == '[' ? baseName + declarator
        : baseName + " " + declarator;
}
