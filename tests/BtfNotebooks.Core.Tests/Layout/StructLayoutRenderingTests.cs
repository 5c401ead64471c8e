using System.Text.Json;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Layout;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Layout;

/// <summary>ToText (pahole's shape) and ToJson (fixed field names other tools read).</summary>
public class StructLayoutRenderingTests
{
    private static StructLayout Layout(string type) => StructLayout.Compute(TestKernels.Spec(TestKernels.Local618), type);

    [Test]
    public void TextOfKobjectIsPahole()
    {
        // pahole -F btf -C kobject, except that pahole spells "const char  *" with two spaces.
        const string expected = """
            struct kobject {
            	const char *               name;                 /*     0     8 */
            	struct list_head           entry;                /*     8    16 */
            	struct kobject *           parent;               /*    24     8 */
            	struct kset *              kset;                 /*    32     8 */
            	const struct kobj_type *   ktype;                /*    40     8 */
            	struct kernfs_node *       sd;                   /*    48     8 */
            	struct kref                kref;                 /*    56     4 */
            	unsigned int               state_initialized:1;  /*    60: 0  4 */
            	unsigned int               state_in_sysfs:1;     /*    60: 1  4 */
            	unsigned int               state_add_uevent_sent:1; /*    60: 2  4 */
            	unsigned int               state_remove_uevent_sent:1; /*    60: 3  4 */
            	unsigned int               uevent_suppress:1;    /*    60: 4  4 */

            	/* size: 64, cachelines: 1, members: 12 */
            	/* bit_padding: 27 bits */
            };

            """;
        Assert.That(Layout("struct kobject").ToText(), Is.EqualTo(expected.Replace("\r", "")));
    }

    [Test]
    public void TextOfTaskStructHasHolesCachelinesAndStatistics()
    {
        string text = Layout("struct task_struct").ToText();
        Assert.That(text, Does.StartWith("struct task_struct {\n"));
        Assert.That(text, Does.EndWith("};\n"));
        Assert.That(text, Does.Contain("\tunsigned int               wakee_flips;          /*    72     4 */\n\n\t/* XXX 4 bytes hole, try to pack */\n"));
        Assert.That(text, Does.Contain("\t/* --- cacheline 1 boundary (64 bytes) was 8 bytes ago --- */\n"));
        Assert.That(text, Does.Contain("\t/* --- cacheline 2 boundary (128 bytes) --- */\n\tstruct sched_entity        se;"));
        Assert.That(text, Does.Contain("\tchar                       comm[16];             /*  1752    16 */\n"));
        Assert.That(text, Does.Contain("\tunsigned int               sched_reset_on_fork:1; /*  1188: 0  4 */\n"));
        Assert.That(text, Does.Contain("\t/* XXX 28 bits hole, try to pack */\n"));
        Assert.That(text, Does.Contain("\t/* Force alignment to the next boundary: */\n\tunsigned int               :0;\n"));
        Assert.That(text, Does.Contain("\t/* XXX last struct has 4 bytes of padding */\n"));
        Assert.That(text, Does.Contain(
            "\t/* size: 3264, cachelines: 51, members: 248 */\n" +
            "\t/* sum members: 3160, holes: 17, sum holes: 72 */\n" +
            "\t/* sum bitfield members: 23 bits, bit holes: 2, sum bit holes: 41 bits */\n" +
            "\t/* padding: 24 */\n" +
            "\t/* paddings: 5, sum paddings: 25 */\n" +
            "};\n"));
    }

    [Test]
    public void TextExpandsAnonymousMembersWithTheirOwnOffsets()
    {
        string text = Layout("struct pid").ToText();
        Assert.That(text, Does.Contain(
            "\tstruct {\n" +
            "\t\tu64                ino;                  /*    16     8 */\n"));
        Assert.That(text, Does.Contain("\t};                                               /*    16    48 */\n"));
        Assert.That(text, Does.Contain("\tstruct upid                numbers[];            /*   144     0 */\n"), "a trailing zero-length array is flexible");

        string vlan = Layout("struct net_device_path_ctx").ToText();
        Assert.That(vlan, Does.Contain("\t} vlan[2];"));
    }

