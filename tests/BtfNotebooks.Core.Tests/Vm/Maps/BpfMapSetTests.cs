using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.Maps;
using BtfNotebooks.Tests.Elf;
using BtfNotebooks.Vm;
using BtfNotebooks.Vm.Helpers;
using BtfNotebooks.Vm.Maps;
using NUnit.Framework;
using static BtfNotebooks.Tests.Vm.Maps.MapTestSupport;

namespace BtfNotebooks.Tests.Vm.Maps;

/// <summary>The map set as loader: lddw resolution, global data, and clang-built objects run against it.</summary>
public class BpfMapSetTests
{
    private static BpfMapDefinition Global(string name, BpfMapKind kind, byte[] initial) =>
        Def(BpfMapType.Array, 4, (uint)initial.Length, 1, kind is BpfMapKind.ReadOnlyData or BpfMapKind.Kconfig ? BpfMapDefinition.FlagReadOnlyProgram : 0,
            name, initial, kind);

    [Test]
    public void Map_fd_loads_the_maps_handle_and_map_value_the_global_variables_address()
    {
        var sandbox = new Sandbox("""
            r1 = map[fd:1] ll
            r2 = map[fd:0][0]+4 ll
            r3 = map[idx:1] ll
            r0 = *(u32 *)(r2 + 0)
            exit
            """, [Global(".data", BpfMapKind.Data, [1, 0, 0, 0, 42, 0, 0, 0]), Hash(4)]);
        var trace = sandbox.Vm.RunTraced();
        Assert.That(trace.Result!.Value.R0, Is.EqualTo(42));
        var data = (ArrayMap)sandbox.Maps[".data"];
        Assert.That(trace.Steps[0].Registers[Register.R1], Is.EqualTo(sandbox.Maps[1].Address));
        Assert.That(trace.Steps[1].Registers[Register.R2], Is.EqualTo(data.ValueAddress(0) + 4));
        Assert.That(trace.Steps[2].Registers[Register.R3], Is.EqualTo(sandbox.Maps[1].Address));
        Assert.That(BpfMap.FromAddress(sandbox.Vm.Memory, sandbox.Maps[1].Address), Is.SameAs(sandbox.Maps[1]));
        Assert.That(sandbox.Vm.Memory.Find(sandbox.Maps[1].Address)!.ToString(), Does.Contain("struct bpf_map 'hash'").And.Contain("read-only"));
    }

