using BtfNotebooks.Btf.CDump;

namespace BtfNotebooks.Btf.Layout;

/// <summary>
/// C spelling of a BTF type, as a declaration of <c>declName</c> or as an abstract type name when no name is given:
/// "int", "char[16]", "const struct cred *", "char *const", "char (*)[4]", "void (*)(struct callback_head *)".
/// Only names a type: anonymous structs, unions and enums read "struct {...}", never their bodies. TYPE_TAGs are
/// skipped because they are annotations for the verifier, not part of the C type. The spelling is the plain one
/// of the C header dump's declarator (<see cref="CDeclarator"/>).
/// </summary>
public static class CTypeNames
{
    /// <summary>The C declaration of <paramref name="declName"/> with type <paramref name="typeId"/>, or the type name alone.</summary>
    public static string Format(BtfSpec spec, uint typeId, string? declName = null) =>
        CDeclarator.ToPlainC(spec, typeId, declName ?? "");

    public static string Format(BtfSpec spec, BtfType type, string? declName = null) => Format(spec, type.Id, declName);

    /// <summary>The name of a type that ends a declarator: "int", "struct list_head", "union {...}", "u32".</summary>
    public static string BaseName(BtfType t) => CDeclarator.PlainTypeName(t);
}
