using System.Globalization;
using System.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.Vm;

namespace BtfNotebooks.Kernels;

/// <summary>
/// One object of a <see cref="KernelHeap"/>: kernel memory laid out by the heap's BTF and mapped into the VM at
/// <see cref="Address"/>, whose pointer fields may point at other heap objects. Paths go through pointers as C's
/// <c>-&gt;</c> does: <c>task.Set("real_parent", parent)</c> stores the parent's VM address in the kernel's byte order
/// and pointer size, <c>task.Get("real_parent.tgid")</c> follows it, and <c>task.Set("mm.arg_start", 0x7ffd0000)</c>
/// allocates the <c>struct mm_struct</c> the NULL <c>mm</c> should point at, typed from the pointer's BTF target. A BPF
/// program given <see cref="Address"/> follows the same pointers through the VM's memory.
/// </summary>
public sealed class HeapObject
{
    private readonly List<string> _assigned = [];
    private MemoryRegion? _region;

    internal HeapObject(KernelHeap heap, BtfType type, string typeName, byte[] bytes, int? arrayLength)
    {
        Heap = heap;
        Type = type;
        TypeName = typeName;
        ArrayLength = arrayLength;
        Storage = KernelObject.Wrap(heap.Spec, type, typeName, bytes);
    }

    /// <summary>The bytes and the value code shared with <see cref="KernelObject"/>.</summary>
    internal KernelObject Storage { get; }

    public KernelHeap Heap { get; }

    /// <summary>
    /// The object's type with typedefs and qualifiers looked through: a struct or union, or whatever a pointer
    /// pointed at when it was allocated behind one (an int, a pointer); for an array object (<see cref="KernelHeap.NewArray(string, int)"/>)
    /// the element type.
    /// </summary>
    public BtfType Type { get; }

    /// <summary>"task_struct", "u64[6]", "int": also the name of its VM region.</summary>
    public string TypeName { get; }

    /// <summary>The element count of an array object, null for any other object.</summary>
    public int? ArrayLength { get; }

    internal bool IsArrayObject => ArrayLength is not null;

    internal BtfType ElementType => Type;

    /// <summary>The object's bytes in the kernel's byte order: the VM region's own array, so a program's stores show here.</summary>
    public byte[] Bytes => Storage.Bytes;

    public int Size => Bytes.Length;

    /// <summary>The VM region holding the object: a writable <see cref="RegionKind.Kernel"/> region of its own 4 GiB window.</summary>
    public MemoryRegion Region => _region ?? throw new InvalidOperationException($"{TypeName} is not mapped yet");

    /// <summary>The VM address of the object's first byte: what a pointer to it holds, and what r1 gets for a context.</summary>
    public ulong Address => Region.Address;

    internal bool IsMapped => _region is not null;

    internal void Mapped(MemoryRegion region) => _region = region;

    /// <summary>The paths set through this object, in the order first set (<c>pid</c>, <c>real_parent.tgid</c>).</summary>
    public IReadOnlyList<string> AssignedFields => _assigned;

    /// <summary>"task_struct at 0x300000000", for messages.</summary>
    public string Label => IsMapped ? $"{TypeName} at 0x{Address:x}" : $"new {TypeName}";

    internal string Describe() => $"{(IsArrayObject ? TypeName : BtfSpec.Describe(Type))} {(IsMapped ? $"at 0x{Address:x} " : "")}({Size} bytes{(Heap.Spec.Source is null ? "" : $", {Heap.Spec.Source}")})";

    // ---- writing ----