    [Test]
    public void JsonHasTheFixedFieldNames()
    {
        using var doc = JsonDocument.Parse(Layout("struct task_struct").ToJson());
        var root = doc.RootElement;
        Assert.That(root.GetProperty("name").GetString(), Is.EqualTo("struct task_struct"));
        Assert.That(root.GetProperty("size").GetInt64(), Is.EqualTo(3264));
        Assert.That(root.GetProperty("alignment").GetInt32(), Is.EqualTo(8));
        Assert.That(root.GetProperty("padding").GetInt64(), Is.EqualTo(24));
        Assert.That(root.GetProperty("cachelines").GetInt64(), Is.EqualTo(51));

        var members = root.GetProperty("members").EnumerateArray().ToList();
        foreach (var m in members)
            foreach (var field in new[] { "path", "type", "offset_bits", "size_bits", "bitfield" })
                Assert.That(m.TryGetProperty(field, out _), Is.True, $"member {m} lacks {field}");
        var comm = members.Single(m => m.GetProperty("path").GetString() == "comm");
        Assert.That(comm.GetProperty("type").GetString(), Is.EqualTo("char[16]"));
        Assert.That(comm.GetProperty("offset_bits").GetInt64(), Is.EqualTo(1752 * 8));
        Assert.That(comm.GetProperty("size_bits").GetInt64(), Is.EqualTo(128));
        Assert.That(comm.GetProperty("bitfield").GetBoolean(), Is.False);

        var bits = members.Single(m => m.GetProperty("path").GetString() == "init_private_fork_class");
        Assert.That(bits.GetProperty("bitfield").GetBoolean(), Is.True);
        Assert.That(bits.GetProperty("size_bits").GetInt64(), Is.EqualTo(4));
        Assert.That(bits.GetProperty("offset_bits").GetInt64(), Is.EqualTo(1192 * 8 + 4));

        var holes = root.GetProperty("holes").EnumerateArray().ToList();
        Assert.That(holes, Has.Count.EqualTo(19), "17 byte holes and 2 bit holes");
        var first = holes[0];
        Assert.That(first.GetProperty("after").GetString(), Is.EqualTo("wakee_flips"));
        Assert.That(first.GetProperty("offset_bits").GetInt64(), Is.EqualTo(76 * 8));
        Assert.That(first.GetProperty("size_bits").GetInt64(), Is.EqualTo(32));
    }

    [Test]
    public void JsonMarksAnonymousRows()
    {
        using var doc = JsonDocument.Parse(Layout("struct mm_struct").ToJson());
        var members = doc.RootElement.GetProperty("members").EnumerateArray().ToList();
        var outer = members[0];
        Assert.That(outer.GetProperty("anonymous").GetBoolean(), Is.True);
        Assert.That(outer.GetProperty("expanded").GetString(), Is.EqualTo("struct"));
        Assert.That(outer.GetProperty("path").GetString(), Is.EqualTo(""));
        var argStart = members.Single(m => m.GetProperty("path").GetString() == "arg_start");
        Assert.That(argStart.GetProperty("depth").GetInt32(), Is.EqualTo(1));
        Assert.That(argStart.GetProperty("offset_bits").GetInt64(), Is.EqualTo(480 * 8));
    }

    [Test]
    public void LayoutsOfHandMadeBtf()
    {
        var b = new BtfBuilder();
        uint i32 = b.Int("int", 4, BtfIntEncoding.Signed);
        uint bits3 = b.Int("int", 4, BtfIntEncoding.Signed, bits: 3);
        uint chr = b.Int("char", 1, BtfIntEncoding.Signed);
        // Old-style bitfield (no kind_flag): the INT carries the width, the member's Bits stays 0.
        uint old = b.Struct("old", 8, ("a", bits3, 0, 0), ("b", i32, 32, 0));
        // Packed: an int at byte 1.
        uint packed = b.Struct("packed", 5, ("c", chr, 0, 0), ("i", i32, 8, 0));
        // First member not at 0: a hole before it.
        uint late = b.Struct("late", 8, ("x", i32, 32, 0));
        var spec = BtfSpec.Parse(b.ToArray());

        var oldLayout = StructLayout.Compute(spec, spec[old]);
        var a = oldLayout.Members[0];
        Assert.That((a.IsBitfield, a.BitfieldSize, a.ByteOffset, a.BitfieldOffset, a.SizeBits), Is.EqualTo((true, 3, 0L, 0, 3L)));
        Assert.That(oldLayout.Holes.Select(h => (h.IsBitHole, h.SizeBits)), Is.EqualTo(new[] { (true, 29L) }));

        var packedLayout = StructLayout.Compute(spec, spec[packed]);
        Assert.That((packedLayout.Alignment, packedLayout.HoleCount, packedLayout.Padding), Is.EqualTo((1, 0, 0L)));
        Assert.That(packedLayout.Members[1].ByteOffset, Is.EqualTo(1));

        var lateLayout = StructLayout.Compute(spec, spec[late]);
        var opening = lateLayout.HolesOpening(-1).Single();
        Assert.That((opening.AfterIndex, opening.ByteOffset, opening.SizeBytes), Is.EqualTo((-1, 0L, 4L)));
        Assert.That(lateLayout.ToText(), Does.Contain("struct late {\n\n\t/* XXX 4 bytes hole, try to pack */\n\n\tint"));
    }
}
