using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Diff;
using BtfNotebooks.Elf;
using BtfNotebooks.Tests.Elf;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Diff;

/// <summary>Small purpose-built types: bitfields, unions, reordering, a type missing or only forward-declared.</summary>
public class LayoutDiffBuiltTests
{
    private static (string, uint, uint, uint) M(string name, uint type, uint bitOffset, uint bits = 0) => (name, type, bitOffset, bits);

    /// <summary>A spec with int (1), unsigned int (2), long (3), char (4) and whatever <paramref name="add"/> adds.</summary>
    private static BtfSpec Spec(Action<BtfBuilder> add)
    {
        var b = new BtfBuilder();
        b.Int("int", 4, BtfIntEncoding.Signed);
        b.Int("unsigned int", 4);
        b.Int("long", 8, BtfIntEncoding.Signed);
        b.Int("char", 1, BtfIntEncoding.Signed);
        add(b);
        return BtfSpec.Parse(b.ToArray());
    }

    private const uint Int = 1, UInt = 2, Long = 3, Char = 4;

    private static LayoutDiffRow Row(LayoutDiff diff, string path) => diff.Rows.Single(r => r.Path == path);

    [Test]
    public void BitfieldsThatMoveWidenOrAppear()
    {
        // v1: unsigned int a:3, b:5; int c at 4.   v2: unsigned int a:3, n:2, b:7; long c at 8.
        var v1 = Spec(b => b.Struct("s", 8, M("a", UInt, 0, 3), M("b", UInt, 3, 5), M("c", Int, 32)));
        var v2 = Spec(b => b.Struct("s", 16, M("a", UInt, 0, 3), M("n", UInt, 3, 2), M("b", UInt, 5, 7), M("c", Long, 64)));
        var diff = LayoutDiff.Compute("s", [("v1", v1), ("v2", v2)]);

        Assert.That(diff.Rows.Select(r => r.Path), Is.EqualTo(new[] { "a", "n", "b", "c" }));
        Assert.That(Row(diff, "a").Cells[1].Change, Is.EqualTo(LayoutChange.Same));

        var b2 = Row(diff, "b").Cells[1];
        Assert.That((b2.IsBitfield, b2.BitOffset, b2.BitfieldOffset, b2.BitfieldSize), Is.EqualTo((true, 5L, 5, 7)));
        Assert.That(b2.Change, Is.EqualTo(LayoutChange.Moved | LayoutChange.Resized));
        Assert.That(b2.Describe(), Is.EqualTo(new[] { "moved 0:3 → 0:5", "resized :5 → :7" }));
        Assert.That((b2.OffsetText, b2.SizeText), Is.EqualTo(("0:5", ":7")));

        var n = Row(diff, "n").Cells;
        Assert.That((n[0].Present, n[1].Change, n[1].OffsetText), Is.EqualTo((false, LayoutChange.Added, "0:3")));

        var c = Row(diff, "c").Cells[1];
        Assert.That(c.Change, Is.EqualTo(LayoutChange.Moved | LayoutChange.Resized | LayoutChange.Retyped));
        Assert.That(c.Describe(), Is.EqualTo(new[] { "moved 4 → 8", "resized 4 → 8", "retyped int → long" }));
        Assert.That(diff.Kernels.Select(k => k.Size), Is.EqualTo(new[] { 8L, 16L }));
    }

    [Test]
    public void SameWidthButNoLongerABitfieldIsResized()
    {
        // unsigned int x:32 and a plain unsigned int x occupy the same 32 bits, but one is a bitfield.
        var v1 = Spec(b => b.Struct("s", 4, M("x", UInt, 0, 32)));
        var v2 = Spec(b => b.Struct("s", 4, M("x", UInt, 0)));
        var cell = Row(LayoutDiff.Compute("s", [("v1", v1), ("v2", v2)]), "x").Cells[1];
        Assert.That(cell.Change, Is.EqualTo(LayoutChange.Resized));
        Assert.That(cell.Describe(), Is.EqualTo(new[] { "resized :32 → 4" }));
    }

