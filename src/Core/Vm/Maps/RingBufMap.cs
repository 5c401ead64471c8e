using System.Buffers.Binary;
using BtfNotebooks.Elf.Maps;

namespace BtfNotebooks.Vm.Maps;

/// <summary>The 8-byte header the kernel writes before every ring buffer record.</summary>
/// <param name="Length">The record's size in bytes (the header's len without the two flag bits).</param>
/// <param name="Busy">BPF_RINGBUF_BUSY_BIT (bit 31): reserved, not yet submitted or discarded.</param>
/// <param name="Discarded">BPF_RINGBUF_DISCARD_BIT (bit 30): discarded; consumers skip it.</param>
/// <param name="PageOffset">pg_off: the header's page offset from the start of the kernel's struct bpf_ringbuf (3 meta
/// pages, then the data), which bpf_ringbuf_submit uses to find the ring from a record.</param>
/// <param name="RawLength">The len word as stored, flag bits included.</param>
public readonly record struct RingBufHeader(uint Length, bool Busy, bool Discarded, uint PageOffset, uint RawLength);

/// <summary>
/// BPF_MAP_TYPE_RINGBUF with the kernel's layout and rules (kernel/bpf/ringbuf.c): max_entries is the data size, a
/// power of two and a multiple of the page size; each record is an 8-byte header {u32 len with BUSY bit 31 and DISCARD
/// bit 30, u32 pg_off} followed by the data, the whole rounded up to 8 bytes; reserve fails (NULL) when the record
/// would bring the producer more than size - 1 bytes ahead of the consumer or of the oldest record not yet submitted.
/// <para>
/// The kernel maps the data pages twice in a row, so a record that wraps past the end is contiguous in memory. The
/// VM's data region is likewise twice the size: a wrapping record is written contiguously into the second half and
/// copied to the start of the ring when it is submitted or discarded. Programs may only touch the data of records
/// they reserved and have not yet submitted: every other access (the header, someone else's record, a record after
/// submit) faults. The test side consumes like libbpf's ring_buffer__consume (<see cref="Consume"/>).
/// </para>
/// </summary>
public sealed class RingBufMap : BpfMap
{
    public const int PageSize = 4096;
    public const int HeaderSize = 8;
    public const uint BusyBit = 1u << 31;
    public const uint DiscardBit = 1u << 30;

    /// <summary>RINGBUF_MAX_RECORD_SZ.</summary>
    public const ulong MaxRecordSize = uint.MaxValue / 4;

    /// <summary>Pages of struct bpf_ringbuf before the data (RINGBUF_NR_META_PAGES), counted in pg_off.</summary>
    public const int MetaPages = 3;

    /// <summary>BPF_RB_NO_WAKEUP and BPF_RB_FORCE_WAKEUP: the only flags submit/discard/output know.</summary>
    public const ulong NoWakeup = 1, ForceWakeup = 2;

    private readonly RingBufRegion _region;
    private readonly ulong _mask;
    private readonly List<(int Position, int Size)> _reserved = [];

    internal RingBufMap(AddressSpace memory, BpfMapDefinition definition) : base(memory, definition)
    {
        // ringbuf_map_alloc
        if (definition.KeySize != 0 || definition.ValueSize != 0)
            throw new ArgumentException($"{this}: key_size {definition.KeySize} and value_size {definition.ValueSize} must be 0 (-EINVAL)");
        uint size = definition.MaxEntries;
        if (size == 0 || (size & (size - 1)) != 0 || size % PageSize != 0)
            throw new ArgumentException($"{this}: max_entries {size} must be a power of two and a multiple of {PageSize} (-EINVAL); libbpf rounds it up (BpfMapSet does too)");
        if (size > 1 << 29) throw new ArgumentException($"{this}: {size} bytes is more than the VM gives a ring buffer (512 MiB)");
        Size = (int)size;
        _mask = size - 1;
        _region = memory.Add(new RingBufRegion(this, new byte[2 * Size], memory.NextAddress));
    }

    /// <summary>Data bytes (max_entries).</summary>
    public int Size { get; }

    /// <summary>consumer_pos: how far <see cref="Consume"/> has read (ever increasing; the ring offset is pos mod size).</summary>
    public ulong ConsumerPosition { get; private set; }

    /// <summary>producer_pos: where the next record will be reserved.</summary>
    public ulong ProducerPosition { get; private set; }

    /// <summary>pending_pos: the oldest record that may still be busy (the kernel's limit on how far reserve may run ahead).</summary>
    public ulong PendingPosition { get; private set; }

