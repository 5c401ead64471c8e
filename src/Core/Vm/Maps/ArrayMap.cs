using BtfNotebooks.Elf.Maps;

namespace BtfNotebooks.Vm.Maps;

/// <summary>
/// BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY (one CPU: the VM runs one program at a time, so a per-CPU map
/// holds one value per key, and test-side lookups return it rather than the syscall's array of per-CPU values): u32 keys, every
/// index from 0 to max_entries - 1 exists and starts zeroed, nothing can be deleted. Global data (.data, .rodata,
/// .bss, .kconfig) are one-element arrays that start with the section's bytes; a map with BPF_F_RDONLY_PROG
/// (.rodata, .kconfig) is read-only for programs but, as before the kernel freezes it, writable by the test.
/// </summary>
public sealed class ArrayMap : BpfMap
{
    private readonly ValueStore _values;

    internal ArrayMap(AddressSpace memory, BpfMapDefinition definition) : base(memory, definition)
    {
        // array_map_alloc_check
        if (definition.KeySize != 4) throw new ArgumentException($"{this}: key_size {definition.KeySize} is not 4 (the kernel's array_map_alloc_check answers -EINVAL)");
        if (definition.ValueSize == 0 || definition.MaxEntries == 0)
            throw new ArgumentException($"{this}: value_size {definition.ValueSize} and max_entries {definition.MaxEntries} must be non-zero (-EINVAL)");
        if ((long)definition.MaxEntries * ((definition.ValueSize + 7) & ~7u) > int.MaxValue)
            throw new ArgumentException($"{this}: {definition.MaxEntries} values of {definition.ValueSize} bytes are more memory than the VM gives one map (2 GiB)");
        ProgramWritable = (definition.Flags & BpfMapDefinition.FlagReadOnlyProgram) == 0;
        _values = new ValueStore(memory, this, (int)definition.ValueSize, (int)definition.MaxEntries, ProgramWritable, slotsDie: false);
        if (!definition.InitialValue.IsEmpty)
        {
            if (definition.InitialValue.Length > definition.ValueSize)
                throw new ArgumentException($"{this}: initial value of {definition.InitialValue.Length} bytes exceeds value_size {definition.ValueSize}");
            definition.InitialValue.Span.CopyTo(_values.Value(0));
        }
    }

    /// <summary>False for BPF_F_RDONLY_PROG maps: program stores fault and bpf_map_update_elem is refused.</summary>
    public bool ProgramWritable { get; }

    public bool IsPerCpu => Type == BpfMapType.PercpuArray;

    public override int Count => (int)MaxEntries;

    /// <summary>VM address of element <paramref name="index"/>'s value (what bpf_map_lookup_elem returns).</summary>
    public ulong ValueAddress(uint index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, MaxEntries);
        return _values.Address((int)index);
    }

    /// <summary>Element <paramref name="index"/>'s value bytes, live: what the program reads and writes (set .rodata or .bss before a run here).</summary>
    public Span<byte> Value(uint index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, MaxEntries);
        return _values.Value((int)index);
    }

    public override ulong LookupForProgram(ReadOnlySpan<byte> key)
    {
        uint index = Index(key);
        return index < MaxEntries ? _values.Address((int)index) : 0;
    }

    public override long UpdateForProgram(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ulong flags)
    {
        if (!ProgramWritable)
            throw new BpfRuntimeException(RuntimeErrorKind.HelperFailed, $"{this} is read-only for programs (BPF_F_RDONLY_PROG); the verifier rejects bpf_map_update_elem on it");
        return Store(key, value, flags, fromUser: false);
    }

    public override long DeleteForProgram(ReadOnlySpan<byte> key) => -BpfErrno.EINVAL;

    public override byte[]? Lookup(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        uint index = Index(key);
        return index < MaxEntries ? _values.Value((int)index).ToArray() : null;
    }

    public override int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any)
    {
        CheckKey(key);
        CheckValue(value);
        return Store(key, value, (ulong)flags, fromUser: true);
    }

    /// <summary>Arrays cannot delete: -EINVAL, as array_map_delete_elem answers.</summary>
    public override int Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        return -BpfErrno.EINVAL;
    }

    public override IEnumerable<KeyValuePair<byte[], byte[]>> Entries
    {
        get
        {
            for (uint i = 0; i < MaxEntries; i++)
                yield return KeyValuePair.Create(BitConverter.GetBytes(i), _values.Value((int)i).ToArray());
        }
    }

    // array_map_update_elem: flags, then the index (-E2BIG), then NOEXIST (every element exists: -EEXIST), then F_LOCK.
    private int Store(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ulong flags, bool fromUser)
    {
        int error = CheckUpdateFlags(flags, fromUser);
        if (error != 0) return error;
        uint index = Index(key);
        if (index >= MaxEntries) return -BpfErrno.E2BIG;
        if ((flags & (ulong)BpfMapUpdateFlags.NoExist) != 0) return -BpfErrno.EEXIST;
        if (LockRefused(flags)) return -BpfErrno.EINVAL;
        value.CopyTo(_values.Value((int)index));
        return 0;
    }
}