    [Test]
    public void UnionMembersAllSitAtZero()
    {
        var char4 = 0u;
        var v1 = Spec(b => { char4 = b.Array(Char, Int, 4); b.Union("u", 8, M("i", Int, 0), M("l", Long, 0), M("c", char4, 0)); });
        var v2 = Spec(b => { var char8 = b.Array(Char, Int, 8); b.Union("u", 8, M("i", Long, 0), M("c", char8, 0), M("flag", UInt, 0, 1)); });
        var diff = LayoutDiff.Compute("union u", [("v1", v1), ("v2", v2)]);

        Assert.That(diff.Kernels.All(k => k.IsUnion), Is.True);
        Assert.That(diff.Name, Is.EqualTo("union u"));
        Assert.That(diff.Rows.Select(r => r.Path), Is.EqualTo(new[] { "i", "l", "c", "flag" }));
        Assert.That(diff.Rows.SelectMany(r => r.Cells).Where(c => c.Present).Select(c => c.BitOffset).Distinct(), Is.EqualTo(new[] { 0L }));
        Assert.That(Row(diff, "i").Cells[1].Change, Is.EqualTo(LayoutChange.Resized | LayoutChange.Retyped));
        Assert.That(Row(diff, "l").Cells[1].Change, Is.EqualTo(LayoutChange.Removed));
        Assert.That(Row(diff, "c").Cells[1].Describe(), Is.EqualTo(new[] { "resized 4 → 8", "retyped char[4] → char[8]" }));
        Assert.That(Row(diff, "flag").Cells[1].Change, Is.EqualTo(LayoutChange.Added));
        Assert.That(diff.Kernels[1].Counts, Is.EqualTo(new LayoutChangeCounts(0, 0, 2, 2, 1, 1, 4)));
        Assert.That(diff.Kernels[1].Counts.ToString(), Is.EqualTo("2 resized, 2 retyped, 1 added, 1 removed"));
    }

    [Test]
    public void ReplacedMemberReadsRemovedThenAdded()
    {
        // v1: a b c; v2: a x c; v3: x2 first, then a c. Each kernel's new members follow their predecessor there.
        var v1 = Spec(b => b.Struct("s", 12, M("a", Int, 0), M("b", Int, 32), M("c", Int, 64)));
        var v2 = Spec(b => b.Struct("s", 12, M("a", Int, 0), M("x", Int, 32), M("c", Int, 64)));
        var v3 = Spec(b => b.Struct("s", 12, M("x2", Int, 0), M("a", Int, 32), M("c", Int, 64)));
        var diff = LayoutDiff.Compute("s", [("v1", v1), ("v2", v2), ("v3", v3)]);
        Assert.That(diff.Rows.Select(r => r.Path), Is.EqualTo(new[] { "x2", "a", "b", "x", "c" }));
        Assert.That(Row(diff, "a").Cells.Select(c => c.Change), Is.EqualTo(new[] { LayoutChange.Same, LayoutChange.Same, LayoutChange.Moved }));
        Assert.That(Row(diff, "x").Cells.Select(c => c.Change), Is.EqualTo(new[] { LayoutChange.Same, LayoutChange.Added, LayoutChange.Same }));
        Assert.That(diff.ChangedRows.Select(r => r.Path), Is.EqualTo(new[] { "x2", "a", "b", "x" }));
    }

    [Test]
    public void AnonymousLevelsAreLookedThrough()
    {
        // v1: struct { int a; int b; }   v2: struct { int a; union { int b; long wide; }; }  (b moves into an anonymous union)
        var v1 = Spec(b => b.Struct("s", 8, M("a", Int, 0), M("b", Int, 32)));
        var v2 = Spec(b =>
        {
            var anon = b.Union("", 8, M("b", Int, 0), M("wide", Long, 0));
            b.Struct("s", 16, M("a", Int, 0), M("", anon, 64));
        });
        var diff = LayoutDiff.Compute("s", [("v1", v1), ("v2", v2)]);
        Assert.That(diff.Rows.Select(r => r.Path), Is.EqualTo(new[] { "a", "b", "wide" }), "no row for the anonymous union itself");
        var b2 = Row(diff, "b").Cells[1];
        Assert.That((b2.Member!.Depth, b2.Change), Is.EqualTo((1, LayoutChange.Moved)));
        Assert.That(b2.Describe(), Is.EqualTo(new[] { "moved 4 → 8" }));
    }