    [TestCase("r1 = map[fd:2] ll", "names map 2, but the set has 2 map(s)", TestName = "a map index past the set")]
    [TestCase("r1 = map[fd:1][0]+0 ll", "no direct value address", TestName = "a value address of a hash map")]
    [TestCase("r1 = map[fd:0][0]+8 ll", "offset 8 is outside the 8-byte value", TestName = "an offset past the value")]
    [TestCase("r1 = btf[id:5] ll", "not a map reference", TestName = "a BTF ID")]
    public void Unresolvable_references_are_refused_naming_the_instruction(string lddw, string why)
    {
        var sandbox = new Sandbox($"{lddw}\nr0 = 0\nexit", [Global(".data", BpfMapKind.Data, new byte[8]), Hash(4)]);
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Run())!;
        Assert.That(e.Slot, Is.EqualTo(0));
        Assert.That(e.Message, Does.Contain(why));
    }

    [Test]
    public void Rodata_is_read_only_for_programs_but_the_test_may_set_it_before_a_run()
    {
        var sandbox = new Sandbox("r1 = map[fd:0][0]+0 ll\nr0 = *(u32 *)(r1 + 0)\nexit", [Global(".rodata", BpfMapKind.ReadOnlyData, [7, 0, 0, 0])]);
        var rodata = (ArrayMap)sandbox.Maps[0];
        Assert.That(sandbox.Run(), Is.EqualTo(7));
        Assert.That(rodata.Update(0u, 9u), Is.Zero);
        Assert.That(sandbox.Run(), Is.EqualTo(9));
        Assert.That(rodata.ProgramWritable, Is.False);

        var writer = new Sandbox("r1 = map[fd:0][0]+0 ll\n*(u32 *)(r1 + 0) = 1\nr0 = 0\nexit", [Global(".rodata", BpfMapKind.ReadOnlyData, new byte[4])]);
        var e = Assert.Throws<BpfRuntimeException>(() => writer.Run())!;
        Assert.That(e.Message, Does.Contain("read-only").And.Contain(".rodata"));

        var updater = new Sandbox("*(u32 *)(r10 - 4) = 0\n*(u32 *)(r10 - 8) = 1\nr1 = map[fd:0] ll\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -8\nr4 = 0\ncall 2\nexit",
            [Global(".kconfig", BpfMapKind.Kconfig, new byte[4])]);
        e = Assert.Throws<BpfRuntimeException>(() => updater.Run())!;
        Assert.That(e.Message, Does.Contain("bpf_map_update_elem").And.Contain("BPF_F_RDONLY_PROG"));
    }

    [Test]
    public void A_global_data_value_is_exactly_its_size_and_on_the_fast_path()
    {
        var set = new BpfMapSet(new AddressSpace(), [Global(".bss", BpfMapKind.Bss, new byte[5])]);
        var region = set.Memory.Find(((ArrayMap)set[0]).ValueAddress(0))!;
        Assert.That(region.Length, Is.EqualTo(5));
        Assert.That(region.Kind, Is.EqualTo(RegionKind.MapValue));
        Assert.That(region.HasHooks, Is.False);
    }

    [Test]
    public void Attaching_to_a_VM_with_other_memory_is_refused()
    {
        var set = new BpfMapSet(new AddressSpace(), [Hash(1)]);
        var vm = new BpfVm([Instruction.Mov64(Register.R0, 0), Instruction.Exit()]);
        Assert.Throws<ArgumentException>(() => set.Attach(vm));
        Assert.That(set["hash"], Is.SameAs(set[0]));
        Assert.Throws<KeyNotFoundException>(() => _ = set["nope"]);
        Assert.Throws<InvalidCastException>(() => set.Get<RingBufMap>("hash"));
    }

    private const string CountingProgram = """
        #include <linux/bpf.h>
        #include <bpf/bpf_helpers.h>

        struct {
            __uint(type, BPF_MAP_TYPE_HASH);
            __uint(max_entries, 16);
            __type(key, __u32);
            __type(value, __u64);
        } counts SEC(".maps");

        __u64 total = 5;
        const volatile __u32 step = 3;
        __u32 seen;

        SEC("xdp")
        int count(struct xdp_md *ctx)
        {
            __u32 key = ctx->data_end - ctx->data;
            __u64 *v = bpf_map_lookup_elem(&counts, &key);
            if (v) {
                *v += step;
            } else {
                __u64 first = step;
                bpf_map_update_elem(&counts, &key, &first, BPF_NOEXIST);
            }
            total += step;
            seen++;
            return XDP_PASS;
        }

        char _license[] SEC("license") = "GPL";
        """;

    [Test]
    public void A_clang_built_program_counts_in_a_hash_map_and_global_data()
    {
        using var o = ClangBpf.Compile(CountingProgram);
        var obj = BpfObjectFile.Load(o.Path);
        var vm = new BpfVm(obj.LinkProgramWithMaps("count")) { Name = "count" };
        var maps = BpfMapSet.Load(vm, obj);
        BpfHelpers.Register(vm);
        Assert.That(maps.Select(m => m.Name), Is.EqualTo(new[] { "counts", ".data", ".rodata", ".bss" }));

        ulong ctx = ProgramContext.Setup(vm, ProgramContextKind.Xdp, new byte[60]);
        Assert.That(vm.Run(ctx).R0, Is.EqualTo(2)); // XDP_PASS
        Assert.That(vm.Run(ctx).R0, Is.EqualTo(2));
        ((ArrayMap)maps[".rodata"]).Update(0u, 10u); // as a skeleton sets rodata before load
        Assert.That(vm.Run(ctx).R0, Is.EqualTo(2));

        Assert.That(maps["counts"].EntriesAs<uint, ulong>().Single(), Is.EqualTo(KeyValuePair.Create(60u, 16UL)));
        Assert.That(maps[".data"].Lookup<uint, ulong>(0), Is.EqualTo(5UL + 3 + 3 + 10));
        Assert.That(maps[".bss"].Lookup<uint, uint>(0), Is.EqualTo(3));
    }
}
