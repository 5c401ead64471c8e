using BtfNotebooks.Btf;
using BtfNotebooks.CoRe;
using BtfNotebooks.Elf.BtfExt;
using NUnit.Framework;
using static BtfNotebooks.Tests.CoRe.CoreTestBtf;

namespace BtfNotebooks.Tests.CoRe;

public class CoreAccessSpecTests
{
    // the essential-name cases the spec checked against libbpf's own function
    [TestCase("task_struct___v2", "task_struct")]
    [TestCase("a___b___c", "a___b")]
    [TestCase("foo___1___", "foo")]
    [TestCase("s___x___", "s")]
    [TestCase("__x___y", "__x")]
    [TestCase("a__b___c", "a__b")]
    [TestCase("abc___d_", "abc")]
    [TestCase("x____y", "x____y")]
    [TestCase("x_____y", "x_____y")]
    [TestCase("a___", "a___")]
    [TestCase("___a", "___a")]
    [TestCase("foo___", "foo___")]
    [TestCase("t____", "t____")]
    [TestCase("core_reloc_flavors__err_wrong_name", "core_reloc_flavors__err_wrong_name")]
    public void EssentialNameDropsTheLastFlavor(string name, string essential) =>
        Assert.That(CoreNames.Essential(name), Is.EqualTo(essential));

    /// <summary>libbpf's own example: struct sample { int __unimportant; struct { int __1; int __2; int a[7]; }; }, &amp;s->a[3].</summary>
    private static (BtfSpec Btf, uint Sample) Sample()
    {
        var b = WithInts();
        uint arr = b.Array(Int, Int, 7);
        uint anon = b.Struct("", 36, M("__1", Int, 0), M("__2", Int, 32), M("a", arr, 64));
        uint sample = b.Struct("sample", 40, M("__unimportant", Int, 0), M("", anon, 32));
        return (Spec(b), sample);
    }

    [Test]
    public void AnonymousMembersAreRawStepsOnly()
    {
        var (btf, sample) = Sample();
        var spec = CoreAccessSpec.Parse(btf, sample, "0:1:2:3", CoreRelocationKind.FieldByteOffset);
        Assert.That(spec.Raw, Is.EqualTo(new[] { 0, 1, 2, 3 }));
        Assert.That(spec.Accessors.Select(a => a.Name ?? $"[{a.Index}]"), Is.EqualTo(new[] { "[0]", "a", "[3]" }));
        Assert.That(spec.BitOffset, Is.EqualTo((32 + 64 + 3 * 32)));
        Assert.That(spec.ReadablePath(), Is.EqualTo("sample.a[3]"));
        Assert.That(spec.Format(), Is.EqualTo($"[{sample}] struct sample.a[3] (0:1:2:3 @ offset 24)"));
    }

    [Test]
    public void ANonZeroRootIndexIsPrintedAndScaledBySize()
    {
        var (btf, sample) = Sample();
        var spec = CoreAccessSpec.Parse(btf, sample, "1:0", CoreRelocationKind.FieldByteOffset);
        Assert.That(spec.BitOffset, Is.EqualTo(40 * 8));
        Assert.That(spec.ReadablePath(), Is.EqualTo("sample[1].__unimportant"));
        Assert.That(spec.Format(), Does.EndWith("sample[1].__unimportant (1:0 @ offset 40)"));
    }

    [TestCase("", "empty")]
    [TestCase(":0", "starts with ':'")]
    [TestCase("0::1", "not a ':'-separated list")]
    [TestCase("0:", "not a ':'-separated list")]
    [TestCase("0:x", "not a ':'-separated list")]
    [TestCase("0:2", "member index 2 out of range")]
    [TestCase("0:1:2:7", "array index 7 out of range")]
    [TestCase("0:1:2:3:0", "unexpected kind int")]
    public void MalformedAccessStringsAreErrors(string access, string message)
    {
        var (btf, sample) = Sample();
        var ex = Assert.Throws<CoreRelocationException>(() => CoreAccessSpec.Parse(btf, sample, access, CoreRelocationKind.FieldByteOffset));
        Assert.That(ex!.Message, Does.Contain(message));
    }

    [Test]
    public void MoreThan64StepsIsE2BIG()
    {
        var (btf, sample) = Sample();
        var ex = Assert.Throws<CoreRelocationException>(() => CoreAccessSpec.Parse(btf, sample, string.Join(':', Enumerable.Repeat("0", 65)), CoreRelocationKind.FieldByteOffset));
        Assert.That(ex!.Errno, Is.EqualTo("E2BIG"));
    }

    [Test]
    public void TypeKindsNeedExactlyZero()
    {
        var (btf, sample) = Sample();
        Assert.That(CoreAccessSpec.Parse(btf, sample, "0", CoreRelocationKind.TypeSize).Format(), Is.EqualTo($"[{sample}] struct sample"));
        Assert.Throws<CoreRelocationException>(() => CoreAccessSpec.Parse(btf, sample, "0:0", CoreRelocationKind.TypeExists));
        Assert.Throws<CoreRelocationException>(() => CoreAccessSpec.Parse(btf, sample, "00", CoreRelocationKind.TypeExists));
    }

    [Test]
    public void EnumeratorSpecsNameTheEnumerator()
    {
        var b = WithInts();
        uint e = b.Enum("e", 4, true, ("A", -1), ("B", 2));
        uint typedef = b.Typedef("e_t", e);
        var btf = Spec(b);
        var spec = CoreAccessSpec.Parse(btf, typedef, "0", CoreRelocationKind.EnumValueValue);
        Assert.That(spec.Accessors[0].Name, Is.EqualTo("A"));
        Assert.That(spec.Format(), Is.EqualTo($"[{typedef}] typedef e_t::A = -1"));
        Assert.That(spec.ReadablePath(), Is.EqualTo("e_t::A"));
        Assert.Throws<CoreRelocationException>(() => CoreAccessSpec.Parse(btf, typedef, "2", CoreRelocationKind.EnumValueValue));
        Assert.Throws<CoreRelocationException>(() => CoreAccessSpec.Parse(btf, typedef, "0:0", CoreRelocationKind.EnumValueExists));
        Assert.Throws<CoreRelocationException>(() => CoreAccessSpec.Parse(btf, Int, "0", CoreRelocationKind.EnumValueExists));
    }

    [Test]
    public void AFlexibleArrayCanBeIndexedPastItsLength()
    {
        var b = WithInts();
        uint flex = b.Array(Int, Int, 0);
        uint s = b.Struct("flex", 4, M("n", Int, 0), M("data", flex, 32));
        uint notLast = b.Struct("notlast", 8, M("data", flex, 0), M("n", Int, 0));
        var btf = Spec(b);
        Assert.That(CoreAccessSpec.Parse(btf, s, "0:1:5", CoreRelocationKind.FieldByteOffset).BitOffset, Is.EqualTo(32 + 5 * 32));
        Assert.Throws<CoreRelocationException>(() => CoreAccessSpec.Parse(btf, notLast, "0:0:5", CoreRelocationKind.FieldByteOffset));
    }
}
