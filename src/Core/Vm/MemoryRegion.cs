namespace BtfNotebooks.Vm;

/// <summary>What a region of the VM's address space holds; named in fault messages.</summary>
public enum RegionKind
{
    Stack,
    Context,
    Packet,
    MapValue,
    Kernel,
    Other,
}

/// <summary>
/// A region as the interpreter's fast path sees it: an access of <c>size</c> bytes at <c>offset</c> is direct when
/// <c>offset + size &lt;= ReadLimit</c> (or <c>WriteLimit</c>); limits are 0 where hooks or read-only rules apply.
/// </summary>
internal enum LoadHookResult
{
    Bytes,
    Value,
    Refused,
}

/// <c>PointerWords</c>, for contexts, holds per aligned 4-byte field the 64-bit value a 4-byte load yields (0: none).
internal readonly record struct RegionView(byte[] Data, uint ReadLimit, uint WriteLimit, ulong[]? PointerWords = null);

/// <summary>
/// A contiguous run of bytes the program may address. Each region lives in its own 4 GiB window of the VM's
/// virtual address space (<see cref="Address"/> = window start), so pointer arithmetic that leaves the region
/// can never land in another one: the bounds check catches it. The bytes are an ordinary managed array; no host
/// address is ever visible to the program.
/// </summary>
public class MemoryRegion
{
    internal MemoryRegion(string name, RegionKind kind, byte[] data, bool writable, ulong address)
    {
        Name = name;
        Kind = kind;
        Data = data;
        Writable = writable;
        Address = address;
    }

    public string Name { get; }

    public RegionKind Kind { get; }

    /// <summary>The region's bytes; the program reads and writes them directly.</summary>
    public byte[] Data { get; }

    public int Length => Data.Length;

    public bool Writable { get; }

    /// <summary>Virtual address of <c>Data[0]</c>.</summary>
    public ulong Address { get; }

    /// <summary>One past the last byte's virtual address.</summary>
    public ulong End => Address + (ulong)Data.Length;

    /// <summary>
    /// True when loads and stores must go through <see cref="LoadHook"/>/<see cref="StoreHook"/> (a context whose
    /// 32-bit fields stand for 64-bit pointers, as the kernel rewrites them).
    /// </summary>
    internal bool HasHooks { get; private protected set; }

    /// <summary>What a hooked load yields: the bytes as stored, <paramref name="value"/>, or a refusal.</summary>
    internal virtual LoadHookResult LoadHook(int offset, int size, out ulong value)
    {
        value = 0;
        return LoadHookResult.Bytes;
    }

    /// <summary>Why a load <see cref="LoadHook"/> refused is refused.</summary>
    internal virtual string LoadRefusal(int offset, int size) => "load refused";

    /// <summary>Null to store normally; otherwise why this store is refused.</summary>
    internal virtual string? StoreHook(int offset, int size) => null;

    /// <summary>What the interpreter's fast path needs, in one struct: bytes and how far direct reads/writes may go.</summary>
    internal RegionView View => new(Data, HasHooks ? 0u : (uint)Data.Length, HasHooks || !Writable ? 0u : (uint)Data.Length, PointerWords);

    /// <summary>See <see cref="RegionView"/>; the array is shared, so later changes reach existing views.</summary>
    internal virtual ulong[]? PointerWords => null;

    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()} region '{Name}' 0x{Address:x}..0x{End:x} ({Length} bytes{(Writable ? "" : ", read-only")})";
}