    [Test]
    public void MissingAndForwardDeclaredTypesAreAbsentColumns()
    {
        var full = Spec(b => b.Struct("s", 4, M("a", Int, 0)));
        var other = Spec(b => b.Struct("t", 4, M("a", Int, 0)));
        var fwd = Spec(b => b.Fwd("s"));
        var diff = LayoutDiff.Compute("struct s", [("full", full), ("other", other), ("fwd", fwd)]);
        Assert.That(diff.Kernels.Select(k => k.HasType), Is.EqualTo(new[] { true, false, false }));
        Assert.That(diff.Kernels[2].MissingReason, Does.Contain("forward-declared"));
        Assert.That(diff.Kernels[1].MissingReason, Is.Not.Null.And.Not.Empty);
        // Cells of a kernel without the type are absent, not "removed" one by one.
        Assert.That(Row(diff, "a").Cells.Select(c => (c.Present, c.Change)),
            Is.EqualTo(new[] { (true, LayoutChange.Same), (false, LayoutChange.Same), (false, LayoutChange.Same) }));
        Assert.That(diff.Kernels[2].Counts.Removed, Is.Zero);
        var text = diff.ToText();
        Assert.That(text, Does.Contain("[3] fwd    absent: " + diff.Kernels[2].MissingReason));
    }

    /// <summary>
    /// clang lays out the C and checks the offsets it is told (the _Static_asserts); the diff must see the same
    /// layout in the BTF clang emits for two versions of the struct.
    /// </summary>
    [Test]
    public void ClangBuiltBitfieldsAndUnions()
    {
        const string v1 = """
            struct rec { unsigned char kind : 3; unsigned char urgent : 1; unsigned short port; union { int i; char b[4]; } u; long tail; };
            _Static_assert(__builtin_offsetof(struct rec, port) == 2, "port");
            _Static_assert(__builtin_offsetof(struct rec, u) == 4, "u");
            _Static_assert(__builtin_offsetof(struct rec, tail) == 8, "tail");
            struct rec r;
            """;
        const string v2 = """
            struct rec { unsigned char kind : 5; unsigned int port; union { long i; char b[4]; } u; unsigned char urgent : 1; long tail; };
            _Static_assert(__builtin_offsetof(struct rec, port) == 4, "port");
            _Static_assert(__builtin_offsetof(struct rec, u) == 8, "u");
            _Static_assert(__builtin_offsetof(struct rec, tail) == 24, "tail");
            struct rec r;
            """;
        var specs = new[] { v1, v2 }.Select(source =>
        {
            using var obj = ClangBpf.Compile(source, "bpf", "-g", "-O2");
            return BpfObjectFile.Load(obj.Path).Btf!;
        }).ToArray();
        var diff = LayoutDiff.Compute("rec", [("v1", specs[0]), ("v2", specs[1])]);

        Assert.That(diff.Rows.Select(r => r.Path), Is.EqualTo(new[] { "kind", "urgent", "port", "u", "u.i", "u.b", "tail" }));
        Assert.That(diff.Kernels.Select(k => k.Size), Is.EqualTo(new[] { 16L, 32L }));
        var kind = Row(diff, "kind").Cells;
        Assert.That((kind[0].SizeText, kind[1].SizeText, kind[1].Change), Is.EqualTo((":3", ":5", LayoutChange.Resized)));
        var urgent = Row(diff, "urgent").Cells;
        Assert.That((urgent[0].BitOffset, urgent[1].BitOffset), Is.EqualTo((3L, 16L * 8)), "bit 3 of byte 0, then the first bit of byte 16");
        Assert.That(urgent[1].Change, Is.EqualTo(LayoutChange.Moved));
        Assert.That(Row(diff, "port").Cells[1].Describe(), Is.EqualTo(new[] { "moved 2 → 4", "resized 2 → 4", "retyped unsigned short → unsigned int" }));
        // The union is a named member of an anonymous union type: a row with the union's own offset and size, then its members.
        var u = Row(diff, "u").Cells;
        Assert.That((u[0].ByteOffset, u[0].Size, u[1].ByteOffset, u[1].Size), Is.EqualTo((4L, 4L, 8L, 8L)));
        Assert.That(u[1].Change, Is.EqualTo(LayoutChange.Moved | LayoutChange.Resized), "both spell it 'union {...}'");
        Assert.That(Row(diff, "u.i").Cells[1].Describe(), Is.EqualTo(new[] { "moved 4 → 8", "resized 4 → 8", "retyped int → long" }));
        Assert.That(Row(diff, "u.i").Depth, Is.EqualTo(1));
        Assert.That(Row(diff, "tail").Cells[1].Describe(), Is.EqualTo(new[] { "moved 8 → 24" }));
    }
}
