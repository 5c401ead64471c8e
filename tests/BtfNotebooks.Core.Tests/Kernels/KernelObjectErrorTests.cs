using BtfNotebooks.Kernels;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Kernels;

/// <summary>Every refusal of <see cref="KernelObject"/>, with its whole message, on Debian 6.1 amd64's task_struct.</summary>
public class KernelObjectErrorTests
{
    private static KernelObject Task() => KernelObject.Create(TestKernels.Spec(TestKernels.Debian61), "task_struct");

    private static IEnumerable<TestCaseData> Refusals()
    {
        TestCaseData C(string name, Action<KernelObject> act, string message) => new TestCaseData(act, message).SetName(name);
        yield return C("unknown member, close names suggested", o => o.Set("pdi", 1),
            "struct task_struct has no member 'pdi'; did you mean pid?");
        yield return C("unknown nested member names the embedded struct", o => o.Set("se.vruntim", 1),
            "struct sched_entity (task_struct.se) has no member 'vruntim'; did you mean vruntime?");
        yield return C("unknown member with nothing close", o => o.Get("zzzzzzzzzzzz"),
            "struct task_struct has no member 'zzzzzzzzzzzz'");
        yield return C("pointer field", o => o.Set("mm", 1),
            "task_struct.mm is a pointer (struct mm_struct *); pointer fields are not supported: a kernel object here is one block of memory, with nothing for a pointer to point at");
        yield return C("member behind a pointer", o => o.Set("mm.arg_start", 1),
            "task_struct.mm is a pointer; the object holds no memory for it to point at, so members behind it cannot be set ('arg_start' in 'mm.arg_start')");
        yield return C("member inside a scalar", o => o.Set("pid.x", 1),
            "task_struct.pid is pid_t, not an embedded struct or union ('x' in 'pid.x')");
        yield return C("array of longs", o => o.Set("numa_faults_locality", 1),
            "task_struct.numa_faults_locality is long unsigned int[3], an array of long unsigned int; only char arrays take a value (a string)");
        yield return C("array element", o => o.Set("comm[0]", 1),
            "'comm[0]' in 'comm[0]': array elements cannot be addressed; a char array takes a whole string (comm=bash)");
        yield return C("a whole struct", o => o.Set("se", 1),
            "task_struct.se is struct sched_entity, not a single value; set one of its members (e.g. se.load, se.run_node, se.group_node, se.on_rq)");
        yield return C("empty member in a path", o => o.Set("se..vruntime", 1),
            "'se..vruntime' has an empty member name; write fields as member.member");
        yield return C("empty path", o => o.Set(" ", 1),
            $"empty field name for struct task_struct (9792 bytes, {TestKernels.Debian61})");
        yield return C("signed value too large", o => o.Set("pid", 2147483648),
            "task_struct.pid is pid_t (32 bits, signed): 2147483648 does not fit (-2147483648..2147483647, or 0x0..0xffffffff as a bit pattern)");
        yield return C("signed value too small", o => o.Set("pid", -2147483649),
            "task_struct.pid is pid_t (32 bits, signed): -2147483649 does not fit (-2147483648..2147483647, or 0x0..0xffffffff as a bit pattern)");
        yield return C("hex wider than the field", o => o.Set("pid", "0x100000000"),
            "task_struct.pid is pid_t (32 bits, signed): 0x100000000 (4294967296) does not fit (-2147483648..2147483647, or 0x0..0xffffffff as a bit pattern)");
        yield return C("negative into unsigned", o => o.Set("__state", -1),
            "task_struct.__state is unsigned int (32 bits, unsigned): -1 does not fit (0..4294967295)");
        yield return C("ulong into a narrower field", o => o.Set("__state", ulong.MaxValue),
            "task_struct.__state is unsigned int (32 bits, unsigned): 18446744073709551615 does not fit (0..4294967295)");
        yield return C("2 into a 1-bit bitfield", o => o.Set("in_execve", 2),
            "task_struct.in_execve is unsigned int:1 (1 bit, unsigned): 2 does not fit (0..1)");
        yield return C("a number far beyond 64 bits", o => o.Set("se.vruntime", "123456789012345678901234567890123456789012"),
            "task_struct.se.vruntime is u64 (64 bits, unsigned): 123456789012345678901234567890123456789012 does not fit (0..18446744073709551615)");
        yield return C("text that is not a number", o => o.Set("pid", "4x2"),
            "task_struct.pid is pid_t (32 bits, signed): '4x2' is not a number: decimal, 0x hex, or negative");
        yield return C("a number into a char array", o => o.Set("comm", 7),
            "task_struct.comm is char[16], a char array: it takes a string, not the number 7");
        yield return C("a string too long for comm", o => o.Set("comm", "0123456789abcdef"),
            "task_struct.comm is char[16]: \"0123456789abcdef\" is 16 byte(s), but it holds at most 15 plus the terminating NUL");
        yield return C("a NUL inside a string", o => o.Set("comm", "a\0b"),
            "task_struct.comm: the string contains a NUL character; it ends the string in C");
        yield return C("Get of a char array", o => o.Get("comm"),
            "task_struct.comm is char[16], a char array: read it with GetString");
        yield return C("GetUnsigned of a char array", o => o.GetUnsigned("comm"),
            "task_struct.comm is char[16], a char array: read it with GetString");
        yield return C("GetString of an integer", o => o.GetString("pid"),
            "task_struct.pid is pid_t (32 bits, signed), not a char array: read it with Get");
    }

