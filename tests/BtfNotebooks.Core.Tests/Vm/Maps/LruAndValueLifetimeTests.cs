using BtfNotebooks.Elf.Maps;
using BtfNotebooks.Vm;
using BtfNotebooks.Vm.Maps;
using NUnit.Framework;
using static BtfNotebooks.Tests.Vm.Maps.MapTestSupport;

namespace BtfNotebooks.Tests.Vm.Maps;

/// <summary>
/// LRU eviction order, and what happens to value pointers when their element goes away: they fault, naming the map
/// and why, instead of reading memory that now belongs to someone else.
/// </summary>
[TestFixture(VmEngine.Interpreter)]
[TestFixture(VmEngine.Jit)]
public class LruAndValueLifetimeTests(VmEngine engine) : BothEngines(engine)
{
    // ctx u32 key at 0. Looks the key up from the program (a "use") and returns its value or ~0.
    private const string LookupProgram = """
        r2 = *(u32 *)(r1 + 0)
        *(u32 *)(r10 - 4) = r2
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
        """;

    // Each row: operations (u = update from the test, p = lookup from the program, t = lookup from the test), then the
    // keys left from least to most recently used.
    [TestCase("u1 u2 u3 u4", "2 3 4", TestName = "inserting into a full map evicts the oldest")]
    [TestCase("u1 u2 u3 p1 u4", "3 1 4", TestName = "a program lookup makes an element recent")]
    [TestCase("u1 u2 u3 t1 u4", "2 3 4", TestName = "a test lookup is not a use (like the syscall)")]
    [TestCase("u1 u2 u3 u1 u4", "3 1 4", TestName = "an update is a use")]
    [TestCase("u1 u2 u3 p2 p1 u4 u5", "1 4 5", TestName = "uses reorder several elements")]
    [TestCase("u1 u2 u3 p9 u4", "2 3 4", TestName = "a missing key changes nothing")]
    public void Lru_hash_evicts_the_least_recently_used_element(string operations, string left)
    {
        var sandbox = NewSandbox(LookupProgram, [Hash(3, type: BpfMapType.LruHash, name: "lru")]);
        var map = (HashMap)sandbox.Maps[0];
        var ctx = new byte[4];
        ulong ctxAddress = sandbox.MapBytes(ctx, "ctx", RegionKind.Context);
        var expectedPresent = left.Split(' ').Select(uint.Parse).ToHashSet();
        foreach (var op in operations.Split(' '))
        {
            uint key = uint.Parse(op[1..]);
            switch (op[0])
            {
                case 'u': Assert.That(map.Update(key, key * 100UL), Is.Zero); break;
                case 't': map.Lookup<uint, ulong>(key); break;
                default:
                    BitConverter.TryWriteBytes(ctx, key);
                    sandbox.Run(ctxAddress);
                    break;
            }
        }
        Assert.That(map.LruOrder.Select(k => BitConverter.ToUInt32(k)), Is.EqualTo(left.Split(' ').Select(uint.Parse)));
        Assert.That(map.EntriesAs<uint, ulong>().Select(e => e.Key).ToHashSet(), Is.EquivalentTo(expectedPresent));
        Assert.That(map.Count, Is.LessThanOrEqualTo(3));
    }

    [Test]
    public void Eviction_is_counted_and_the_evicted_value_is_gone()
    {
        var map = (HashMap)BpfMap.Create(new AddressSpace(), Hash(2, type: BpfMapType.LruHash));
        map.Update(1u, 10UL);
        map.Update(2u, 20UL);
        map.Update(3u, 30UL);
        Assert.That(map.Evictions, Is.EqualTo(1));
        Assert.That(map.Lookup<uint, ulong>(1), Is.Null);
        Assert.That(map.Lookup<uint, ulong>(3), Is.EqualTo(30));
    }

    // Looks key 1 up, then does something to the map, then reads through the old pointer.
    private static string StaleProgram(string between) => $"""
        *(u32 *)(r10 - 4) = 1
        r1 = map[fd:0] ll
        r2 = r10
        r2 += -4
        call 1
        if r0 == 0 goto out
        r6 = r0
        {between}
        r0 = *(u64 *)(r6 + 0)
        out:
        exit
        """;

    private const string Delete = "r1 = map[fd:0] ll\nr2 = r10\nr2 += -4\ncall 3";
    private const string Replace = "*(u64 *)(r10 - 16) = 5\nr1 = map[fd:0] ll\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -16\nr4 = 0\ncall 2";
    private const string Evict = "*(u32 *)(r10 - 8) = 2\n*(u64 *)(r10 - 16) = 5\nr1 = map[fd:0] ll\nr2 = r10\nr2 += -8\nr3 = r10\nr3 += -16\nr4 = 0\ncall 2";

