using System.Buffers.Binary;
using BtfNotebooks.Btf;
using BtfNotebooks.Kernels;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Kernels;

/// <summary>
/// A hand-made struct in both byte orders: multi-bit and signed bitfields that straddle bytes, enums (with and
/// without a signedness flag), _Bool, a u8 array, u64, and the kinds that take no value.
/// </summary>
public class KernelObjectLayoutTests
{
    // struct bits { int a:3; unsigned int b:10; long long c:40; unsigned int d:11; };   8 bytes, bits 0..63
    // struct s { struct bits bits; enum color color; enum delta delta; _Bool flag; u8 mac[6]; float f; int pair[2];
    //            unsigned long long big; enum color cbits:2; };
    private static BtfSpec Spec(bool bigEndian)
    {
        var b = new BtfBuilder();
        uint int_ = b.Int("int", 4, BtfIntEncoding.Signed);
        uint uint_ = b.Int("unsigned int", 4);
        uint ll = b.Int("long long int", 8, BtfIntEncoding.Signed);
        uint ull = b.Int("long long unsigned int", 8);
        uint u8 = b.Typedef("u8", b.Int("unsigned char", 1));
        uint bool_ = b.Int("_Bool", 1, BtfIntEncoding.Bool);
        uint float_ = b.Float("float", 4);
        uint color = b.Enum("color", 4, signed: false, ("RED", 0), ("GREEN", 1), ("BLUE", 2));
        uint delta = b.Enum("delta", 4, signed: true, ("DOWN", -1), ("UP", 1));
        uint bits = b.Struct("bits", 8, ("a", int_, 0, 3), ("b", uint_, 3, 10), ("c", ll, 13, 40), ("d", uint_, 53, 11));
        uint s = b.Struct("s", 48,
            ("bits", bits, 0, 0), ("color", color, 64, 0), ("delta", delta, 96, 0), ("flag", bool_, 128, 0),
            ("mac", b.Array(u8, int_, 6), 136, 0), ("f", float_, 192, 0), ("pair", b.Array(int_, int_, 2), 224, 0),
            ("big", ull, 288, 0), ("cbits", color, 352, 2));
        b.Typedef("s_t", s);
        b.Typedef("anon_t", b.Struct("", 4, ("x", int_, 0, 0)));
        return BtfSpec.Parse(b.ToArray(bigEndian), source: bigEndian ? "tiny-be" : "tiny-le");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void BitfieldsStraddlingBytesMatchTheCompilersLayout(bool bigEndian)
    {
        var obj = KernelObject.Create(Spec(bigEndian), "s_t");
        Assert.That(obj.IsBigEndian, Is.EqualTo(bigEndian));
        Assert.That(obj.TypeName, Is.EqualTo("s"));
        Assert.That(obj.Size, Is.EqualTo(48));
        long a = -3, c = -0x123456789;
        ulong b = 1000, d = 2047;
        obj.Set("bits.a", a).Set("bits.b", b).Set("bits.c", c).Set("bits.d", d);

        // The 64-bit storage word, built from the C layout rules: on little-endian the first member takes the low
        // bits, on big-endian the high bits.
        ulong A = (ulong)a & 7, C = (ulong)c & ((1UL << 40) - 1);
        ulong word = bigEndian ? (A << 61) | (b << 51) | (C << 11) | d : A | (b << 3) | (C << 13) | (d << 53);
        var expected = new byte[8];
        if (bigEndian) BinaryPrimitives.WriteUInt64BigEndian(expected, word);
        else BinaryPrimitives.WriteUInt64LittleEndian(expected, word);
        Assert.That(obj.Bytes.AsSpan(0, 8).ToArray(), Is.EqualTo(expected));
        Assert.That(obj.Bytes.Skip(8).All(x => x == 0), Is.True);

        Assert.That(obj.Get("bits.a"), Is.EqualTo(a));
        Assert.That(obj.Get("bits.b"), Is.EqualTo(b));
        Assert.That(obj.Get("bits.c"), Is.EqualTo(c));
        Assert.That(obj.Get("bits.d"), Is.EqualTo(d));
        Assert.That(obj.GetUnsigned("bits.c"), Is.EqualTo(C));

        obj.Set("bits.b", 0).Set("bits.a", "0x7");
        Assert.That(obj.Get("bits.a"), Is.EqualTo(-1), "0x7 is all three bits");
        Assert.That(obj.Get("bits.b"), Is.EqualTo(0));
        Assert.That(obj.Get("bits.c"), Is.EqualTo(c));
        Assert.That(obj.Get("bits.d"), Is.EqualTo(d));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void EnumsBoolsByteArraysAndU64(bool bigEndian)
    {
        var obj = KernelObject.Create(Spec(bigEndian), "struct s");
        obj.Set("color", "BLUE").Set("delta", "DOWN").Set("flag", "true").Set("mac", "abcde").Set("big", ulong.MaxValue).Set("cbits", "BLUE");
        Assert.That(obj.Bytes.AsSpan(8, 4).ToArray(), Is.EqualTo(bigEndian ? new byte[] { 0, 0, 0, 2 } : new byte[] { 2, 0, 0, 0 }));
        Assert.That(obj.Bytes.AsSpan(12, 4).ToArray(), Is.EqualTo(new byte[] { 0xff, 0xff, 0xff, 0xff }));
        Assert.That(obj.Bytes[16], Is.EqualTo(1));
        Assert.That(obj.Bytes.AsSpan(17, 6).ToArray(), Is.EqualTo("abcde\0"u8.ToArray()));
        Assert.That(obj.Bytes[44], Is.EqualTo(bigEndian ? 0x80 : 0x02), "BLUE (2) in the two bits at bit 352");
        Assert.That(obj.Get("color"), Is.EqualTo(2));
        Assert.That(obj.Get("delta"), Is.EqualTo(-1));
        Assert.That(obj.Get("flag"), Is.EqualTo(1));
        Assert.That(obj.GetString("mac"), Is.EqualTo("abcde"));
        Assert.That(obj.GetUnsigned("big"), Is.EqualTo(ulong.MaxValue));
        Assert.That(obj.ToText(), Is.EqualTo("s color=BLUE delta=DOWN flag=1 mac=abcde big=18446744073709551615 cbits=BLUE"));

        // an enum without kind_flag does not say whether it is signed: both readings fit
        obj.Set("color", -1);
        Assert.That(obj.GetUnsigned("color"), Is.EqualTo(0xffffffffUL));
        obj.Set("color", 0xffffffffUL).Set("delta", "0x80000000");
        Assert.That(obj.Get("delta"), Is.EqualTo(int.MinValue));
        Assert.That(obj.ToText(), Does.Contain("color=4294967295 delta=-2147483648"));
        Assert.That(obj.Field("color").SignednessUnknown, Is.True);
        Assert.That(obj.Field("delta").SignednessUnknown, Is.False);
    }

    [Test]
    public void AnAnonymousStructIsNamedAfterItsTypedef()
    {
        var obj = KernelObject.Create(Spec(false), "anon_t").Set("x", 5);
        Assert.That(obj.TypeName, Is.EqualTo("anon_t"));
        Assert.That(obj.Bytes, Is.EqualTo(new byte[] { 5, 0, 0, 0 }));
        Assert.That(KernelObject.Parse(Spec(true), "anon_t x=5").Bytes, Is.EqualTo(new byte[] { 0, 0, 0, 5 }));
    }

    private static IEnumerable<TestCaseData> Refusals()
    {
        TestCaseData C(string name, Action<KernelObject> act, string message) => new TestCaseData(act, message).SetName(name);
        yield return C("signed 3-bit bitfield", o => o.Set("bits.a", 4), "s.bits.a is int:3 (3 bits, signed): 4 does not fit (-4..3, or 0x0..0x7 as a bit pattern)");
        yield return C("40-bit bitfield", o => o.Set("bits.c", 1L << 39), "s.bits.c is long long int:40 (40 bits, signed): 549755813888 does not fit (-549755813888..549755813887, or 0x0..0xffffffffff as a bit pattern)");
        yield return C("enum without kind_flag", o => o.Set("color", 1L << 32), "s.color is enum color (32 bits, unsigned): 4294967296 does not fit (-2147483648..4294967295)");
        yield return C("signed enum", o => o.Set("delta", 1L << 31), "s.delta is enum delta (32 bits, signed): 2147483648 does not fit (-2147483648..2147483647, or 0x0..0xffffffff as a bit pattern)");
        yield return C("unknown enumerator", o => o.Set("color", "BLEU"), "s.color is enum color: 'BLEU' is neither a number nor one of its enumerators; did you mean BLUE?");
        yield return C("enumerator too wide for a bitfield", o => o.Set("cbits", 4), "s.cbits is enum color:2 (2 bits, unsigned): 4 does not fit (-2..3)");
        yield return C("_Bool of 2", o => o.Set("flag", 2), "s.flag is _Bool (8 bits, bool): 2 does not fit (0 or 1, true or false)");
        yield return C("_Bool of yes", o => o.Set("flag", "yes"), "s.flag is _Bool (8 bits, bool): 'yes' is not 0, 1, true or false");
        yield return C("u8 array too short", o => o.Set("mac", "abcdef"), "s.mac is u8[6]: \"abcdef\" is 6 byte(s), but it holds at most 5 plus the terminating NUL");
        yield return C("float", o => o.Set("f", 1), "s.f is float, a floating-point field; those are not supported");
        yield return C("int array", o => o.Set("pair", "1"), "s.pair is int[2], an array of int; only char arrays take a value (a string)");
        yield return C("unknown nested member", o => o.Set("bits.e", 1), "struct bits (s.bits) has no member 'e'");
    }

    [TestCaseSource(nameof(Refusals))]
    public void Refuses(Action<KernelObject> act, string message)
    {
        var obj = KernelObject.Create(Spec(false), "s");
        var e = Assert.Throws<KernelObjectException>(() => act(obj))!;
        Assert.That(e.Message, Is.EqualTo(message));
    }

    [Test]
    public void AU64AboveLongsRangeNeedsGetUnsigned()
    {
        var obj = KernelObject.Create(Spec(false), "s").Set("big", ulong.MaxValue);
        var e = Assert.Throws<OverflowException>(() => obj.Get("big"))!;
        Assert.That(e.Message, Is.EqualTo("s.big holds 18446744073709551615, above the range of long; read it with GetUnsigned"));
    }
}
