using System.Buffers.Binary;
using BtfNotebooks.Elf.Maps;
using BtfNotebooks.Vm;
using BtfNotebooks.Vm.Maps;
using NUnit.Framework;
using static BtfNotebooks.Tests.Vm.Maps.MapTestSupport;

namespace BtfNotebooks.Tests.Vm.Maps;

/// <summary>
/// Each row is a script of map operations with the kernel's answers, run twice: from user space (the test API, as
/// the bpf() syscall) and from a program (bpf_map_lookup_elem/update_elem/delete_elem in a VM). Both must give every
/// answer, in order.
/// </summary>
[TestFixture(VmEngine.Interpreter)]
[TestFixture(VmEngine.Jit)]
public class MapOperationTests(VmEngine engine) : BothEngines(engine)
{
    private const string Absent = "none";

    // op key [value] [flags] = expected ("none" for a lookup miss, an errno name, or a number)
    public static IEnumerable<TestCaseData> Scripts()
    {
        string[] array =
        [
            "lookup 0 = 0", "update 0 7 any = 0", "lookup 0 = 7", "update 3 9 exist = 0", "lookup 3 = 9",
            "update 4 1 any = -E2BIG", "update 1 1 noexist = -EEXIST", "update 1 1 3 = -EINVAL", "update 1 1 8 = -EINVAL",
            "update 1 1 lock = -EINVAL", "delete 0 = -EINVAL", "lookup 4 = none", "lookup 0 = 7", "count = 4",
        ];
        string[] hash =
        [
            "lookup 1 = none", "update 1 10 exist = -ENOENT", "update 1 10 noexist = 0", "update 1 11 noexist = -EEXIST",
            "update 1 12 exist = 0", "lookup 1 = 12", "update 2 20 any = 0", "update 3 30 any = -E2BIG", "update 3 30 noexist = -E2BIG",
            "update 3 30 exist = -ENOENT", "update 2 21 any = 0", "lookup 2 = 21", "update 2 22 3 = -EINVAL", "update 2 22 lock = -EINVAL",
            "delete 3 = -ENOENT", "delete 1 = 0", "lookup 1 = none", "delete 1 = -ENOENT", "update 3 30 any = 0", "count = 2", "lookup 3 = 30",
        ];
        string[] lru =
        [
            "update 1 10 exist = -ENOENT", "update 1 10 noexist = 0", "update 1 11 noexist = -EEXIST", "update 2 20 any = 0",
            "update 3 30 any = 0", "count = 2", "lookup 1 = none", "lookup 3 = 30", "update 2 22 lock = -EINVAL", "update 2 22 3 = -EINVAL",
            "delete 2 = 0", "delete 2 = -ENOENT", "count = 1",
        ];
        yield return new TestCaseData(Array(4), array).SetName("array");
        yield return new TestCaseData(Def(BpfMapType.PercpuArray, 4, 8, 4, name: "percpu"), array).SetName("percpu_array");
        yield return new TestCaseData(Hash(2), hash).SetName("hash");
        yield return new TestCaseData(Hash(2, type: BpfMapType.PercpuHash), hash).SetName("percpu_hash");
        yield return new TestCaseData(Hash(2, type: BpfMapType.LruHash), lru).SetName("lru_hash");
        yield return new TestCaseData(Hash(2, type: BpfMapType.LruPercpuHash), lru).SetName("lru_percpu_hash");
    }

    [TestCaseSource(nameof(Scripts))]
    public void User_space_operations_answer_as_the_kernel(BpfMapDefinition definition, string[] script)
    {
        var map = BpfMap.Create(new AddressSpace(), definition);
        foreach (var line in script)
            Assert.That(UserStep(map, line), Is.EqualTo(Expected(line)), line);
    }

    [TestCaseSource(nameof(Scripts))]
    public void Program_operations_through_the_map_helpers_answer_as_the_kernel(BpfMapDefinition definition, string[] script)
    {
        var sandbox = NewSandbox(ScriptProgram, [definition]);
        var ctx = new byte[24];
        ulong ctxAddress = sandbox.MapBytes(ctx, "ctx", RegionKind.Context);
        foreach (var line in script)
        {
            var (op, key, value, flags) = Parse(line);
            if (op == "count")
            {
                Assert.That(sandbox.Maps[0].Count.ToString(), Is.EqualTo(Expected(line)), line);
                continue;
            }
            BinaryPrimitives.WriteUInt32LittleEndian(ctx, op switch { "lookup" => 1u, "update" => 2u, _ => 3u });
            BinaryPrimitives.WriteUInt32LittleEndian(ctx.AsSpan(4), key);
            BinaryPrimitives.WriteUInt64LittleEndian(ctx.AsSpan(8), value);
            BinaryPrimitives.WriteUInt64LittleEndian(ctx.AsSpan(16), flags);
            ulong r0 = sandbox.Run(ctxAddress);
            string got = op == "lookup" ? (r0 == ulong.MaxValue ? Absent : r0.ToString()) : BpfErrno.Describe((long)r0);
            Assert.That(got, Is.EqualTo(Expected(line)), line);
        }
    }

