using BtfNotebooks.Elf.Maps;

namespace BtfNotebooks.Vm.Maps;

/// <summary>
/// BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH (the per-CPU kinds with one CPU). Keys are compared
/// as bytes; each element's value lives in a map value slot in VM memory. As in the kernel, an update of an existing
/// key puts the new value in a new element and frees the old one, so a pointer from an earlier lookup goes stale;
/// the VM makes every stale or deleted value fault (naming the map and why), for programs and for the helpers that
/// read memory, instead of silently reading reused memory. A freed slot is reused only after every never-used and
/// earlier-freed one, and there are <see cref="QuarantineSlots"/> more slots than the map can hold plus the spare the
/// kernel keeps for updates, so a stale pointer keeps faulting for at least that many further insertions; only past
/// that may it alias a new element, as it would at once in the kernel.
/// <para>
/// A full hash map refuses new keys with -E2BIG. An LRU map instead evicts its least recently used element, where
/// "use" is a program's lookup or any update (a test's <see cref="BpfMap.Lookup(ReadOnlySpan{byte})"/> is not a use,
/// like the syscall's). The kernel is only roughly LRU: it keeps active/inactive lists with reference bits, evicts in
/// batches of up to 128 per CPU, may evict on an update of an existing key or one that fails its flags check; the VM
/// evicts exactly one element, the least recently used, and only to insert a new key.
/// </para>
/// </summary>
public sealed class HashMap : BpfMap
{
    private sealed class Entry(byte[] key, int slot)
    {
        public byte[] Key { get; } = key;
        public int Slot { get; set; } = slot;
        public LinkedListNode<Entry>? Order { get; set; }
        public LinkedListNode<Entry>? Recency { get; set; }
    }

    private readonly Dictionary<byte[], Entry> _entries = new(ByteArrayComparer.Instance);
    private readonly LinkedList<Entry> _order = new();
    private readonly LinkedList<Entry> _recency = new(); // LRU maps: least recently used first
    private readonly ValueStore _values;

    internal HashMap(AddressSpace memory, BpfMapDefinition definition) : base(memory, definition)
    {
        // htab_map_alloc_check
        if (definition.KeySize == 0 || definition.ValueSize == 0 || definition.MaxEntries == 0)
            throw new ArgumentException($"{this}: key_size {definition.KeySize}, value_size {definition.ValueSize} and max_entries {definition.MaxEntries} must be non-zero (-EINVAL)");
        // One slot more than max_entries, as the kernel keeps a spare element per CPU for updates of existing keys,
        // and the quarantine that keeps freed slots unused for a while.
        long capacity = definition.MaxEntries + 1L + Math.Min(definition.MaxEntries, QuarantineSlots);
        if (capacity * ((definition.ValueSize + 7) & ~7u) > int.MaxValue)
            throw new ArgumentException($"{this}: {definition.MaxEntries} values of {definition.ValueSize} bytes are more memory than the VM gives one map (2 GiB)");
        IsLru = definition.Type is BpfMapType.LruHash or BpfMapType.LruPercpuHash;
        _values = new ValueStore(memory, this, (int)definition.ValueSize, (int)capacity, writable: true, slotsDie: true);
    }

    /// <summary>Slots beyond max_entries + 1 (at most this many, at most max_entries) that keep freed values unused.</summary>
    public const int QuarantineSlots = 1024;

    public bool IsLru { get; }

    public override int Count => _entries.Count;

    /// <summary>For LRU maps, the keys from least to most recently used (the next eviction first).</summary>
    public IEnumerable<byte[]> LruOrder => _recency.Select(e => e.Key.ToArray());

    /// <summary>How many elements an LRU map evicted to make room.</summary>
    public long Evictions { get; private set; }

    public override ulong LookupForProgram(ReadOnlySpan<byte> key)
    {
        if (!_entries.TryGetValue(key.ToArray(), out var entry)) return 0;
        Touch(entry);
        return _values.Address(entry.Slot);
    }

    public override long UpdateForProgram(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ulong flags) => Store(key, value, flags, fromUser: false);

    public override long DeleteForProgram(ReadOnlySpan<byte> key) => Remove(key);

    public override byte[]? Lookup(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        return _entries.TryGetValue(key.ToArray(), out var entry) ? _values.Value(entry.Slot).ToArray() : null;
    }

    public override int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any)
    {
        CheckKey(key);
        CheckValue(value);
        return Store(key, value, (ulong)flags, fromUser: true);
    }

    public override int Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        return Remove(key);
    }

    public override IEnumerable<KeyValuePair<byte[], byte[]>> Entries =>
        _order.Select(e => KeyValuePair.Create(e.Key.ToArray(), _values.Value(e.Slot).ToArray())).ToList();

    /// <summary>The VM address of <paramref name="key"/>'s value, or null; not a use for LRU.</summary>
    public ulong? ValueAddress(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        return _entries.TryGetValue(key.ToArray(), out var entry) ? _values.Address(entry.Slot) : null;
    }

    // htab_map_update_elem / htab_lru_map_update_elem: flags (LRU maps have no F_LOCK), then check_flags against the
    // existing element (-EEXIST, -ENOENT), then a new element: -E2BIG when full, or an LRU eviction.
    private int Store(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ulong flags, bool fromUser)
    {
        int error = CheckUpdateFlags(flags, fromUser);
        if (error != 0) return error;
        if (LockRefused(flags)) return -BpfErrno.EINVAL;
        var k = key.ToArray();
        _entries.TryGetValue(k, out var old);
        ulong mode = flags & ~(ulong)BpfMapUpdateFlags.Lock;
        if (old is not null && mode == (ulong)BpfMapUpdateFlags.NoExist) return -BpfErrno.EEXIST;
        if (old is null && mode == (ulong)BpfMapUpdateFlags.Exist) return -BpfErrno.ENOENT;
        if (old is null && _entries.Count >= MaxEntries)
        {
            if (!IsLru) return -BpfErrno.E2BIG;
            var victim = _recency.First!.Value;
            Unlink(victim, SlotState.Evicted);
            Evictions++;
        }
        int slot = _values.Allocate();
        if (slot < 0) throw new InvalidOperationException($"{this}: no free value slot with {_entries.Count} of {MaxEntries} elements");
        value.CopyTo(_values.Value(slot));
        if (old is not null)
        {
            _values.Release(old.Slot, SlotState.Replaced);
            old.Slot = slot;
            Touch(old);
            return 0;
        }
        var entry = new Entry(k, slot);
        _entries.Add(k, entry);
        entry.Order = _order.AddLast(entry);
        if (IsLru) entry.Recency = _recency.AddLast(entry);
        return 0;
    }

    private int Remove(ReadOnlySpan<byte> key)
    {
        if (!_entries.TryGetValue(key.ToArray(), out var entry)) return -BpfErrno.ENOENT;
        Unlink(entry, SlotState.Deleted);
        return 0;
    }

    private void Unlink(Entry entry, SlotState why)
    {
        _entries.Remove(entry.Key);
        _order.Remove(entry.Order!);
        if (entry.Recency is not null) _recency.Remove(entry.Recency);
        _values.Release(entry.Slot, why);
    }

    private void Touch(Entry entry)
    {
        if (entry.Recency is null) return;
        _recency.Remove(entry.Recency);
        _recency.AddLast(entry.Recency);
    }
}

/// <summary>Byte-array keys compared by content.</summary>
internal sealed class ByteArrayComparer : IEqualityComparer<byte[]>
{
    public static readonly ByteArrayComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj)
    {
        var hash = new HashCode();
        hash.AddBytes(obj);
        return hash.ToHashCode();
    }
}