    [TestCase(BpfMapType.Hash, Delete, "deleted", TestName = "a deleted element's value faults")]
    [TestCase(BpfMapType.Hash, Replace, "replaced", TestName = "a value replaced by an update faults")]
    [TestCase(BpfMapType.LruHash, Evict, "evicted", TestName = "an evicted LRU value faults")]
    public void Stale_value_pointers_fault_naming_the_map_and_why(BpfMapType type, string between, string why)
    {
        var sandbox = NewSandbox(StaleProgram(between), [Hash(1, type: type, name: "sessions")]);
        sandbox.Maps[0].Update(1u, 42UL);
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Run())!;
        Assert.That(e.Kind, Is.EqualTo(RuntimeErrorKind.MemoryFault));
        Assert.That(e.Message, Does.Contain("sessions").And.Contain(why).And.Contain("stale"));
        Assert.That(e.InstructionText, Does.Contain("r6 + 0x0"));
    }

    [Test]
    public void A_helper_cannot_read_a_deleted_value_either()
    {
        // bpf_map_update_elem of key 2 with the value pointer of the deleted key 1.
        var sandbox = NewSandbox(StaleProgram(Delete + "\n*(u32 *)(r10 - 8) = 2\nr1 = map[fd:0] ll\nr2 = r10\nr2 += -8\nr3 = r6\nr4 = 0\ncall 2"),
            [Hash(4, name: "sessions")]);
        sandbox.Maps[0].Update(1u, 42UL);
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Run())!;
        Assert.That(e.Message, Does.Contain("bpf_map_update_elem").And.Contain("deleted"));
    }

    [Test]
    public void Freed_slots_are_reused_last_so_stale_pointers_keep_faulting()
    {
        // A full map of 3: the freed slot comes back only after the spare and the quarantine (3 slots) were used.
        var map = (HashMap)BpfMap.Create(new AddressSpace(), Hash(3));
        foreach (uint k in new uint[] { 1, 2, 3 }) map.Update(k, 1UL);
        ulong stale = map.ValueAddress(U32(1))!.Value;
        map.Delete(1u);
        var addresses = new List<ulong>();
        for (int i = 0; i < 5; i++)
        {
            map.Update(2u, (ulong)i); // each update of an existing key takes a new slot and frees the old one
            addresses.Add(map.ValueAddress(U32(2))!.Value);
        }
        Assert.That(addresses.Take(4), Does.Not.Contain(stale));
        Assert.That(addresses[4], Is.EqualTo(stale));
        Assert.That(map.Lookup<uint, ulong>(2), Is.EqualTo(4));
    }

    [TestCase("r0 = *(u64 *)(r0 + 8)", "run past its 12-byte value", TestName = "reading past a value into the next element faults")]
    [TestCase("*(u32 *)(r0 + 12) = 1", "run past its 12-byte value", TestName = "writing into the padding after a value faults")]
    [TestCase("r0 = *(u64 *)(r0 - 8)", "run past", TestName = "reading the previous element through this one's pointer faults")]
    public void Array_values_are_bounded_one_by_one(string access, string why)
    {
        var sandbox = NewSandbox($"*(u32 *)(r10 - 4) = 1\nr1 = map[fd:0] ll\nr2 = r10\nr2 += -4\ncall 1\nif r0 == 0 goto out\n{access}\nout:\nexit",
            [Def(BpfMapType.Array, 4, 12, 4, name: "stats")]);
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Run())!;
        Assert.That(e.Message, Does.Contain("stats").And.Contain(why));
    }

    [Test]
    public void Atomic_counters_in_map_values_work_through_the_guarded_path()
    {
        var sandbox = NewSandbox("""
            *(u32 *)(r10 - 4) = 0
            r1 = map[fd:0] ll
            r2 = r10
            r2 += -4
            call 1
            if r0 == 0 goto out
            r1 = 3
            lock *(u64 *)(r0 + 0) += r1
            r1 = 1
            r1 = atomic_fetch_add((u64 *)(r0 + 0), r1)
            r0 = r1
            out:
            exit
            """, [Hash(1, name: "counters")]);
        sandbox.Maps[0].Update(0u, 10UL);
        Assert.That(sandbox.Run(), Is.EqualTo(13));
        Assert.That(sandbox.Maps[0].Lookup<uint, ulong>(0), Is.EqualTo(14));
    }
}
