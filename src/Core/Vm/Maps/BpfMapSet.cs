using System.Collections;
using BtfNotebooks.Asm;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.Maps;

namespace BtfNotebooks.Vm.Maps;

/// <summary>
/// The maps of one BPF object, created in a VM's memory in the object's order (<see cref="BpfObjectFile.Maps"/>),
/// playing libbpf's part at load time: it adjusts what libbpf adjusts before BPF_MAP_CREATE (ring buffer size rounded
/// up to a power-of-two number of pages, perf event array sized to the CPU count), and resolves the lddw instructions
/// <see cref="BpfObjectFile.LinkProgramWithMaps"/> leaves, where the immediate is the map's index (libbpf's fd): src 1
/// (BPF_PSEUDO_MAP_FD) or 5 (BPF_PSEUDO_MAP_IDX) loads the map's <see cref="BpfMap.Address"/>, src 2 or 6 (map value)
/// the address of a one-element array's value plus the second slot's offset (global variables).
/// </summary>
public sealed class BpfMapSet : IReadOnlyList<BpfMap>
{
    /// <summary>CPUs the VM has: it runs one program at a time, on CPU 0.</summary>
    public const int PossibleCpus = 1;

    private readonly List<BpfMap> _maps = [];

    /// <summary>Creates the maps of <paramref name="definitions"/>, in order, in <paramref name="memory"/>.</summary>
    public BpfMapSet(AddressSpace memory, IEnumerable<BpfMapDefinition> definitions)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(definitions);
        Memory = memory;
        foreach (var definition in definitions) _maps.Add(BpfMap.Create(memory, AdjustAsLibbpf(definition)));
    }

    /// <summary>
    /// Loads <paramref name="obj"/>'s maps into <paramref name="vm"/>: creates them in its memory, attaches the set
    /// as its lddw resolver, and fills prog arrays with the programs their definitions name
    /// (<c>.values = { [i] = &amp;prog }</c>), each linked with its maps, as libbpf does after loading them.
    /// </summary>
    public static BpfMapSet Load(BpfVm vm, BpfObjectFile obj)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(obj);
        var set = new BpfMapSet(vm.Memory, obj.Maps);
        set.Attach(vm);
        for (int i = 0; i < set.Count; i++)
            if (set[i] is ProgArrayMap array)
                foreach (var slot in obj.Maps[i].InitialSlots)
                    array.Set((uint)slot.Index, TailCallProgram.FromObject(obj, slot.Name));
        return set;
    }

    /// <summary>The memory the maps live in.</summary>
    public AddressSpace Memory { get; }

    public int Count => _maps.Count;

    public BpfMap this[int index] => _maps[index];

    /// <summary>The map called <paramref name="name"/> (libbpf's name: ".data", "events"...).</summary>
    public BpfMap this[string name] => _maps.FirstOrDefault(m => m.Name == name)
        ?? throw new KeyNotFoundException($"no map is called '{name}' (maps: {string.Join(", ", _maps.Select(m => m.Name))})");

    /// <summary>The map called <paramref name="name"/> as <typeparamref name="T"/> (throws naming its real type otherwise).</summary>
    public T Get<T>(string name) where T : BpfMap => this[name] as T
        ?? throw new InvalidCastException($"{this[name]} is a {this[name].GetType().Name}, not a {typeof(T).Name}");

    /// <summary>Makes this set <paramref name="vm"/>'s lddw resolver; the VM must use the set's memory.</summary>
    public void Attach(BpfVm vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        if (!ReferenceEquals(vm.Memory, Memory)) throw new ArgumentException("the VM has its own memory, where these maps do not exist; create the set with vm.Memory", nameof(vm));
        vm.ResolveLoadImm64 = Resolve;
    }

    /// <summary>The 64-bit value of a map-referring lddw (a <see cref="BpfVm.ResolveLoadImm64"/>).</summary>
    public ulong Resolve(Instruction insn, int slot)
    {
        var kind = insn.LoadImm64Kind;
        switch (kind)
        {
            case LoadImm64Kind.MapFd:
            case LoadImm64Kind.MapIndex:
                return MapAt(insn.Imm, kind).Address;
            case LoadImm64Kind.MapValue:
            case LoadImm64Kind.MapIndexValue:
            {
                var map = MapAt(insn.Imm, kind);
                // The kernel's map_direct_value_addr: arrays of one element, offset inside the value.
                if (map is not ArrayMap { IsPerCpu: false, MaxEntries: 1 } array)
                    throw new BpfRuntimeException(RuntimeErrorKind.Unsupported, $"{map} has no direct value address: only a one-element array (global data) has");
                uint offset = (uint)insn.NextImm;
                if (offset >= array.ValueSize)
                    throw new BpfRuntimeException(RuntimeErrorKind.Unsupported, $"offset {offset} is outside the {array.ValueSize}-byte value of {map}");
                return array.ValueAddress(0) + offset;
            }
            default:
                throw new BpfRuntimeException(RuntimeErrorKind.Unsupported,
                    $"lddw with src {(int)kind} ({kind}, imm {insn.Imm}) is not a map reference; the VM resolves maps only (a BTF ID needs a kernel object)");
        }
    }

    /// <summary>
    /// What libbpf changes in a definition before BPF_MAP_CREATE: a ring buffer's size becomes the smallest
    /// power-of-two multiple of the page size not below it (adjust_ringbuf_sz; 0 stays 0 so the kernel refuses it), and
    /// a perf event array of max_entries 0 gets one entry per possible CPU.
    /// </summary>
    public static BpfMapDefinition AdjustAsLibbpf(BpfMapDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.Type == BpfMapType.Ringbuf && definition.MaxEntries != 0)
        {
            uint size = definition.MaxEntries;
            const uint page = RingBufMap.PageSize;
            if (size % page == 0 && uint.IsPow2(size / page)) return definition;
            for (ulong mul = 1; mul <= uint.MaxValue / page; mul <<= 1)
                if (mul * page > size) return definition with { MaxEntries = (uint)(mul * page) };
            return definition;
        }
        if (definition.Type == BpfMapType.PerfEventArray && definition.MaxEntries == 0)
            return definition with { MaxEntries = PossibleCpus };
        return definition;
    }

    public IEnumerator<BpfMap> GetEnumerator() => _maps.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private BpfMap MapAt(int index, LoadImm64Kind kind) => (uint)index < (uint)_maps.Count ? _maps[index]
        : throw new BpfRuntimeException(RuntimeErrorKind.Unsupported,
            $"lddw of a {kind} names map {index}, but the set has {_maps.Count} map(s){(_maps.Count == 0 ? "" : $" (0..{_maps.Count - 1}: {string.Join(", ", _maps.Select(m => m.Name))})")}");
}
