using System.Buffers.Binary;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Drift;
using BtfNotebooks.Kernels;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Kernels;

/// <summary>Kernel objects laid out by real kernels' BTF: offsets as DriftField reports them, byte order, bitfields.</summary>
public class KernelObjectTests
{
    // kernel, big-endian, task_struct.pid and .comm from data/kernels/MANIFEST.tsv
    private static IEnumerable<TestCaseData> Kernels()
    {
        TestCaseData C(string kernel, bool bigEndian, int pid, int comm) => new TestCaseData(kernel, bigEndian, pid, comm).SetName($"{{m}}({kernel})");
        yield return C(TestKernels.Debian61, false, 2416, 2976);
        yield return C(TestKernels.Local618, false, 1264, 1752);
        yield return C(TestKernels.S390, true, 1928, 2360);
        yield return C(TestKernels.Debian612Arm, false, 1376, 1920);
        yield return C(TestKernels.I386, false, 1108, 1412);
    }

    private static int DriftOffset(BtfSpec spec, string field) => (int)DriftField.Parse(field).Evaluate(spec).Value;

    [TestCaseSource(nameof(Kernels))]
    public void PidAndCommLandWhereDriftFieldSaysInTheKernelsByteOrder(string kernel, bool bigEndian, int pidOffset, int commOffset)
    {
        var spec = TestKernels.Spec(kernel);
        var obj = KernelObject.Create(spec, "task_struct").Set("pid", 42).Set("comm", "bash");

        Assert.That(obj.Size, Is.EqualTo(spec.SizeOf(spec.FindComposite("task_struct"))));
        Assert.That(obj.IsBigEndian, Is.EqualTo(bigEndian));
        Assert.That(obj.Field("pid").ByteOffset, Is.EqualTo(pidOffset));
        Assert.That(DriftOffset(spec, "task_struct.pid"), Is.EqualTo(pidOffset));
        Assert.That(DriftOffset(spec, "task_struct.comm"), Is.EqualTo(commOffset));

        byte[] pid = bigEndian ? [0, 0, 0, 42] : [42, 0, 0, 0];
        Assert.That(obj.Bytes.AsSpan(pidOffset, 4).ToArray(), Is.EqualTo(pid));
        Assert.That(obj.Bytes.AsSpan(commOffset, 16).ToArray(), Is.EqualTo("bash"u8.ToArray().Concat(new byte[12])));
        Assert.That(obj.Bytes.Count(b => b != 0), Is.EqualTo(5), "42 and b, a, s, h; every other byte untouched");
        Assert.That(obj.Get("pid"), Is.EqualTo(42));
        Assert.That(obj.GetString("comm"), Is.EqualTo("bash"));
    }

    [TestCaseSource(nameof(Kernels))]
    public void NestedFieldsThroughEmbeddedStructs(string kernel, bool bigEndian, int pidOffset, int commOffset)
    {
        var spec = TestKernels.Spec(kernel);
        var obj = KernelObject.Create(spec, "struct task_struct").Set("se.vruntime", 0x1122334455667788UL).Set("thread_info.flags", 0x0102);
        int vruntime = DriftOffset(spec, "task_struct.se.vruntime");
        int flags = DriftOffset(spec, "task_struct.thread_info.flags");
        int flagsSize = (int)DriftField.Parse("task_struct.thread_info.flags").Evaluate(spec).Size;
        Assert.That(obj.Field("se.vruntime").ByteOffset, Is.EqualTo(vruntime));
        Assert.That(obj.Field("thread_info.flags").ByteOffset, Is.EqualTo(flags));

        var expected = new byte[8];
        if (bigEndian) BinaryPrimitives.WriteUInt64BigEndian(expected, 0x1122334455667788UL);
        else BinaryPrimitives.WriteUInt64LittleEndian(expected, 0x1122334455667788UL);
        Assert.That(obj.Bytes.AsSpan(vruntime, 8).ToArray(), Is.EqualTo(expected));
        var flagBytes = new byte[flagsSize];
        flagBytes[bigEndian ? flagsSize - 1 : 0] = 0x02;
        flagBytes[bigEndian ? flagsSize - 2 : 1] = 0x01;
        Assert.That(obj.Bytes.AsSpan(flags, flagsSize).ToArray(), Is.EqualTo(flagBytes));
        Assert.That(obj.GetUnsigned("se.vruntime"), Is.EqualTo(0x1122334455667788UL));
        Assert.That(obj.Get("thread_info.flags"), Is.EqualTo(0x0102));
        Assert.That(obj.TypeName, Is.EqualTo("task_struct"));
    }

    [TestCase(TestKernels.Debian61)]
    [TestCase(TestKernels.S390)]
    public void NegativeValuesAreTwosComplementOfTheFieldWidth(string kernel)
    {
        var obj = KernelObject.Create(TestKernels.Spec(kernel), "task_struct").Set("tgid", -2);
        int at = (int)obj.Field("tgid").ByteOffset;
        Assert.That(obj.Bytes.AsSpan(at, 4).ToArray(), Is.EqualTo(obj.IsBigEndian ? new byte[] { 0xff, 0xff, 0xff, 0xfe } : new byte[] { 0xfe, 0xff, 0xff, 0xff }));
        Assert.That(obj.Get("tgid"), Is.EqualTo(-2));
        Assert.That(obj.GetUnsigned("tgid"), Is.EqualTo(0xfffffffeUL));
        obj.Set("tgid", "0xffffffff");
        Assert.That(obj.Get("tgid"), Is.EqualTo(-1), "hex is a bit pattern");
    }

