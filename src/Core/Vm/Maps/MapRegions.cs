namespace BtfNotebooks.Vm.Maps;

/// <summary>
/// A region whose bytes are only partly valid: map values whose element was deleted, the gaps between values, a
/// ring buffer outside its reserved records. The interpreter enforces it through the load/store hooks; helpers that
/// copy memory ask <see cref="Helpers.HelperMemory"/>, which consults it too.
/// </summary>
internal interface IGuardedRegion
{
    /// <summary>Null when <paramref name="size"/> bytes at <paramref name="offset"/> may be accessed; else why not.</summary>
    string? Check(int offset, int size, bool write);
}

/// <summary>
/// The read-only region a map's <c>lddw map_fd</c> points at: what a program hands to helpers as
/// <c>struct bpf_map *</c>. Helpers find the map from the address. Its 24 bytes hold type, key_size, value_size,
/// max_entries and map_flags as u32s (struct bpf_map_def's order) so a dump shows which map it is; they are not
/// the kernel's struct bpf_map, whose layout differs between kernels.
/// </summary>
internal sealed class MapHandleRegion : MemoryRegion
{
    internal MapHandleRegion(BpfMap map, ulong address)
        : base($"struct bpf_map '{map.Name}'", RegionKind.Kernel, new byte[24], writable: false, address)
    {
        Map = map;
        var d = Data.AsSpan();
        BitConverter.TryWriteBytes(d[0..], (uint)map.Type);
        BitConverter.TryWriteBytes(d[4..], map.KeySize);
        BitConverter.TryWriteBytes(d[8..], map.ValueSize);
        BitConverter.TryWriteBytes(d[12..], map.MaxEntries);
        BitConverter.TryWriteBytes(d[16..], map.Flags);
    }

    public BpfMap Map { get; }
}

/// <summary>Why a map value slot holds no element.</summary>
internal enum SlotState : byte
{
    Unused,
    Live,
    Deleted,
    Replaced,
    Evicted,
}

/// <summary>
/// A run of map value slots in VM memory: one region of <c>slots x stride</c> bytes. When it holds more than one
/// value, or values can die (hash maps), every access goes through the hooks, which allow only the bytes of a live
/// element's value: running past a value into the next one, or touching a deleted one, faults as the kernel's
/// verifier would have refused (it cannot check at run time, the VM can). A single array value with nothing to
/// guard stays on the interpreter's fast path (global data).
/// </summary>
internal sealed class MapValueRegion : MemoryRegion, IGuardedRegion
{
    private readonly ValueStore _store;
    private readonly int _firstSlot;

    internal MapValueRegion(string name, byte[] data, bool writable, ulong address, ValueStore store, int firstSlot, bool guarded)
        : base(name, RegionKind.MapValue, data, writable, address)
    {
        _store = store;
        _firstSlot = firstSlot;
        HasHooks = guarded;
    }

    public string? Check(int offset, int size, bool write)
    {
        if (!HasHooks) return null;
        int stride = _store.Stride;
        int index = offset / stride, within = offset - index * stride;
        int slot = _firstSlot + index;
        string? dead = _store.DeadReason(slot);
        if (dead is not null) return dead;
        if (within + size > _store.ValueSize)
            return $"{size} byte(s) at byte {within} of {_store.Describe(slot)} run past its {_store.ValueSize}-byte value";
        return null;
    }

    internal override LoadHookResult LoadHook(int offset, int size, out ulong value)
    {
        value = 0;
        return Check(offset, size, false) is null ? LoadHookResult.Bytes : LoadHookResult.Refused;
    }

    internal override string LoadRefusal(int offset, int size) => Check(offset, size, false) ?? "load refused";

    internal override string? StoreHook(int offset, int size) => Check(offset, size, true);
}

