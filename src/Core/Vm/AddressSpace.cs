using System.Buffers.Binary;

namespace BtfNotebooks.Vm;

/// <summary>
/// The VM's virtual address space: a list of regions, region <c>i</c> at address <c>(i + 1) &lt;&lt; 32</c>. Address 0
/// and everything below 4 GiB belongs to no region, so a null pointer (plus any offset) faults.
/// </summary>
public sealed class AddressSpace
{
    private readonly List<MemoryRegion> _regions = [];

    /// <summary>Regions in address order (index i is at <c>(i+1) &lt;&lt; 32</c>).</summary>
    public IReadOnlyList<MemoryRegion> Regions => _regions;

    /// <summary>The regions' fast-path views, rebuilt when a region is added.</summary>
    internal RegionView[] Views = [];

    /// <summary>The regions as an array (index i at window i + 1), for the interpreter's slow paths.</summary>
    internal MemoryRegion[] Array = [];

    /// <summary>Maps <paramref name="data"/> (not copied: the program sees and changes this array).</summary>
    public MemoryRegion Map(string name, byte[] data, RegionKind kind = RegionKind.Other, bool writable = true) =>
        Add(new MemoryRegion(name, kind, data, writable, NextAddress));

    internal T Add<T>(T region) where T : MemoryRegion
    {
        if (_regions.Count >= int.MaxValue / 2) throw new InvalidOperationException("too many regions");
        _regions.Add(region);
        Views = [.. _regions.Select(r => r.View)];
        Array = [.. _regions];
        return region;
    }

    internal ulong NextAddress => (ulong)(_regions.Count + 1) << 32;

    /// <summary>The region containing <paramref name="address"/>, or null.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public MemoryRegion? Find(ulong address)
    {
        ulong index = (address >> 32) - 1;
        if (index >= (ulong)_regions.Count) return null;
        var r = _regions[(int)index];
        return (uint)address < (uint)r.Length ? r : null;
    }

    /// <summary>
    /// The bytes at <paramref name="address"/>..+<paramref name="length"/>, for helpers that copy memory. Throws
    /// <see cref="BpfRuntimeException"/> when the range is not inside one region (or is read-only and
    /// <paramref name="write"/>).
    /// </summary>
    public Span<byte> Span(ulong address, int length, bool write = false, string? what = null)
    {
        if (length < 0) throw new BpfRuntimeException(RuntimeErrorKind.MemoryFault, $"{what ?? "access"} of negative length {length}");
        if (length == 0) return [];
        ulong index = (address >> 32) - 1;
        uint offset = (uint)address;
        if (index < (ulong)_regions.Count)
        {
            var r = _regions[(int)index];
            if ((ulong)offset + (ulong)length <= (ulong)r.Length)
            {
                if (write && !r.Writable) throw Fault(address, length, write, what, r, "the region is read-only");
                return r.Data.AsSpan((int)offset, length);
            }
            throw Fault(address, length, write, what, r, null);
        }
        throw Fault(address, length, write, what, null, null);
    }

    public ulong ReadUInt64(ulong address) => BinaryPrimitives.ReadUInt64LittleEndian(Span(address, 8));

    public uint ReadUInt32(ulong address) => BinaryPrimitives.ReadUInt32LittleEndian(Span(address, 4));

    public void WriteUInt64(ulong address, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Span(address, 8, write: true), value);

    /// <summary>Describes what an out-of-bounds access hit (or missed), for fault messages.</summary>
    internal BpfRuntimeException Fault(ulong address, int size, bool write, string? what, MemoryRegion? region, string? why)
    {
        region ??= Nearest(address);
        string access = what ?? (write ? "write" : "read");
        string where;
        if (why is not null) where = $"{why} ({region})";
        else if (region is null) where = address < 0x1_0000_0000 ? "no region (null or small scalar used as a pointer)" : "no region";
        else if (address >= region.Address && address < region.End) where = $"it runs past the end of {region}";
        else where = $"outside every region; nearest is {region}";
        return new BpfRuntimeException(RuntimeErrorKind.MemoryFault, $"{access} of {size} byte(s) at 0x{address:x}: {where}")
        {
            Address = address,
            AccessSize = size,
            Region = region,
        };
    }

    private MemoryRegion? Nearest(ulong address)
    {
        ulong window = address >> 32;
        uint offset = (uint)address;
        // High in a window means "just below the next region" (r10 - 600, ptr - 8), low means "past this one".
        if (offset >= 0x8000_0000 && window < (ulong)_regions.Count) return _regions[(int)window];
        if (window >= 1 && window - 1 < (ulong)_regions.Count) return _regions[(int)(window - 1)];
        return null;
    }
}