    /// <summary>How many times submit/discard/output would have woken a consumer (BPF_RB_FORCE_WAKEUP, or the
    /// consumer was waiting at exactly this record and BPF_RB_NO_WAKEUP was not given).</summary>
    public int Wakeups { get; private set; }

    /// <summary>The ring's data as the consumer maps it (one copy; wrapped records already joined up).</summary>
    public ReadOnlySpan<byte> Data => _region.Data.AsSpan(0, Size);

    /// <summary>VM address of the data area (the first record of an empty ring starts here).</summary>
    public ulong DataAddress => _region.Address;

    public override int Count => Records(includeBusy: true).Count(r => !r.Header.Busy && !r.Header.Discarded);

    /// <summary>
    /// bpf_ringbuf_reserve: the VM address of <paramref name="size"/> bytes for a record (after its header, which
    /// now says BUSY), or 0 when flags are not 0, the record can never fit, or the ring has no room now.
    /// </summary>
    public ulong Reserve(ulong size, ulong flags)
    {
        if (flags != 0 || size > MaxRecordSize) return 0;
        ulong length = RoundUp(size + HeaderSize);
        if (length > (ulong)Size) return 0;
        // The oldest busy record bounds how far ahead the producer may go: skip the finished ones.
        ulong pending = PendingPosition;
        while (pending < ProducerPosition)
        {
            uint len = ReadU32((int)(pending & _mask));
            if ((len & BusyBit) != 0) break;
            pending += RoundUp((len & ~(BusyBit | DiscardBit)) + (ulong)HeaderSize);
        }
        PendingPosition = pending;
        ulong next = ProducerPosition + length;
        if (next - ConsumerPosition > _mask || next - pending > _mask) return 0;
        int position = (int)(ProducerPosition & _mask);
        WriteU32(position, (uint)size | BusyBit);
        WriteU32(position + 4, (uint)(MetaPages + position / PageSize));
        ProducerPosition = next;
        _reserved.Add((position, (int)size));
        return _region.Address + (ulong)position + HeaderSize;
    }

    /// <summary>bpf_ringbuf_submit (<paramref name="discard"/> false) or bpf_ringbuf_discard of the record whose data
    /// starts at <paramref name="sample"/>; throws when that is not a reserved, unsubmitted record (the verifier's job).</summary>
    public void Commit(ulong sample, ulong flags, bool discard)
    {
        int i = _reserved.FindIndex(r => _region.Address + (ulong)r.Position + HeaderSize == sample);
        if (i < 0)
            throw new BpfRuntimeException(RuntimeErrorKind.HelperFailed,
                $"0x{sample:x} is not a record reserved in {this} and not yet submitted or discarded (the verifier tracks reservations and would reject this)");
        var (position, size) = _reserved[i];
        _reserved.RemoveAt(i);
        int end = position + HeaderSize + size;
        if (end > Size) _region.Data.AsSpan(Size, end - Size).CopyTo(_region.Data); // the second mapping's bytes are the first's
        uint len = ReadU32(position) ^ BusyBit;
        if (discard) len |= DiscardBit;
        WriteU32(position, len);
        if ((flags & ForceWakeup) != 0 || (ulong)position == (ConsumerPosition & _mask) && (flags & NoWakeup) == 0) Wakeups++;
    }

    /// <summary>bpf_ringbuf_output: copies <paramref name="data"/> into a new record and submits it; 0, -EINVAL for
    /// unknown flags, -EAGAIN when there is no room.</summary>
    public long Output(ReadOnlySpan<byte> data, ulong flags)
    {
        if ((flags & ~(NoWakeup | ForceWakeup)) != 0) return -BpfErrno.EINVAL;
        ulong sample = Reserve((ulong)data.Length, 0);
        if (sample == 0) return -BpfErrno.EAGAIN;
        data.CopyTo(_region.Data.AsSpan((int)(sample - _region.Address)));
        Commit(sample, flags, discard: false);
        return 0;
    }

    /// <summary>bpf_ringbuf_query: BPF_RB_AVAIL_DATA (0), BPF_RB_RING_SIZE (1), BPF_RB_CONS_POS (2), BPF_RB_PROD_POS (3); else 0.</summary>
    public ulong Query(ulong flags) => flags switch
    {
        0 => ProducerPosition - ConsumerPosition,
        1 => (ulong)Size,
        2 => ConsumerPosition,
        3 => ProducerPosition,
        _ => 0,
    };

