namespace BtfNotebooks.Vm;

/// <summary>
/// A program context (xdp_md, __sk_buff...). Its pointer fields are declared 32-bit in the UAPI struct but the
/// kernel rewrites loads of them into loads of the real 64-bit pointers; this region does the same, so
/// <c>r2 = *(u32 *)(r1 + 0)</c> yields the packet's full virtual address. Other fields read as stored. Stores go
/// only to the ranges declared writable (the kernel verifier rejects the rest).
/// </summary>
public sealed class ContextRegion : MemoryRegion
{
    // A handful of fields at most: a linear scan of parallel arrays beats a dictionary on the load path.
    private int[] _pointerOffsets = [];
    private ulong[] _pointerValues = [];
    private string[] _pointerNames = [];
    private readonly List<(int Start, int End)> _writable = [];

    internal ContextRegion(string name, int size, ulong address) : base(name, RegionKind.Context, new byte[size], writable: true, address)
    {
        HasHooks = true;
        _pointerWords = new ulong[size / 4];
    }

    // The fast path's copy of the pointer fields: a 4-byte load at 4 * i yields _pointerWords[i] when non-zero.
    private readonly ulong[] _pointerWords;

    internal override ulong[]? PointerWords => _pointerWords;

    /// <summary>Declares the 32-bit field at <paramref name="offset"/> to stand for the 64-bit <paramref name="value"/>.</summary>
    public void SetPointer(int offset, string field, ulong value)
    {
        if (offset % 4 == 0 && offset / 4 < _pointerWords.Length) _pointerWords[offset / 4] = value;
        int i = Array.IndexOf(_pointerOffsets, offset);
        if (i < 0)
        {
            _pointerOffsets = [.. _pointerOffsets, offset];
            _pointerValues = [.. _pointerValues, value];
            _pointerNames = [.. _pointerNames, field];
        }
        else
        {
            _pointerValues[i] = value;
            _pointerNames[i] = field;
        }
    }

    /// <summary>Lets programs store into [start, end).</summary>
    public void AllowWrites(int start, int end) => _writable.Add((start, end));

    /// <summary>Writes a 32-bit field value.</summary>
    public void SetUInt32(int offset, uint value) => BitConverter.TryWriteBytes(Data.AsSpan(offset, 4), value);

    internal override LoadHookResult LoadHook(int offset, int size, out ulong value)
    {
        var offsets = _pointerOffsets;
        for (int i = 0; i < offsets.Length; i++)
        {
            int at = offsets[i];
            if (offset == at && size == 4)
            {
                value = _pointerValues[i];
                return LoadHookResult.Value;
            }
            if (offset < at + 4 && at < offset + size)
            {
                value = 0;
                return LoadHookResult.Refused;
            }
        }
        value = 0;
        return LoadHookResult.Bytes;
    }

    internal override string LoadRefusal(int offset, int size)
    {
        int i = Array.FindIndex(_pointerOffsets, at => offset < at + 4 && at < offset + size);
        return i < 0 ? "load refused"
            : $"context field '{_pointerNames[i]}' (offset {_pointerOffsets[i]}) must be read as one 4-byte load; this load is {size} byte(s) at offset {offset}";
    }

    internal override string? StoreHook(int offset, int size)
    {
        foreach (var (start, end) in _writable)
            if (offset >= start && offset + size <= end) return null;
        return $"context offset {offset} ({size} byte(s)) is not writable";
    }
}
