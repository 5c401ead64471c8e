using BtfNotebooks.Btf;
using BtfNotebooks.Btf.CDump;
using NUnit.Framework;

namespace BtfNotebooks.Tests.CDump;

/// <summary>The C text for each construct, on hand-made BTF (expected text as libbpf's btf_dump prints it).</summary>
[TestFixture]
public class CSyntaxTests
{
    // Common base types: IDs 1..5.
    private static BtfBuilder Base(out uint i32, out uint u32, out uint ch, out uint i64, out uint u8)
    {
        var b = new BtfBuilder();
        i32 = b.Int("int", 4, BtfIntEncoding.Signed);
        u32 = b.Int("unsigned int", 4);
        ch = b.Int("char", 1, BtfIntEncoding.Signed | BtfIntEncoding.Char);
        i64 = b.Int("long int", 8, BtfIntEncoding.Signed);
        u8 = b.Int("unsigned char", 1);
        return b;
    }

    private static BtfSpec Parse(BtfBuilder b) => BtfSpec.Parse(b.ToArray(), null, "tiny");

    private static string Body(BtfSpec spec, CHeaderOptions? options = null)
    {
        string h = CHeaderWriter.ToText(spec, options);
        const string open = "#endif\n\n";
        int start = h.IndexOf(open, StringComparison.Ordinal) + open.Length;
        return h[start..h.LastIndexOf("#ifndef BPF_NO_PRESERVE_ACCESS_INDEX", StringComparison.Ordinal)];
    }

    [Test]
    public void PrologAndEpilogAreBpftools()
    {
        var b = Base(out _, out _, out _, out _, out _);
        Assert.That(CHeaderWriter.ToText(Parse(b)), Is.EqualTo(
            "#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n" +
            "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n#endif\n\n" +
            "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n"));
        string custom = CHeaderWriter.ToText(Parse(b), new CHeaderOptions { IncludeGuard = "MY_H", PreserveAccessIndex = false });
        Assert.That(custom, Is.EqualTo("#ifndef MY_H\n#define MY_H\n\n#endif /* MY_H */\n"));
        Assert.Throws<ArgumentException>(() => CHeaderWriter.ToText(Parse(b), new CHeaderOptions { IncludeGuard = "no good" }));
    }

    [Test]
    public void BitfieldsAndPaddingPutMembersAtTheirBtfOffsets()
    {
        var b = Base(out var i32, out var u32, out var ch, out var i64, out _);
        b.Struct("flags", 16, ("a", u32, 0, 3), ("b", u32, 3, 5), ("c", u32, 32, 4), ("d", i64, 64, 0));
        b.Struct("gap", 12, ("a", ch, 0, 0), ("b", i32, 64, 0));
        b.Struct("tail", 32, ("x", i64, 0, 0));
        Assert.That(Body(Parse(b)), Is.EqualTo(
            "struct flags {\n\tunsigned int a: 3;\n\tunsigned int b: 5;\n\tint: 24;\n\tunsigned int c: 4;\n\tlong int d;\n};\n\n" +
            "struct gap {\n\tchar a;\n\tlong: 0;\n\tint b;\n};\n\n" +
            "struct tail {\n\tlong int x;\n\tlong: 64;\n\tlong: 64;\n\tlong: 64;\n};\n\n"));
    }

    [Test]
    public void PackedStructsAndUnionsGetThePackedAttribute()
    {
        var b = Base(out var i32, out _, out var ch, out var i64, out _);
        b.Struct("desc_ptr", 10, ("size", b.Int("short unsigned int", 2), 0, 0), ("address", i64, 16, 0));
        var bytes = b.Array(ch, i32, 18);
        b.Union("packed_union", 18, ("x", i64, 0, 0), ("raw", bytes, 0, 0));
        string text = Body(Parse(b));
        Assert.That(text, Does.Contain("struct desc_ptr {\n\tshort unsigned int size;\n\tlong int address;\n} __attribute__((packed));"));
        Assert.That(text, Does.Contain("union packed_union {\n\tlong int x;\n\tchar raw[18];\n} __attribute__((packed));"));
    }

