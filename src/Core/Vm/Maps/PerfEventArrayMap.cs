using BtfNotebooks.Elf.Maps;

namespace BtfNotebooks.Vm.Maps;

/// <summary>
/// One bpf_perf_event_output sample as a perf buffer consumer receives it.
/// </summary>
/// <param name="Index">The map index the sample went to (the CPU's event).</param>
/// <param name="Cpu">The CPU the program ran on.</param>
/// <param name="Flags">The helper's flags argument as given (index, BPF_F_CURRENT_CPU, context length).</param>
/// <param name="Data">The program's bytes, followed by the packet bytes the context length asked for (skb and XDP
/// programs), as the kernel concatenates them into one raw sample.</param>
public sealed record PerfEventRecord(uint Index, int Cpu, ulong Flags, byte[] Data)
{
    /// <summary>The raw sample size a consumer's callback sees: perf pads u32 size + data to 8 bytes.</summary>
    public int PaddedSize => (4 + Data.Length + 7) / 8 * 8 - 4;
}

/// <summary>
/// BPF_MAP_TYPE_PERF_EVENT_ARRAY: index i holds the perf event user space opened for CPU i. The VM keeps what
/// bpf_perf_event_output sends as <see cref="Records"/>. As in the kernel, output needs an event at the index
/// (-ENOENT), on the CPU the program runs on (-EOPNOTSUPP); an index past max_entries is -E2BIG. By default the event
/// of CPU 0 is open, as a perf buffer consumer (libbpf's perf_buffer__new) opens one per CPU.
/// </summary>
public sealed class PerfEventArrayMap : BpfMap
{
    /// <summary>BPF_F_INDEX_MASK: the index bits of the flags.</summary>
    public const ulong IndexMask = 0xffff_ffff;

    /// <summary>BPF_F_CURRENT_CPU: "the index of the CPU running the program".</summary>
    public const ulong CurrentCpu = IndexMask;

    /// <summary>BPF_F_CTXLEN_MASK: for skb and XDP programs, how many packet bytes to append.</summary>
    public const ulong ContextLengthMask = 0xfffffUL << 32;

    private readonly bool[] _open;
    private readonly List<PerfEventRecord> _records = [];

    internal PerfEventArrayMap(AddressSpace memory, BpfMapDefinition definition) : base(memory, definition)
    {
        // fd_array_map_alloc_check
        if (definition.KeySize != 4 || definition.ValueSize != 4)
            throw new ArgumentException($"{this}: key_size {definition.KeySize} and value_size {definition.ValueSize} must both be 4 (-EINVAL)");
        if (definition.MaxEntries == 0 || definition.MaxEntries > 1 << 20)
            throw new ArgumentException($"{this}: max_entries {definition.MaxEntries} must be 1..{1 << 20} (libbpf sets 0 to the CPU count; BpfMapSet does too)");
        _open = new bool[definition.MaxEntries];
        _open[0] = true;
    }

    /// <summary>Every sample so far, in output order.</summary>
    public IReadOnlyList<PerfEventRecord> Records => _records;

    public override int Count => _open.Count(o => o);

    /// <summary>Returns the samples so far and forgets them (a consumer's poll).</summary>
    public IReadOnlyList<PerfEventRecord> Drain()
    {
        var list = _records.ToList();
        _records.Clear();
        return list;
    }

    /// <summary>Opens (installs) or closes the event at <paramref name="index"/>.</summary>
    public void SetOpen(uint index, bool open)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, MaxEntries);
        _open[index] = open;
    }

    public bool IsOpen(uint index) => index < MaxEntries && _open[index];

    /// <summary>
    /// The kernel's __bpf_perf_event_output once the helper has checked the flags: 0, -E2BIG (index past
    /// max_entries), -ENOENT (no event there), -EOPNOTSUPP (the event belongs to another CPU).
    /// </summary>
    public long Output(int cpu, ulong flags, ReadOnlySpan<byte> data)
    {
        ulong index = flags & IndexMask;
        if (index == CurrentCpu) index = (ulong)cpu;
        if (index >= MaxEntries) return -BpfErrno.E2BIG;
        if (!_open[index]) return -BpfErrno.ENOENT;
        if (index != (ulong)cpu) return -BpfErrno.EOPNOTSUPP;
        _records.Add(new PerfEventRecord((uint)index, cpu, flags, data.ToArray()));
        return 0;
    }

    /// <summary>Not by bytes: user space stores perf event fds, which the VM does not have; use <see cref="SetOpen"/>.</summary>
    public override int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any) =>
        throw new NotSupportedException($"{this} holds perf events, not bytes: use SetOpen(index, true)");

    /// <summary>Closes the event (BPF_MAP_DELETE_ELEM): 0, -E2BIG past max_entries, -ENOENT when none is open.</summary>
    public override int Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        uint index = Index(key);
        if (index >= MaxEntries) return -BpfErrno.E2BIG;
        if (!_open[index]) return -BpfErrno.ENOENT;
        _open[index] = false;
        return 0;
    }
}