    /// <summary>
    /// Sets an integer, enum or _Bool field, or a pointer to a raw address (0 is NULL). The path may go through
    /// pointers; a NULL one on the way gets a new object of its target type. A refused value changes nothing and
    /// allocates nothing.
    /// </summary>
    public HeapObject Set(string path, long value) => SetNumber(path, value, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Like <see cref="Set(string, long)"/> for values above long's range (a u64, an address).</summary>
    public HeapObject Set(string path, ulong value) => SetNumber(path, value, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Sets a field from text, as <see cref="KernelObject.Set(string, string)"/> does (a string for a char array, a
    /// number, an enumerator, true/false); a pointer takes <c>null</c> or an address (<c>0x300000000</c>).
    /// </summary>
    public HeapObject Set(string path, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var write = new HeapWrite();
        var loc = HeapPath.Resolve(this, path, write);
        if (loc.Field.Kind == KernelFieldKind.Pointer)
        {
            string t = value.Trim();
            if (t is "null" or "NULL")
                loc.Object.Storage.WriteNumber(loc.Field, 0, bitPattern: true, t, loc.Where);
            else if (KernelObject.TryParseNumber(t, out var address, out _) && address >= 0)
                loc.Object.Storage.WriteNumber(loc.Field, address, bitPattern: true, t, loc.Where);
            else
                throw new KernelObjectException($"{loc.Where} is {loc.Field.Description}: '{value}' is not an address; write null, 0 or 0x..., or set a member behind it ({loc.Path}.MEMBER=...) to allocate what it points at");
        }
        else
        {
            loc.Object.Storage.WriteText(loc.Field, value, loc.Where);
        }
        return Done(write, loc);
    }

    /// <summary>
    /// Points the pointer at <paramref name="path"/> at <paramref name="target"/> (null: NULL), writing its VM
    /// address in the kernel's byte order. The target must be of the type the pointer's BTF says (any for
    /// <c>void *</c>); to store a mismatched pointer on purpose, pass <c>target.Address</c>.
    /// </summary>
    public HeapObject Set(string path, HeapObject? target)
    {
        var write = new HeapWrite();
        var loc = HeapPath.Resolve(this, path, write);
        if (loc.Field.Kind != KernelFieldKind.Pointer)
            throw new KernelObjectException($"{loc.Where} is {loc.Field.Description}, not a pointer: it cannot hold {(target is null ? "NULL" : $"the {target.Label}")}");
        if (target is null)
        {
            loc.Object.Storage.WriteNumber(loc.Field, 0, bitPattern: true, "null", loc.Where);
            return Done(write, loc);
        }
        if (!ReferenceEquals(target.Heap, Heap))
            throw new KernelObjectException($"{loc.Where}: the {target.Label} belongs to another KernelHeap (another VM's memory or another kernel's BTF); its address means nothing here");
        Heap.CheckPointerWidth(loc.Where, loc.Field.TypeName);
        Heap.CheckPointee(loc.Field, target, loc.Where);
        loc.Object.Storage.WriteNumber(loc.Field, target.Address, bitPattern: true, $"0x{target.Address:x}", loc.Where);
        return Done(write, loc);
    }

    /// <summary>Sets the pointer at <paramref name="path"/> to NULL.</summary>
    public HeapObject SetNull(string path) => Set(path, (HeapObject?)null);

    private HeapObject SetNumber(string path, Int128 value, string shown)
    {
        var write = new HeapWrite();
        var loc = HeapPath.Resolve(this, path, write);
        if (loc.Field.Kind == KernelFieldKind.CharArray)
            throw new KernelObjectException($"{loc.Where} is {loc.Field.TypeName}, a char array: it takes a string, not the number {shown}");
        if (loc.Field.Kind == KernelFieldKind.Pointer && value < 0)
            throw new KernelObjectException($"{loc.Where} is {loc.Field.Description}: {shown} is not an address");
        loc.Object.Storage.WriteNumber(loc.Field, value, bitPattern: loc.Field.Kind == KernelFieldKind.Pointer, shown, loc.Where);
        return Done(write, loc);
    }

    private HeapObject Done(HeapWrite write, HeapLocation loc)
    {
        write.Commit(Heap);
        Record(loc.Path);
        if (!ReferenceEquals(loc.Object, this) && loc.LocalPath is { } local) loc.Object.Record(local);
        return this;
    }

    private void Record(string path)
    {
        if (!_assigned.Contains(path, StringComparer.Ordinal)) _assigned.Add(path);
    }

    // ---- reading ----

    /// <summary>Where <paramref name="path"/> ends: which heap object, at which offset, of which kind. Follows pointers, allocates nothing.</summary>
    public HeapField Field(string path)
    {
        var loc = HeapPath.Resolve(this, path, write: null);
        return new HeapField(loc.Object, loc.Field, loc.Path);
    }

    /// <summary>An integer, enum, _Bool or pointer field's value, read through the pointers on the path (sign-extended when signed).</summary>
    public long Get(string path)
    {
        var loc = HeapPath.Resolve(this, path, write: null);
        return loc.Object.Storage.ReadInteger(loc.Field, loc.Where);
    }

    /// <summary>A field's bits as an unsigned number; for a pointer, the address it holds.</summary>
    public ulong GetUnsigned(string path)
    {
        var loc = HeapPath.Resolve(this, path, write: null);
        return loc.Object.Storage.ReadUnsigned(loc.Field, loc.Where);
    }

    /// <summary>A char array's string.</summary>
    public string GetString(string path)
    {
        var loc = HeapPath.Resolve(this, path, write: null);
        return loc.Object.Storage.ReadString(loc.Field, loc.Where);
    }

    /// <summary>
    /// The heap object the pointer at <paramref name="path"/> points into, or null when it is NULL. A pointer to
    /// anything else (a raw address, the stack, a packet) is an error naming the address.
    /// </summary>
    public HeapObject? GetObject(string path)
    {
        var loc = HeapPath.Resolve(this, path, write: null);
        if (loc.Field.Kind != KernelFieldKind.Pointer)
            throw new KernelObjectException($"{loc.Where} is {loc.Field.Description}, not a pointer");
        ulong address = loc.Object.Storage.ReadUnsigned(loc.Field, loc.Where);
        if (address == 0) return null;
        return Heap.Locate(address)?.Object ?? throw Heap.NotAHeapObject(loc.Where, address, loc.Path);
    }

    // ---- text ----

    /// <summary>
    /// The text form <see cref="KernelHeap.Parse"/> reads, with the current value of each path set through this
    /// object: <c>task_struct pid=42 real_parent.tgid=7 mm.arg_start=2147287040</c>. A pointer set directly shows its
    /// address (<c>real_parent=0x300000000</c>), which means something only in this heap; paths through pointers
    /// rebuild the same objects anywhere.
    /// </summary>
    /// <exception cref="KernelObjectException">A path set earlier no longer resolves (a pointer on it was changed to a non-heap address).</exception>
    public string ToText()
    {
        var text = new StringBuilder(TypeName);
        foreach (var path in _assigned)
        {
            var loc = HeapPath.Resolve(this, path, write: null);
            text.Append(' ').Append(path).Append('=').Append(loc.Object.Storage.FormatValue(loc.Field));
        }
        return text.ToString();
    }

    public override string ToString()
    {
        string text;
        try
        {
            text = ToText();
        }
        catch (KernelObjectException e)
        {
            text = $"{TypeName} (unreadable: {e.Message})";
        }
        return $"{Describe()}: {text}";
    }
}