    [Test]
    public void UnionLargerThanItsMembersIsPaddedToItsBtfSize()
    {
        var b = new BtfBuilder();
        var i32 = b.Int("int", 4, BtfIntEncoding.Signed);
        b.Int("long int", 4, BtfIntEncoding.Signed); // a 32-bit target
        var task = b.Struct("task", 4, ("x", i32, 0, 0));
        var ptr = b.Ptr(task);
        b.Union("md_ptr", 8, ("task", ptr, 0, 0));
        b.Union("big", 20, ("x", i32, 0, 0));
        string text = Body(Parse(b));
        Assert.That(text, Does.Contain("union md_ptr {\n\tstruct task *task;\n\tlong long: 64;\n};"));
        Assert.That(text, Does.Contain("union big {\n\tint x;\n\tstruct {\n\t\tlong: 32;\n\t\tlong: 32;\n\t\tlong: 32;\n\t\tlong: 32;\n\t\tlong: 32;\n\t};\n};"));
    }

    [Test]
    public void EnumsSignedUnsigned64BitAndOneByte()
    {
        var b = Base(out _, out _, out _, out _, out _);
        b.Enum("e_signed", 4, true, ("NEG", -5), ("POS", 7));
        b.Enum("e_unsigned", 4, false, ("BIG", unchecked((int)0xFFFFFFFF)));
        b.Enum64("e64", 8, false, ("HUGE", 0xFFFF_FFFF_0000_0001UL));
        b.Enum64("e64_signed", 8, true, ("MINUS", unchecked((ulong)-2L)));
        b.Enum("e_byte", 1, false, ("ONE", 1));
        b.Enum64("e64_small", 8, false, ("SMALL", 3));
        string text = Body(Parse(b));
        Assert.That(text, Does.Contain("enum e_signed {\n\tNEG = -5,\n\tPOS = 7,\n};"));
        Assert.That(text, Does.Contain("enum e_unsigned {\n\tBIG = 4294967295,\n};"));
        Assert.That(text, Does.Contain("enum e64 {\n\tHUGE = 18446744069414584321ULL,\n};"));
        Assert.That(text, Does.Contain("enum e64_signed {\n\tMINUS = -2LL,\n} __attribute__((mode(word)));"));
        Assert.That(text, Does.Contain("enum e_byte {\n\tONE = 1,\n} __attribute__((mode(byte)));"));
        Assert.That(text, Does.Contain("enum e64_small {\n\tSMALL = 3ULL,\n} __attribute__((mode(word)));"));
    }

    [Test]
    public void AnonymousEnumsAreTopLevelUnlessSomethingUsesThem()
    {
        var b = Base(out _, out _, out _, out _, out _);
        b.Enum("", 4, false, ("GLOBAL_CONST", 1));
        var inline = b.Enum("", 4, false, ("MODE_A", 0), ("MODE_B", 1));
        b.Struct("holder", 4, ("mode", inline, 0, 0));
        Assert.That(Body(Parse(b)), Is.EqualTo(
            "enum {\n\tGLOBAL_CONST = 1,\n};\n\n" +
            "struct holder {\n\tenum {\n\t\tMODE_A = 0,\n\t\tMODE_B = 1,\n\t} mode;\n};\n\n"));
    }

    [Test]
    public void DuplicateNamesGetLibbpfSuffixes()
    {
        var b = Base(out var i32, out _, out _, out var i64, out _);
        b.Struct("dup", 4, ("a", i32, 0, 0));
        b.Struct("dup", 8, ("b", i64, 0, 0));
        b.Enum("first", 4, false, ("SAME", 1));
        b.Enum("second", 4, false, ("SAME", 2));
        b.Typedef("SAME", i32);
        string text = Body(Parse(b));
        Assert.That(text, Does.Contain("struct dup {\n\tint a;\n};"));
        Assert.That(text, Does.Contain("struct dup___2 {\n\tlong int b;\n};"));
        Assert.That(text, Does.Contain("\tSAME = 1,"));
        Assert.That(text, Does.Contain("\tSAME___2 = 2,"));
        Assert.That(text, Does.Contain("typedef int SAME___3;"));
    }

