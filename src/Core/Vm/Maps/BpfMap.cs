using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BtfNotebooks.Elf.Maps;

namespace BtfNotebooks.Vm.Maps;

/// <summary>
/// One BPF map living in a VM's memory, created from a <see cref="BpfMapDefinition"/> as the kernel creates it for
/// BPF_MAP_CREATE (same validation, same errors). Programs reach it through the address <c>lddw map_fd</c> loads
/// (<see cref="Address"/>, a small read-only region standing for <c>struct bpf_map</c>) and the map helpers, which
/// call the <c>...ForProgram</c> operations; tests use <see cref="Lookup(ReadOnlySpan{byte})"/>,
/// <see cref="Update(ReadOnlySpan{byte}, ReadOnlySpan{byte}, BpfMapUpdateFlags)"/>, <see cref="Delete(ReadOnlySpan{byte})"/>
/// and <see cref="Entries"/> as user space uses the bpf() syscall, with the same return codes (0 or a negated errno).
/// Operations the kernel's verifier would reject from a program (a lookup in a ring buffer) throw; operations the
/// kernel refuses at run time return its errno.
/// </summary>
public abstract class BpfMap
{
    private readonly MapHandleRegion _handle;

    private protected BpfMap(AddressSpace memory, BpfMapDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(definition);
        Memory = memory;
        Definition = definition;
        _handle = memory.Add(new MapHandleRegion(this, memory.NextAddress));
    }

    /// <summary>Creates the map <paramref name="definition"/> describes, in <paramref name="memory"/>. Types the VM does
    /// not emulate get an <see cref="UnsupportedMap"/>, which a program can load but not use.</summary>
    public static BpfMap Create(AddressSpace memory, BpfMapDefinition definition) => definition.Type switch
    {
        BpfMapType.Array or BpfMapType.PercpuArray => new ArrayMap(memory, definition),
        BpfMapType.Hash or BpfMapType.PercpuHash or BpfMapType.LruHash or BpfMapType.LruPercpuHash => new HashMap(memory, definition),
        BpfMapType.Ringbuf => new RingBufMap(memory, definition),
        BpfMapType.PerfEventArray => new PerfEventArrayMap(memory, definition),
        BpfMapType.ProgArray => new ProgArrayMap(memory, definition),
        _ => new UnsupportedMap(memory, definition),
    };

    /// <summary>The map whose <see cref="Address"/> is exactly <paramref name="address"/> in <paramref name="memory"/>, or null.</summary>
    public static BpfMap? FromAddress(AddressSpace memory, ulong address) =>
        memory.Find(address) is MapHandleRegion handle && handle.Address == address ? handle.Map : null;

    public BpfMapDefinition Definition { get; }

    public AddressSpace Memory { get; }

    public string Name => Definition.Name;

    public BpfMapType Type => Definition.Type;

    public uint KeySize => Definition.KeySize;

    public uint ValueSize => Definition.ValueSize;

    public uint MaxEntries => Definition.MaxEntries;

    public uint Flags => Definition.Flags;

    /// <summary>What <c>lddw rX, map_fd</c> loads for this map: the <c>struct bpf_map *</c> programs pass to helpers.</summary>
    public ulong Address => _handle.Address;

    /// <summary>Elements in the map (for arrays, max_entries: every index exists).</summary>
    public abstract int Count { get; }

    public override string ToString() => $"{Type.ToLibbpfName()} map '{Name}'";

    // ---- the program's side: what the map helpers do ----

    /// <summary>bpf_map_lookup_elem: the VM address of the value for <paramref name="key"/>, or 0 (NULL).</summary>
    public virtual ulong LookupForProgram(ReadOnlySpan<byte> key) => throw NotForPrograms("bpf_map_lookup_elem");

    /// <summary>bpf_map_update_elem: 0 or a negated errno.</summary>
    public virtual long UpdateForProgram(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ulong flags) => throw NotForPrograms("bpf_map_update_elem");

    /// <summary>bpf_map_delete_elem: 0 or a negated errno.</summary>
    public virtual long DeleteForProgram(ReadOnlySpan<byte> key) => throw NotForPrograms("bpf_map_delete_elem");

    // ---- the test's side: what user space does with the bpf() syscall ----

    /// <summary>A copy of the value for <paramref name="key"/>, or null (the syscall's -ENOENT). Does not count as a use for LRU maps.</summary>
    public virtual byte[]? Lookup(ReadOnlySpan<byte> key) => throw NotFromUserSpace("lookup");

