using BtfNotebooks.Btf;
using BtfNotebooks.Btf.CDump;
using NUnit.Framework;

namespace BtfNotebooks.Tests.CDump;

/// <summary>Bad IDs and malformed BTF end in an exception naming the type, never a hang or a stack overflow.</summary>
[TestFixture]
public class MalformedInputTests
{
    private static BtfSpec Parse(BtfBuilder b) => BtfSpec.Parse(b.ToArray(), null, "tiny");

    [Test]
    public void UnknownTypeIdIsALookupErrorNamingTheId()
    {
        var b = new BtfBuilder();
        b.Int("int", 4, BtfIntEncoding.Signed);
        var spec = Parse(b);
        var ex = Assert.Throws<BtfLookupException>(() => CHeaderWriter.TypesToText(spec, [1, 4242]));
        Assert.That(ex!.Message, Does.Contain("4242"));
        ex = Assert.Throws<BtfLookupException>(() => CHeaderWriter.Declaration(spec, 77));
        Assert.That(ex!.Message, Does.Contain("77"));
        Assert.Throws<ArgumentException>(() => CHeaderWriter.Declaration(spec, 0));
    }

    [Test]
    public void StructsContainingEachOtherByValueAreAnErrorNamingTheType()
    {
        var b = new BtfBuilder();
        b.Struct("a", 4, ("b", 2, 0, 0));
        b.Struct("b", 4, ("a", 1, 0, 0));
        var ex = Assert.Throws<BtfFormatException>(() => CHeaderWriter.ToText(Parse(b)));
        Assert.That(ex!.TypeId, Is.EqualTo(1u));
        Assert.That(ex.Message, Does.Contain("struct a").And.Contain("contains itself by value"));
    }

    [Test]
    public void StructContainingItselfThroughAnArrayIsAnError()
    {
        var b = new BtfBuilder();
        var i32 = b.Int("int", 4, BtfIntEncoding.Signed);
        b.Struct("self", 8, ("x", i32, 0, 0), ("again", 3, 32, 0));
        b.Array(2, i32, 1);
        var ex = Assert.Throws<BtfFormatException>(() => CHeaderWriter.ToText(Parse(b)));
        Assert.That(ex!.TypeId, Is.EqualTo(2u));
    }

    [Test]
    public void PointerCyclesAreNormal()
    {
        var b = new BtfBuilder();
        b.Struct("list_head", 16, ("next", 2, 0, 0), ("prev", 2, 64, 0));
        b.Ptr(1);
        b.Int("long int", 8, BtfIntEncoding.Signed);
        Assert.That(CHeaderWriter.ToText(Parse(b)), Does.Contain("struct list_head {\n\tstruct list_head *next;\n\tstruct list_head *prev;\n};"));
    }

    [Test]
    public void ModifierCycleIsAnErrorNotAHang()
    {
        var b = new BtfBuilder();
        b.Const(2);
        b.Volatile(1);
        b.Struct("holder", 4, ("x", 1, 0, 0));
        var ex = Assert.Throws<BtfFormatException>(() => CHeaderWriter.ToText(Parse(b)));
        Assert.That(ex!.TypeId, Is.EqualTo(1u).Or.EqualTo(2u));
        Assert.That(ex.Message, Does.Contain("cycle"));
        Assert.Throws<BtfFormatException>(() => CHeaderWriter.Declaration(Parse(b), 3));
    }

    [Test]
    public void TypedefOfItselfIsAnError()
    {
        var b = new BtfBuilder();
        b.Typedef("loop_t", 1);
        var ex = Assert.Throws<BtfFormatException>(() => CHeaderWriter.ToText(Parse(b)));
        Assert.That(ex!.TypeId, Is.EqualTo(1u));
    }

    [Test]
    public void AnonymousStructContainingItselfIsAnError()
    {
        var b = new BtfBuilder();
        b.Struct("", 4, ("me", 1, 0, 0));
        b.Struct("named", 4, ("", 1, 0, 0));
        Assert.Throws<BtfFormatException>(() => CHeaderWriter.ToText(Parse(b)));
        Assert.Throws<BtfFormatException>(() => CHeaderWriter.Declaration(Parse(b), 2));
    }

    [Test]
    public void VeryDeepChainsEndInAnErrorNotAStackOverflow()
    {
        // 100 000 const modifiers, then 5 000 anonymous structs nested in one another.
        var b = new BtfBuilder();
        var i32 = b.Int("int", 4, BtfIntEncoding.Signed);
        uint chain = i32;
        for (int i = 0; i < 100_000; i++) chain = b.Const(chain);
        b.Struct("deep_chain", 4, ("x", chain, 0, 0));
        var spec = Parse(b);
        Assert.Throws<BtfFormatException>(() => CHeaderWriter.ToText(spec));
        Assert.Throws<BtfFormatException>(() => CHeaderWriter.Declaration(spec, spec.TypeCount - 1));

        var n = new BtfBuilder();
        uint inner = n.Int("int", 4, BtfIntEncoding.Signed);
        for (int i = 0; i < 5_000; i++) inner = n.Struct("", 4, ("", inner, 0, 0));
        n.Struct("deep_nest", 4, ("", inner, 0, 0));
        var nested = Parse(n);
        Assert.Throws<BtfFormatException>(() => CHeaderWriter.ToText(nested));
        Assert.Throws<BtfFormatException>(() => CHeaderWriter.Declaration(nested, nested.TypeCount - 1));
    }
}