    [Test]
    public void PointerCyclesGetForwardDeclarationsAndEmbeddedTypesComeFirst()
    {
        var b = Base(out var i32, out _, out _, out _, out _);
        uint a = b.NextId, pa = a + 1, bb = a + 2, pb = a + 3;
        b.Struct("a", 8, ("b", pb, 0, 0));
        b.Ptr(a);
        b.Struct("b", 16, ("a", pa, 0, 0), ("inner", bb + 2, 64, 0));
        b.Ptr(bb);
        b.Struct("inner", 4, ("x", i32, 0, 0));
        Assert.That(Body(Parse(b)), Is.EqualTo(
            "struct b;\n\n" +
            "struct a {\n\tstruct b *b;\n};\n\n" +
            "struct inner {\n\tint x;\n};\n\n" +
            "struct b {\n\tstruct a *a;\n\tstruct inner inner;\n};\n\n"));
    }

    [Test]
    public void DeclaratorsForPointersQualifiersArraysAndFunctionPointers()
    {
        var b = Base(out var i32, out var u32, out var ch, out var i64, out _);
        var cch = b.Const(ch);
        var pcch = b.Ptr(cch);
        var cvp = b.Const(b.Volatile(pcch));             // const char * volatile const
        var matrix = b.Array(b.Array(i32, u32, 4), u32, 3); // int m[3][4]
        var flex = b.Array(ch, u32, 0);
        var cb = b.Ptr(b.FuncProto(i32, ("", b.Ptr(0)), ("", i64)));
        var noArgs = b.Ptr(b.FuncProto(0));
        var varargs = b.Ptr(b.FuncProto(i32, ("fmt", pcch), ("", 0)));
        var ptrToArray = b.Ptr(b.Array(i32, u32, 8));
        var arrayOfFn = b.Array(cb, u32, 2);
        var restrictPtr = b.Restrict(b.Ptr(i32));
        b.Struct("decls", 120,
            ("p", cvp, 0, 0), ("m", matrix, 64, 0), ("cb", cb, 448, 0), ("none", noArgs, 512, 0),
            ("log", varargs, 576, 0), ("pa", ptrToArray, 640, 0), ("fns", arrayOfFn, 704, 0),
            ("r", restrictPtr, 832, 0), ("pp", b.Ptr(b.Ptr(0)), 896, 0), ("data", flex, 960, 0));
        Assert.That(Body(Parse(b)), Is.EqualTo(
            "struct decls {\n" +
            "\tconst char * volatile const p;\n" +
            "\tint m[3][4];\n" +
            "\tint (*cb)(void *, long int);\n" +
            "\tvoid (*none)(void);\n" +
            "\tint (*log)(const char *fmt, ...);\n" +
            "\tint (*pa)[8];\n" +
            "\tint (*fns[2])(void *, long int);\n" +
            "\tint * restrict r;\n" +
            "\tvoid **pp;\n" +
            "\tchar data[0];\n" +
            "};\n\n"));
    }

    [Test]
    public void AnonymousStructsAndUnionsAreInlined()
    {
        var b = Base(out var i32, out _, out _, out var i64, out _);
        var inner = b.Struct("", 8, ("lo", i32, 0, 0), ("hi", i32, 32, 0));
        var u = b.Union("", 8, ("", inner, 0, 0), ("all", i64, 0, 0));
        b.Struct("outer", 8, ("", u, 0, 0));
        Assert.That(Body(Parse(b)), Is.EqualTo(
            "struct outer {\n\tunion {\n\t\tstruct {\n\t\t\tint lo;\n\t\t\tint hi;\n\t\t};\n\t\tlong int all;\n\t};\n};\n\n"));
    }

    [Test]
    public void TypedefsIncludingFunctionTypesAndTypedefsOfPointers()
    {
        var b = Base(out var i32, out _, out _, out _, out _);
        var s = b.Struct("node", 8, ("next", b.NextId + 1, 0, 0));
        b.Ptr(b.NextId + 1);
        var t = b.Typedef("node_t", s);
        b.Typedef("handler_t", b.Ptr(b.FuncProto(i32, ("", b.Ptr(t)))));
        // node_t is needed inside struct node, which is still being defined: libbpf declares the struct ahead.
        Assert.That(Body(Parse(b)), Is.EqualTo(
            "struct node;\n\n" +
            "typedef struct node node_t;\n\n" +
            "struct node {\n\tnode_t *next;\n};\n\n" +
            "typedef int (*handler_t)(node_t *);\n\n"));
    }