    // ctx: u32 op (1 lookup, 2 update, 3 delete), u32 key, u64 value, u64 flags. A lookup returns the value or ~0.
    private const string ScriptProgram = """
        r6 = r1
        r2 = *(u32 *)(r6 + 0)
        r7 = *(u32 *)(r6 + 4)
        *(u32 *)(r10 - 4) = r7
        r8 = *(u64 *)(r6 + 8)
        *(u64 *)(r10 - 16) = r8
        if r2 == 1 goto lookup
        if r2 == 2 goto update
        r1 = map[fd:0] ll
        r2 = r10
        r2 += -4
        call 3
        exit
        lookup:
        r1 = map[fd:0] ll
        r2 = r10
        r2 += -4
        call 1
        if r0 == 0 goto none
        r0 = *(u64 *)(r0 + 0)
        exit
        none:
        r0 = -1
        exit
        update:
        r1 = map[fd:0] ll
        r2 = r10
        r2 += -4
        r3 = r10
        r3 += -16
        r4 = *(u64 *)(r6 + 16)
        call 2
        exit
        """;

    private static string UserStep(BpfMap map, string line)
    {
        var (op, key, value, flags) = Parse(line);
        return op switch
        {
            "lookup" => map.Lookup<uint, ulong>(key) is ulong v ? v.ToString() : Absent,
            "update" => BpfErrno.Describe(map.Update(key, value, (BpfMapUpdateFlags)flags)),
            "delete" => BpfErrno.Describe(map.Delete(key)),
            "count" => map.Count.ToString(),
            _ => throw new ArgumentException(line),
        };
    }

    private static string Expected(string line) => line[(line.IndexOf('=') + 1)..].Trim();

    private static (string Op, uint Key, ulong Value, ulong Flags) Parse(string line)
    {
        var words = line[..line.IndexOf('=')].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        uint key = words.Length > 1 ? uint.Parse(words[1]) : 0;
        ulong value = words.Length > 2 ? ulong.Parse(words[2]) : 0;
        ulong flags = words.Length > 3 ? words[3] switch { "any" => 0, "noexist" => 1, "exist" => 2, "lock" => 4, var n => ulong.Parse(n) } : 0;
        return (words[0], key, value, flags);
    }

    [Test]
    public void Arrays_enumerate_every_index_and_hash_maps_their_elements_in_insertion_order()
    {
        var array = BpfMap.Create(new AddressSpace(), Array(3));
        array.Update(1u, 5UL);
        Assert.That(array.EntriesAs<uint, ulong>().Select(e => $"{e.Key}:{e.Value}"), Is.EqualTo(new[] { "0:0", "1:5", "2:0" }));

        var hash = BpfMap.Create(new AddressSpace(), Hash(8));
        foreach (uint k in new uint[] { 7, 3, 5 }) hash.Update(k, (ulong)k * 10);
        hash.Delete(3u);
        hash.Update(9u, 90UL);
        hash.Update(7u, 71UL); // an update keeps its place
        Assert.That(hash.EntriesAs<uint, ulong>().Select(e => $"{e.Key}:{e.Value}"), Is.EqualTo(new[] { "7:71", "5:50", "9:90" }));
    }

    [Test]
    public void Keys_of_any_size_compare_by_bytes()
    {
        var map = BpfMap.Create(new AddressSpace(), Hash(4, key: 6, value: 2));
        Assert.That(map.Update([1, 2, 3, 4, 5, 6], [9, 9]), Is.Zero);
        Assert.That(map.Lookup([1, 2, 3, 4, 5, 6]), Is.EqualTo(new byte[] { 9, 9 }));
        Assert.That(map.Lookup([1, 2, 3, 4, 5, 7]), Is.Null);
    }

    [TestCase(BpfMapType.Array, 8u, 8u, 4u, "key_size 8 is not 4")]
    [TestCase(BpfMapType.Array, 4u, 0u, 4u, "must be non-zero")]
    [TestCase(BpfMapType.Hash, 0u, 8u, 4u, "must be non-zero")]
    [TestCase(BpfMapType.Hash, 4u, 8u, 0u, "must be non-zero")]
    [TestCase(BpfMapType.Ringbuf, 0u, 0u, 5000u, "power of two")]
    [TestCase(BpfMapType.Ringbuf, 4u, 0u, 4096u, "must be 0")]
    [TestCase(BpfMapType.PerfEventArray, 4u, 8u, 1u, "must both be 4")]
    [TestCase(BpfMapType.ProgArray, 4u, 4u, 0u, "max_entries 0")]
    public void Creation_refuses_what_BPF_MAP_CREATE_refuses(BpfMapType type, uint key, uint value, uint max, string why)
    {
        var e = Assert.Throws<ArgumentException>(() => BpfMap.Create(new AddressSpace(), Def(type, key, value, max)))!;
        Assert.That(e.Message, Does.Contain(why));
    }

    [Test]
    public void Typed_operations_check_sizes_and_name_the_map()
    {
        var map = BpfMap.Create(new AddressSpace(), Hash(4, name: "flows"));
        var e = Assert.Throws<ArgumentException>(() => map.Update(1UL, 1UL))!;
        Assert.That(e.Message, Does.Contain("hash map 'flows'").And.Contain("4-byte keys"));
        e = Assert.Throws<ArgumentException>(() => map.Lookup<uint, uint>(1))!;
        Assert.That(e.Message, Does.Contain("8-byte values"));
    }

    [Test]
    public void Unsupported_map_types_load_but_fail_on_use_naming_the_type()
    {
        var sandbox = NewSandbox("r1 = map[fd:0] ll\nr2 = r10\nr2 += -8\n*(u64 *)(r10 - 8) = 0\ncall 1\nr0 = 0\nexit",
            [Def(BpfMapType.LpmTrie, 8, 8, 16, name: "routes")]);
        Assert.That(sandbox.Maps[0], Is.InstanceOf<UnsupportedMap>());
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Run())!;
        Assert.That(e.Message, Does.Contain("bpf_map_lookup_elem").And.Contain("lpm_trie").And.Contain("does not emulate"));
    }
}
