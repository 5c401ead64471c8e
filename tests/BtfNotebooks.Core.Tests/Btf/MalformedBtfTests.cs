using System.Buffers.Binary;
using BtfNotebooks.Btf;
using CsCheck;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Btf;

public class MalformedBtfTests
{
    private static byte[] Small()
    {
        var b = new BtfBuilder();
        uint i = b.Int("int", 4, BtfIntEncoding.Signed);
        b.Struct("s", 8, ("a", i, 0, 0), ("b", i, 32, 0));
        return b.ToArray();
    }

    private static BtfFormatException Fails(byte[] blob, BtfSpec? baseSpec = null) =>
        Assert.Throws<BtfFormatException>(() => BtfSpec.Parse(blob, baseSpec, "test.btf"))!;

    [Test]
    public void TruncatedHeader()
    {
        var ex = Fails(Small()[..10]);
        Assert.That((ex.Offset, ex.Reason), Is.EqualTo(((long?)0, "truncated BTF header: 10 bytes, need 24")));
        Assert.That(ex.Message, Does.StartWith("test.btf, offset 0x0 (0): truncated BTF header"));
    }

    [Test]
    public void BadMagicVersionFlags()
    {
        var blob = Small(); blob[0] = 0x12;
        Assert.That(Fails(blob).Reason, Does.Contain("bad BTF magic"));
        blob = Small(); blob[2] = 2;
        Assert.That(Fails(blob).Offset, Is.EqualTo(2));
        blob = Small(); blob[3] = 1;
        Assert.That(Fails(blob).Reason, Does.Contain("flags"));
    }