    [TestCase(TestKernels.Debian61)]
    [TestCase(TestKernels.S390)]
    [TestCase(TestKernels.I386)]
    public void OneBitBitfieldsSetTheirBitAndKeepTheirNeighbours(string kernel)
    {
        var spec = TestKernels.Spec(kernel);
        var obj = KernelObject.Create(spec, "task_struct");
        var drift = DriftField.Parse("task_struct.in_execve").Evaluate(spec);
        Assert.That(drift.IsBitfield, Is.True);
        long bit = drift.Value;
        var field = obj.Field("in_execve");
        Assert.That(field.IsBitfield && field.BitSize == 1 && (long)field.BitOffset == bit, Is.True, field.ToString());

        obj.Set("in_execve", 1);
        // the bit's own byte and mask, from the bit offset alone: LSB-first on little-endian, MSB-first on big-endian
        int at = (int)(bit / 8);
        byte mask = obj.IsBigEndian ? (byte)(0x80 >> (int)(bit % 8)) : (byte)(1 << (int)(bit % 8));
        Assert.That(obj.Bytes[at], Is.EqualTo(mask));
        Assert.That(obj.Bytes.Count(b => b != 0), Is.EqualTo(1));

        obj.Set("in_iowait", 1).Set("user_dumpable", 1);
        obj.Set("in_execve", 0);
        Assert.That(obj.Get("in_execve"), Is.EqualTo(0));
        Assert.That(obj.Get("in_iowait"), Is.EqualTo(1));
        Assert.That(obj.Get("user_dumpable"), Is.EqualTo(1));
        Assert.That(obj.Get("sched_remote_wakeup"), Is.EqualTo(0));
        Assert.That(obj.Bytes[at] & mask, Is.EqualTo(0));
    }

    [Test]
    public void SettingAShorterStringClearsTheRest()
    {
        var obj = KernelObject.Create(TestKernels.Spec(TestKernels.Debian61), "task_struct").Set("comm", "systemd-journal").Set("comm", "sh");
        Assert.That(obj.Bytes.AsSpan(2976, 16).ToArray(), Is.EqualTo("sh"u8.ToArray().Concat(new byte[14])));
        obj.Set("comm", "");
        Assert.That(obj.GetString("comm"), Is.Empty);
        Assert.That(obj.Bytes.All(b => b == 0), Is.True);
        obj.Set("comm", "ünï");
        Assert.That(obj.GetString("comm"), Is.EqualTo("ünï"), "UTF-8");
    }

    [Test]
    public void ParsesTheCompactTextForm()
    {
        var spec = TestKernels.Spec(TestKernels.Debian61);
        var parsed = KernelObject.Parse(spec, "task_struct pid=42 comm=bash tgid=7");
        var built = KernelObject.Create(spec, "task_struct").Set("pid", 42).Set("comm", "bash").Set("tgid", 7);
        Assert.That(parsed.Bytes, Is.EqualTo(built.Bytes));
        Assert.That(parsed.AssignedFields, Is.EqualTo(new[] { "pid", "comm", "tgid" }));

        var more = KernelObject.Parse(spec, "  struct task_struct\tpid=0x2a  tgid=-7 comm=\"kworker/0:1 \\\"x\\\"\" se.vruntime=18446744073709551615 in_execve=1 ");
        Assert.That(more.Get("pid"), Is.EqualTo(42));
        Assert.That(more.Get("tgid"), Is.EqualTo(-7));
        Assert.That(more.GetString("comm"), Is.EqualTo("kworker/0:1 \"x\""));
        Assert.That(more.GetUnsigned("se.vruntime"), Is.EqualTo(ulong.MaxValue));
        Assert.That(more.Get("in_execve"), Is.EqualTo(1));
        Assert.That(KernelObject.Parse(spec, "task_struct comm='a b'").GetString("comm"), Is.EqualTo("a b"));
        Assert.That(KernelObject.Parse(spec, "task_struct").Bytes.All(b => b == 0), Is.True);
    }

    [Test]
    public void ToTextReadsBackToTheSameBytes()
    {
        var spec = TestKernels.Spec(TestKernels.S390);
        var obj = KernelObject.Parse(spec, "task_struct pid=42 comm=\"two words\" tgid=-7 se.vruntime=0xffffffffffffffff in_execve=1");
        string text = obj.ToText();
        Assert.That(text, Is.EqualTo("task_struct pid=42 comm=\"two words\" tgid=-7 se.vruntime=18446744073709551615 in_execve=1"));
        Assert.That(KernelObject.Parse(spec, text).Bytes, Is.EqualTo(obj.Bytes));
        Assert.That(obj.ToString(), Does.StartWith("struct task_struct (4608 bytes, ").And.EndWith(": " + text));
    }

    [Test]
    public void FieldDescribesWhereAndWhat()
    {
        var obj = KernelObject.Create(TestKernels.Spec(TestKernels.Debian61), "task_struct");
        Assert.That(obj.Field("pid").ToString(), Is.EqualTo("pid: pid_t (32 bits, signed) at byte 2416"));
        Assert.That(obj.Field("comm").ToString(), Is.EqualTo("comm: char[16] at byte 2976"));
        Assert.That(obj.Field("comm").Kind, Is.EqualTo(KernelFieldKind.CharArray));
        var bit = obj.Field("in_execve");
        Assert.That(bit.ToString(), Is.EqualTo($"in_execve: unsigned int:1 (1 bit, unsigned) at bit {bit.BitOffset} (byte {bit.BitOffset / 8}, bit {bit.BitOffset % 8})"));
        Assert.That(obj.Field("__state").Maximum, Is.EqualTo((Int128)uint.MaxValue));
        Assert.That(obj.Field("pid").Minimum, Is.EqualTo((Int128)int.MinValue));
    }
}
