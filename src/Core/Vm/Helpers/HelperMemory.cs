using BtfNotebooks.Vm.Maps;

namespace BtfNotebooks.Vm.Helpers;

/// <summary>
/// Memory access for emulated helpers. Like <see cref="AddressSpace.Span"/> (one region, in bounds, writable when
/// writing), and in addition it honours what guarded regions allow the interpreter (deleted map values, the gaps
/// between values, ring buffer bytes outside reserved records), so a helper cannot read or write what a load or
/// store there would fault on.
/// </summary>
internal static class HelperMemory
{
    /// <summary>The bytes, or throws <see cref="BpfRuntimeException"/> (a memory fault naming <paramref name="what"/>).</summary>
    public static Span<byte> Get(AddressSpace memory, ulong address, long length, bool write, string what)
    {
        if (TryGet(memory, address, length, write, out var span, out var region, out var why)) return span;
        if (length > int.MaxValue || length < 0)
            throw new BpfRuntimeException(RuntimeErrorKind.MemoryFault, $"{what} of {length} byte(s) at 0x{address:x}: no region is that large");
        throw memory.Fault(address, (int)length, write, what, region, why);
    }

    /// <summary>Like <see cref="Get"/> but answers false instead of throwing (the probe_read helpers return -EFAULT).</summary>
    public static bool TryGet(AddressSpace memory, ulong address, long length, bool write, out Span<byte> span, out MemoryRegion? region, out string? why)
    {
        span = default;
        why = null;
        region = null;
        if (length == 0) return true;
        if (length < 0 || length > int.MaxValue) return false;
        region = memory.Find(address);
        if (region is null) return false;
        int offset = (int)(uint)address;
        if ((ulong)(uint)offset + (ulong)length > (ulong)region.Length) return false;
        if (write && !region.Writable)
        {
            why = "the region is read-only";
            return false;
        }
        if (region is IGuardedRegion guarded && (why = guarded.Check(offset, (int)length, write)) is not null) return false;
        span = region.Data.AsSpan(offset, (int)length);
        return true;
    }

    /// <summary>
    /// The NUL-terminated string at <paramref name="address"/>, at most <paramref name="max"/> bytes read, as the
    /// kernel's strncpy_from_*_nofault reads it: the bytes before the NUL and true, or (when <paramref name="max"/>
    /// bytes hold no NUL) those bytes and true with <paramref name="terminated"/> false; false when a byte before
    /// the NUL (or the limit) cannot be read.
    /// </summary>
    public static bool TryReadString(AddressSpace memory, ulong address, int max, out ReadOnlySpan<byte> text, out bool terminated)
    {
        text = default;
        terminated = false;
        if (max <= 0) return true;
        var region = memory.Find(address);
        if (region is null) return false;
        int offset = (int)(uint)address;
        int available = Math.Min(max, region.Length - offset);
        var bytes = region.Data.AsSpan(offset, available);
        int nul = bytes.IndexOf((byte)0);
        int read = nul >= 0 ? nul + 1 : available;
        if (nul < 0 && available < max) return false; // ran off the region before a NUL
        if (region is IGuardedRegion guarded && guarded.Check(offset, read, false) is not null) return false;
        terminated = nul >= 0;
        text = nul >= 0 ? bytes[..nul] : bytes;
        return true;
    }
}