    [Test]
    public void SectionsPastTheEnd()
    {
        var blob = Small();
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(12), 10_000); // type_len
        Assert.That(Fails(blob).Reason, Does.Contain("type section"));
        blob = Small();
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(20), 10_000); // str_len
        Assert.That(Fails(blob).Reason, Does.Contain("string section"));
        Assert.That(Fails(Small()[..^1]).Reason, Does.Contain("past the end"));
    }

    [Test]
    public void StringSectionMustBeNulTerminated()
    {
        var blob = Small();
        blob[^1] = (byte)'x';
        var ex = Fails(blob);
        Assert.That((ex.Reason, ex.Offset), Is.EqualTo(("string section does not end with NUL", (long?)(blob.Length - 1))));
    }

    [Test]
    public void UnknownKindNamesTheTypeAndOffset()
    {
        var blob = Small();
        blob[24 + 16 + 4 + 3] = 25; // type 2's info word, kind byte
        var ex = Fails(blob);
        Assert.That((ex.TypeId, ex.Offset, ex.Reason), Is.EqualTo(((uint?)2, (long?)(24 + 16 + 4), "unknown BTF kind 25")));
    }

    [Test]
    public void VlenPastTheTypeSection()
    {
        var blob = Small();
        blob[24 + 16 + 4] = 200; // struct vlen = 200
        var ex = Fails(blob);
        Assert.That(ex.TypeId, Is.EqualTo(2));
        Assert.That(ex.Reason, Does.Contain("vlen 200"));
    }

    [Test]
    public void NameOffsetOutOfRange()
    {
        var blob = Small();
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(24 + 16), 5000);
        var ex = Fails(blob);
        Assert.That((ex.TypeId, ex.Offset), Is.EqualTo(((uint?)2, (long?)(24 + 16))));
        Assert.That(ex.Reason, Does.Contain("string offset 5000 out of range"));
    }

    [Test]
    public void DanglingTypeId()
    {
        var blob = Small();
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(24 + 16 + 12 + 4), 77); // member a's type
        var ex = Fails(blob);
        Assert.That((ex.TypeId, ex.Offset), Is.EqualTo(((uint?)2, (long?)(24 + 16 + 16))));
        Assert.That(ex.Reason, Does.Contain("type ID 77").And.Contain("dangling"));
    }

    [Test]
    public void ReferenceCyclesAreErrorsWhenSizing()
    {
        var b = new BtfBuilder();
        b.Typedef("a", 2);             // 1 -> 2
        b.Typedef("b", 1);             // 2 -> 1
        b.Array(3, 3, 2);              // 3: array of itself
        b.Const(4);                    // 4: const of itself
        var spec = BtfSpec.Parse(b.ToArray());
        Assert.That(Assert.Throws<BtfFormatException>(() => spec.SizeOf(1))!.TypeId, Is.EqualTo(1));
        Assert.That(Assert.Throws<BtfFormatException>(() => spec.SizeOf(3))!.TypeId, Is.EqualTo(3));
        Assert.That(Assert.Throws<BtfFormatException>(() => spec.SkipModifiers(4))!.Message, Does.Contain("cycle"));
        Assert.Throws<BtfFormatException>(() => spec.AlignOf(spec[1]));
    }

    [Test]
    public void AnonymousMemberCycleIsAnErrorNotAStackOverflow()
    {
        var b = new BtfBuilder();
        b.Struct("loop", 4, ("", 1, 0, 0)); // anonymous member of its own type
        var spec = BtfSpec.Parse(b.ToArray());
        Assert.Throws<BtfFormatException>(() => spec.ResolveField("loop", "x"));
    }

    [Test]
    public void ErrorsDeepInsideAVmlinuxNameTheType()
    {
        // a vmlinux is indexed on a second core while the walk goes on: errors must still name the first offender
        var raw = TestKernels.RawBlob(TestKernels.Local618);
        var spec = TestKernels.Spec(TestKernels.Local618);
        var target = spec.FindType("struct task_struct");
        int at = target.RecordOffset;

        var unknownKind = (byte[])raw.Clone();
        unknownKind[at + 7] = 0x1d; // kind 29
        var ex = Assert.Throws<BtfFormatException>(() => BtfSpec.Parse(unknownKind, null, "vmlinux"))!;
        Assert.That((ex.TypeId, ex.Offset, ex.Reason), Is.EqualTo(((uint?)target.Id, (long?)(at + 4), "unknown BTF kind 29")));

        var dangling = (byte[])raw.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(dangling.AsSpan(at + 12 + 4), 999_999); // first member's type
        ex = Assert.Throws<BtfFormatException>(() => BtfSpec.Parse(dangling, null, "vmlinux"))!;
        Assert.That((ex.TypeId, ex.Offset), Is.EqualTo(((uint?)target.Id, (long?)(at + 16))));
        Assert.That(ex.Reason, Does.Contain("type ID 999999"));

        var badName = (byte[])raw.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(badName.AsSpan(at + 12 * 5), 0x7fff_ffff); // a member's name
        ex = Assert.Throws<BtfFormatException>(() => BtfSpec.Parse(badName, null, "vmlinux"))!;
        Assert.That(ex.TypeId, Is.EqualTo(target.Id));
        Assert.That(ex.Reason, Does.Contain("string offset 2147483647 out of range"));
    }

    // ---- property tests: truncated and corrupted real blobs give BtfFormatException or a usable result ----

    private static readonly Lazy<byte[]> Module = new(() => TestKernels.RawBlob(TestKernels.NfConntrack61));

    /// <summary>Parse, then exercise every query; only the typed exceptions may escape.</summary>
    private static void ParseAndUse(byte[] blob, BtfSpec? baseSpec)
    {
        BtfSpec spec;
        try { spec = BtfSpec.Parse(blob, baseSpec, "fuzz"); }
        catch (BtfFormatException e) { Assert.That(e.Offset is not null || e.TypeId is not null, e.Message); return; }

        // A blob that parses is fully usable: dump works, and queries answer or fail with a typed error.
        using (var sink = new MemoryStream()) BtfRawDump.Write(spec, sink);
        foreach (var t in spec.LocalTypes)
        {
            Typed(() => spec.SizeOf(t));
            Typed(() => spec.AlignOf(t));
            Typed(() => spec.SkipModifiers(t));
            if (t.Kind.IsComposite())
                foreach (var m in t.Members)
                    if (!m.IsAnonymous) Typed(() => spec.ResolveField(t, m.Name));
            if (!t.IsAnonymous) Assert.That(spec.FindByName(t.NameBytes), Does.Contain(t));
        }
    }

    private static void Typed(Action query)
    {
        try { query(); }
        catch (BtfFormatException) { }
        catch (BtfLookupException) { }
    }

    [Test]
    public void TruncatedBlobsAreRejected()
    {
        var module = Module.Value;
        var baseSpec = TestKernels.Spec(TestKernels.Debian61);
        Gen.Int[0, module.Length - 1].Sample(n =>
        {
            var ex = Assert.Throws<BtfFormatException>(() => BtfSpec.Parse(module[..n], baseSpec, "cut"));
            Assert.That(ex!.Offset, Is.Not.Null);
        }, iter: 2000);
    }

    [Test]
    public void CorruptedModuleBlobs()
    {
        var module = Module.Value;
        var baseSpec = TestKernels.Spec(TestKernels.Debian61);
        // 1 to 4 random bytes overwritten anywhere (header, types, strings)
        var gen = Gen.Select(Gen.Int[0, module.Length - 1].Array[1, 4], Gen.Byte.Array[4]);
        gen.Sample((positions, values) =>
        {
            var copy = (byte[])module.Clone();
            for (int i = 0; i < positions.Length; i++) copy[positions[i]] = values[i];
            ParseAndUse(copy, baseSpec);
        }, iter: 6000);
    }

    [Test]
    public void CorruptedTypeWordsOfASmallBlob()
    {
        // every kind present, then one 32-bit word of the type section replaced by an interesting value
        var b = new BtfBuilder();
        uint i = b.Int("int", 4, BtfIntEncoding.Signed);
        uint p = b.Ptr(i);
        uint a = b.Array(i, i, 3);
        uint s = b.Struct("s", 24, ("x", i, 0, 0), ("y", p, 64, 0), ("", a, 128, 0));
        b.Union("u", 8, ("s", s, 0, 0), ("b", i, 0, 4));
        b.Enum("e", 4, true, ("A", -1));
        b.Enum64("e64", 8, false, ("B", 1UL << 40));
        b.Typedef("t", s); b.Const(p); b.Volatile(i); b.Restrict(p); b.TypeTag("tag", p); b.Fwd("f", true);
        uint fp = b.FuncProto(i, ("arg", p));
        b.Func("fn", fp);
        uint v = b.Var("v", s);
        b.Datasec(".data", 24, (v, 0, 24));
        b.Float("float", 4); b.DeclTag("d", s, 0);
        var blob = b.ToArray();
        int typeWords = (blob.Length - 24) / 4;
        var interesting = Gen.OneOf<uint>(0u, 1u, 2u, 3u, 0xffu, 0xffffu, 0x7fffffffu, 0xffffffffu, 0x13000000u, 0x14000000u, 0x84000005u, 100u);
        Gen.Select(Gen.Int[6, 6 + typeWords - 1], interesting, Gen.Bool).Sample((word, value, big) =>
        {
            var copy = big ? b.ToArray(bigEndian: true) : (byte[])blob.Clone();
            if (big) BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(4 * word), value);
            else BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(4 * word), value);
            ParseAndUse(copy, null);
        }, iter: 2000);
    }

    [Test]
    public void CorruptedHeadersOfAVmlinuxBlob()
    {
        var raw = TestKernels.RawBlob(TestKernels.Local618);
        Gen.Select(Gen.Int[0, 23], Gen.Byte).Sample((at, value) =>
        {
            var copy = (byte[])raw.Clone();
            copy[at] = value;
            try { BtfSpec.Parse(copy, null, "hdr"); }
            catch (BtfFormatException) { }
        }, iter: 200, threads: 1);
    }
}