    [Test]
    public void FunctionsVariablesSectionsAndDeclTagsAreNotPrinted()
    {
        var b = Base(out var i32, out _, out _, out _, out _);
        var f = b.Func("my_func", b.FuncProto(i32, ("x", i32)));
        var v = b.Var("my_var", i32);
        b.Datasec(".data", 4, (v, 0, 4));
        b.DeclTag("tag", f);
        Assert.That(Body(Parse(b)), Is.Empty);
    }

    [Test]
    public void TypeTagsOnlyWhenAsked()
    {
        var b = Base(out var i32, out _, out _, out _, out _);
        var user = b.Ptr(b.TypeTag("user", i32));
        var percpu = b.Ptr(b.AddRaw(BtfKind.TypeTag, "address_space(1)", 0, kindFlag: true, i32));
        b.Struct("tagged", 16, ("u", user, 0, 0), ("p", percpu, 64, 0));
        Assert.That(Body(Parse(b)), Does.Contain("\tint *u;\n\tint *p;\n"));
        Assert.That(Body(Parse(b), new CHeaderOptions { EmitTypeTags = true }), Does.Contain(
            "\tint __attribute__((btf_type_tag(\"user\"))) *u;\n\tint __attribute__((address_space(1))) *p;\n"));
    }

    [Test]
    public void WriteTypesPrintsOnlyTheRootsAndWhatTheyNeed()
    {
        var b = Base(out var i32, out _, out _, out _, out _);
        var unrelated = b.Struct("unrelated", 4, ("x", i32, 0, 0));
        var embedded = b.Struct("embedded", 4, ("x", i32, 0, 0));
        var pointed = b.Struct("pointed", 4, ("x", i32, 0, 0));
        var root = b.Struct("root", 16, ("e", embedded, 0, 0), ("p", b.Ptr(pointed), 64, 0));
        var spec = Parse(b);
        string text = CHeaderWriter.TypesToText(spec, [root]);
        Assert.That(text, Does.Contain("struct embedded {\n\tint x;\n};\n\nstruct pointed;\n\nstruct root {"));
        Assert.That(text, Does.Not.Contain("unrelated"));
        Assert.That(text, Does.Not.Contain("struct pointed {"));
        Assert.That(unrelated, Is.Not.Zero);
    }

    [Test]
    public void DeclarationShowsOneTypeAlone()
    {
        var b = Base(out var i32, out _, out var ch, out _, out _);
        var s = b.Struct("point", 8, ("x", i32, 0, 0), ("y", i32, 32, 0));
        var t = b.Typedef("point_t", s);
        var e = b.Enum("color", 4, false, ("RED", 0));
        var f = b.Func("draw", b.FuncProto(i32, ("p", b.Ptr(t)), ("name", b.Ptr(b.Const(ch)))));
        var fwd = b.Fwd("opaque", union: true);
        var spec = Parse(b);
        Assert.That(CHeaderWriter.Declaration(spec, s), Is.EqualTo("struct point {\n\tint x;\n\tint y;\n};"));
        Assert.That(CHeaderWriter.Declaration(spec, t), Is.EqualTo("typedef struct point point_t;"));
        Assert.That(CHeaderWriter.Declaration(spec, e), Is.EqualTo("enum color {\n\tRED = 0,\n};"));
        Assert.That(CHeaderWriter.Declaration(spec, f), Is.EqualTo("int draw(point_t *p, const char *name);"));
        Assert.That(CHeaderWriter.Declaration(spec, fwd), Is.EqualTo("union opaque;"));
        var ex = Assert.Throws<ArgumentException>(() => CHeaderWriter.Declaration(spec, i32));
        Assert.That(ex!.Message, Does.Contain("[1]"));
    }
}