    /// <summary>Creates or updates the element, as BPF_MAP_UPDATE_ELEM: 0 or a negated errno (-EEXIST, -ENOENT, -E2BIG, -EINVAL).</summary>
    public virtual int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any) => throw NotFromUserSpace("update");

    /// <summary>Deletes the element, as BPF_MAP_DELETE_ELEM: 0 or a negated errno (-ENOENT; -EINVAL for arrays).</summary>
    public virtual int Delete(ReadOnlySpan<byte> key) => throw NotFromUserSpace("delete");

    /// <summary>Every element as (key, value) copies: arrays by index, hash maps in insertion order (the kernel's
    /// order is its buckets', which no test should depend on).</summary>
    public virtual IEnumerable<KeyValuePair<byte[], byte[]>> Entries => throw NotFromUserSpace("enumerate");

    // ---- typed conveniences: keys and values as unmanaged structs or integers, checked against the sizes ----

    /// <summary><see cref="Lookup(ReadOnlySpan{byte})"/> with a typed key and value; null when absent.</summary>
    public TValue? Lookup<TKey, TValue>(TKey key) where TKey : unmanaged where TValue : unmanaged
    {
        CheckSize<TValue>(ValueSize, "value");
        return Lookup(KeyBytes(ref key)) is { } bytes ? MemoryMarshal.Read<TValue>(bytes) : null;
    }

    /// <summary><see cref="Update(ReadOnlySpan{byte}, ReadOnlySpan{byte}, BpfMapUpdateFlags)"/> with a typed key and value.</summary>
    public int Update<TKey, TValue>(TKey key, TValue value, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any) where TKey : unmanaged where TValue : unmanaged
    {
        CheckSize<TValue>(ValueSize, "value");
        return Update(KeyBytes(ref key), MemoryMarshal.AsBytes(new ReadOnlySpan<TValue>(ref value)), flags);
    }

    /// <summary><see cref="Delete(ReadOnlySpan{byte})"/> with a typed key.</summary>
    public int Delete<TKey>(TKey key) where TKey : unmanaged => Delete(KeyBytes(ref key));

    /// <summary><see cref="Entries"/> with typed keys and values.</summary>
    public IEnumerable<KeyValuePair<TKey, TValue>> EntriesAs<TKey, TValue>() where TKey : unmanaged where TValue : unmanaged
    {
        CheckSize<TKey>(KeySize, "key");
        CheckSize<TValue>(ValueSize, "value");
        return Entries.Select(e => KeyValuePair.Create(MemoryMarshal.Read<TKey>(e.Key), MemoryMarshal.Read<TValue>(e.Value)));
    }

    private ReadOnlySpan<byte> KeyBytes<TKey>(ref TKey key) where TKey : unmanaged
    {
        CheckSize<TKey>(KeySize, "key");
        return MemoryMarshal.AsBytes(new ReadOnlySpan<TKey>(ref key));
    }

    private void CheckSize<T>(uint expected, string what) where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() != expected)
            throw new ArgumentException($"{this} has {expected}-byte {what}s; {typeof(T).Name} is {Unsafe.SizeOf<T>()} bytes");
    }

    /// <summary>Throws unless <paramref name="key"/> is exactly key_size bytes (the syscall copies that many).</summary>
    private protected void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize) throw new ArgumentException($"{this} has {KeySize}-byte keys; the key given has {key.Length} bytes", nameof(key));
    }

    private protected void CheckValue(ReadOnlySpan<byte> value)
    {
        if (value.Length != ValueSize) throw new ArgumentException($"{this} has {ValueSize}-byte values; the value given has {value.Length} bytes", nameof(value));
    }

    /// <summary>
    /// The flags check every update starts with: only BPF_ANY/NOEXIST/EXIST, optionally with BPF_F_LOCK (-EINVAL
    /// otherwise). From user space (<paramref name="fromUser"/>) the syscall refuses F_LOCK first, since no value the
    /// VM knows has a bpf_spin_lock; from a program each map type checks it at its own point (<see cref="LockRefused"/>).
    /// </summary>
    private protected static int CheckUpdateFlags(ulong flags, bool fromUser)
    {
        if (fromUser && LockRefused(flags)) return -BpfErrno.EINVAL;
        return (flags & ~(ulong)BpfMapUpdateFlags.Lock) > (ulong)BpfMapUpdateFlags.Exist ? -BpfErrno.EINVAL : 0;
    }

    /// <summary>True when <paramref name="flags"/> ask for BPF_F_LOCK, which needs a spin lock in the value: -EINVAL.</summary>
    private protected static bool LockRefused(ulong flags) => (flags & (ulong)BpfMapUpdateFlags.Lock) != 0;

    /// <summary>Why a program may not do <paramref name="helper"/> on this map: the verifier would have refused it.</summary>
    private protected BpfRuntimeException NotForPrograms(string helper) => new(RuntimeErrorKind.HelperFailed,
        $"{helper} cannot be used on {this}: the kernel's verifier rejects this helper for a {Type.ToLibbpfName()} map");

    private protected NotSupportedException NotFromUserSpace(string operation) =>
        new($"{this}: {operation} is not an operation of {Type.ToLibbpfName()} maps");

    /// <summary>The u32 index of an array-like map's key.</summary>
    private protected static uint Index(ReadOnlySpan<byte> key) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(key);
}

/// <summary>
/// A map of a type the VM does not emulate (LPM trie, stack trace, map-in-map...). The object still loads and its
/// address still exists, so programs that never touch it run; any operation on it fails naming the type.
/// </summary>
public sealed class UnsupportedMap : BpfMap
{
    internal UnsupportedMap(AddressSpace memory, BpfMapDefinition definition) : base(memory, definition)
    {
    }

    public override int Count => throw Unsupported();

    public override ulong LookupForProgram(ReadOnlySpan<byte> key) => throw Unsupported();

    public override long UpdateForProgram(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ulong flags) => throw Unsupported();

    public override long DeleteForProgram(ReadOnlySpan<byte> key) => throw Unsupported();

    public override byte[]? Lookup(ReadOnlySpan<byte> key) => throw new NotSupportedException(Unsupported().Message);

    public override int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any) =>
        throw new NotSupportedException(Unsupported().Message);

    public override int Delete(ReadOnlySpan<byte> key) => throw new NotSupportedException(Unsupported().Message);

    public override IEnumerable<KeyValuePair<byte[], byte[]>> Entries => throw new NotSupportedException(Unsupported().Message);

    private BpfRuntimeException Unsupported() => new(RuntimeErrorKind.Unsupported,
        $"{this}: the VM does not emulate {Type.ToLibbpfName()} maps (emulated: array, percpu_array, hash, percpu_hash, lru_hash, lru_percpu_hash, ringbuf, perf_event_array, prog_array)");
}