    /// <summary>
    /// The consumer (libbpf's ring_buffer__consume): every record from the consumer position on, in order, up to the
    /// first one still busy; submitted records' data are returned, discarded ones skipped; the consumer position moves
    /// past all of them, freeing their space.
    /// </summary>
    public IReadOnlyList<byte[]> Consume()
    {
        var samples = new List<byte[]>();
        while (ConsumerPosition < ProducerPosition)
        {
            int position = (int)(ConsumerPosition & _mask);
            uint len = ReadU32(position);
            if ((len & BusyBit) != 0) break;
            uint size = len & ~(BusyBit | DiscardBit);
            if ((len & DiscardBit) == 0) samples.Add(ReadRing(position + HeaderSize, (int)size));
            ConsumerPosition += RoundUp(size + (ulong)HeaderSize);
        }
        return samples;
    }

    /// <summary>The header at ring position <paramref name="position"/> (taken mod size).</summary>
    public RingBufHeader Header(ulong position)
    {
        int at = (int)(position & _mask);
        if (at % 8 != 0) throw new ArgumentException($"ring position {position} is not 8-byte aligned; records are", nameof(position));
        uint len = ReadU32(at);
        return new RingBufHeader(len & ~(BusyBit | DiscardBit), (len & BusyBit) != 0, (len & DiscardBit) != 0, ReadU32(at + 4), len);
    }

    /// <summary>Every record between the consumer and the producer position, without consuming: position, header
    /// and data. Busy records are listed too when <paramref name="includeBusy"/> (their data is what was written so far).</summary>
    public IReadOnlyList<(ulong Position, RingBufHeader Header, byte[] Data)> Records(bool includeBusy = true)
    {
        var list = new List<(ulong, RingBufHeader, byte[])>();
        for (ulong pos = ConsumerPosition; pos < ProducerPosition;)
        {
            var header = Header(pos);
            if (header.Busy && !includeBusy) break;
            int at = (int)(pos & _mask);
            // A busy wrapping record's tail is still in the second mapping.
            byte[] data = header.Busy ? _region.Data.AsSpan(at + HeaderSize, (int)header.Length).ToArray() : ReadRing(at + HeaderSize, (int)header.Length);
            list.Add((pos, header, data));
            pos += RoundUp(header.Length + (ulong)HeaderSize);
        }
        return list;
    }

    public override IEnumerable<KeyValuePair<byte[], byte[]>> Entries => throw NotFromUserSpace("enumerate (use Consume or Records)");

    internal string? Check(int offset, int size)
    {
        foreach (var (position, length) in _reserved)
            if (offset >= position + HeaderSize && offset + size <= position + HeaderSize + length) return null;
        string reserved = _reserved.Count == 0 ? "none is reserved" : "reserved: " + string.Join(", ", _reserved.Select(r => $"{r.Size} byte(s) at {r.Position + HeaderSize}"));
        return $"{size} byte(s) at offset {offset} of {this} lie outside every record reserved and not yet submitted ({reserved})";
    }

    private byte[] ReadRing(int offset, int length)
    {
        var data = new byte[length];
        int first = Math.Min(length, Size - offset % Size);
        _region.Data.AsSpan(offset % Size, first).CopyTo(data);
        _region.Data.AsSpan(0, length - first).CopyTo(data.AsSpan(first));
        return data;
    }

    private static ulong RoundUp(ulong length) => (length + 7) & ~7UL;

    private uint ReadU32(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(_region.Data.AsSpan(offset, 4));

    private void WriteU32(int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_region.Data.AsSpan(offset, 4), value);
}

/// <summary>A ring buffer's data in VM memory: twice the ring size (see <see cref="RingBufMap"/>), guarded.</summary>
internal sealed class RingBufRegion : MemoryRegion, IGuardedRegion
{
    private readonly RingBufMap _map;

    internal RingBufRegion(RingBufMap map, byte[] data, ulong address) : base($"{map} data", RegionKind.MapValue, data, writable: true, address)
    {
        _map = map;
        HasHooks = true;
    }

    public RingBufMap Map => _map;

    public string? Check(int offset, int size, bool write) => _map.Check(offset, size);

    internal override LoadHookResult LoadHook(int offset, int size, out ulong value)
    {
        value = 0;
        return _map.Check(offset, size) is null ? LoadHookResult.Bytes : LoadHookResult.Refused;
    }

    internal override string LoadRefusal(int offset, int size) => _map.Check(offset, size) ?? "load refused";

    internal override string? StoreHook(int offset, int size) => _map.Check(offset, size);
}