/// <summary>
/// The values of one map in VM memory, slot by slot, in regions of up to about 1 MiB created when first touched (a
/// large array costs nothing until used). Slots are 8-byte aligned like the kernel's elements, except a map of one
/// value, which gets a region of exactly its size. Hash maps allocate slots (never-used ones first, then freed ones
/// in the order they were freed, so a stale pointer keeps faulting as long as possible) and free them with a reason
/// that faults name.
/// </summary>
internal sealed class ValueStore
{
    private const int ChunkBytes = 1 << 20;

    private readonly AddressSpace _memory;
    private readonly BpfMap _map;
    private readonly bool _writable;
    private readonly bool _guarded;
    private readonly int _chunkSlots;
    private readonly MapValueRegion?[] _chunks;
    private readonly SlotState[]? _states;
    private readonly Queue<int> _free = new();
    private int _nextFresh;

    public ValueStore(AddressSpace memory, BpfMap map, int valueSize, int capacity, bool writable, bool slotsDie)
    {
        _memory = memory;
        _map = map;
        _writable = writable;
        ValueSize = valueSize;
        Capacity = capacity;
        bool single = capacity == 1 && !slotsDie;
        Stride = single ? valueSize : (valueSize + 7) & ~7;
        _guarded = !single;
        _chunkSlots = single ? 1 : Math.Clamp(ChunkBytes / Stride, 1, capacity);
        _chunks = new MapValueRegion?[(capacity + _chunkSlots - 1) / _chunkSlots];
        if (slotsDie) _states = new SlotState[capacity];
    }

    public int ValueSize { get; }

    public int Stride { get; }

    public int Capacity { get; }

    /// <summary>VM address of slot <paramref name="slot"/>'s value (its region is mapped if it was not).</summary>
    public ulong Address(int slot) => Chunk(slot).Address + (ulong)((slot % _chunkSlots) * Stride);

    /// <summary>The value bytes of <paramref name="slot"/>, for the host side.</summary>
    public Span<byte> Value(int slot) => Chunk(slot).Data.AsSpan(slot % _chunkSlots * Stride, ValueSize);

    /// <summary>A free slot, now live (zeroed), or -1 when every slot is in use.</summary>
    public int Allocate()
    {
        int slot;
        if (_nextFresh < Capacity) slot = _nextFresh++;
        else if (_free.Count > 0) slot = _free.Dequeue();
        else return -1;
        if (_states is not null) _states[slot] = SlotState.Live;
        Value(slot).Clear();
        return slot;
    }

    /// <summary>Frees a slot: from now on every access to it faults, naming <paramref name="why"/>.</summary>
    public void Release(int slot, SlotState why)
    {
        if (_states is null) throw new InvalidOperationException($"{_map} cannot free values");
        _states[slot] = why;
        _free.Enqueue(slot);
    }

    /// <summary>Null when the slot holds a live value; else the fault message.</summary>
    public string? DeadReason(int slot)
    {
        if (_states is null) return null;
        return _states[slot] switch
        {
            SlotState.Live => null,
            SlotState.Deleted => $"{Describe(slot)} belonged to an element that was deleted (bpf_map_delete_elem); the pointer is stale",
            SlotState.Replaced => $"{Describe(slot)} belonged to an element that bpf_map_update_elem replaced with a new one (the kernel does the same for hash maps); the pointer is stale",
            SlotState.Evicted => $"{Describe(slot)} belonged to an element evicted to make room (LRU); the pointer is stale",
            _ => $"{Describe(slot)} holds no element",
        };
    }

    public string Describe(int slot) => $"value slot {slot} of {_map}";

    private MapValueRegion Chunk(int slot)
    {
        int c = slot / _chunkSlots;
        if (_chunks[c] is { } chunk) return chunk;
        int first = c * _chunkSlots, count = Math.Min(_chunkSlots, Capacity - first);
        string name = Capacity == 1 ? $"{_map} value" : $"{_map} values {first}..{first + count - 1}";
        return _chunks[c] = _memory.Add(new MapValueRegion(name, new byte[count * Stride], _writable, _memory.NextAddress, this, first, _guarded));
    }
}