    [TestCaseSource(nameof(Refusals))]
    public void Refuses(Action<KernelObject> act, string message)
    {
        var obj = Task();
        var e = Assert.Throws<KernelObjectException>(() => act(obj))!;
        Assert.That(e.Message, Is.EqualTo(message));
        Assert.That(obj.Bytes.All(b => b == 0), Is.True, "a refused write changes nothing");
    }

    [Test]
    public void UnknownTypesSuggestTheCloseOne()
    {
        var spec = TestKernels.Spec(TestKernels.Debian61);
        var e = Assert.Throws<KernelObjectException>(() => KernelObject.Create(spec, "task_strcut"))!;
        Assert.That(e.Message, Is.EqualTo($"no type 'task_strcut' in {TestKernels.Debian61}; did you mean task_struct?"));
        var e2 = Assert.Throws<KernelObjectException>(() => KernelObject.Create(spec, "pid_t"))!;
        Assert.That(e2.Message, Is.EqualTo("'pid_t' is int, not a struct or union"));
        var e3 = Assert.Throws<KernelObjectException>(() => KernelObject.Create(spec, ""))!;
        Assert.That(e3.Message, Is.EqualTo("no type named: expected a struct or union such as task_struct"));
    }

    private static IEnumerable<TestCaseData> BadText()
    {
        TestCaseData C(string text, string message) => new TestCaseData(text, message).SetName($"parse refuses \"{text}\"");
        yield return C("", "empty object text: expected a type and FIELD=VALUE assignments, e.g. task_struct pid=42 comm=bash");
        yield return C("pid=42", "column 1: expected the type first, got 'pid=42' (e.g. task_struct pid=42 comm=bash)");
        yield return C("struct", "column 7: expected a name after 'struct'");
        yield return C("struct pid=1", "column 8: expected a name after 'struct'");
        yield return C("nosuch pid=1", $"column 1: no type 'nosuch' in {TestKernels.Debian61}");
        yield return C("task_struct pid", "column 13: expected FIELD=VALUE, got 'pid'");
        yield return C("task_struct pid 42", "column 13: expected FIELD=VALUE, got 'pid'");
        yield return C("task_struct pid=", "column 13: 'pid=' has no value");
        yield return C("task_struct =5", "column 13: '=' without a field name before it");
        yield return C("task_struct comm=\"bash", "column 18: the quoted value has no closing \"");
        yield return C("task_struct comm=\"a\"b", "column 21: expected a space after the closing quote of comm=");
        yield return C("task_struct comm=\"a\\qb\"", "column 20: unknown escape '\\q' in a quoted value (known: \\\" \\' \\\\ \\n \\t)");
        yield return C("task_struct pid=1 tgid=2 pid=3", "column 26: pid is already set at column 13");
        yield return C("task_struct pid=abc", "column 13: pid=abc: task_struct.pid is pid_t (32 bits, signed): 'abc' is not a number: decimal, 0x hex, or negative");
        yield return C("task_struct comm=\"way too long a name\"", "column 13: comm=\"way too long a name\": task_struct.comm is char[16]: \"way too long a name\" is 19 byte(s), but it holds at most 15 plus the terminating NUL");
        yield return C("task_struct pdi=1", "column 13: pdi=1: struct task_struct has no member 'pdi'; did you mean pid?");
    }

    [TestCaseSource(nameof(BadText))]
    public void ParseRefuses(string text, string message)
    {
        var e = Assert.Throws<KernelObjectException>(() => KernelObject.Parse(TestKernels.Spec(TestKernels.Debian61), text))!;
        Assert.That(e.Message, Is.EqualTo(message));
    }
}
