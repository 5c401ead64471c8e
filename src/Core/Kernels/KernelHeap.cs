using System.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Layout;
using BtfNotebooks.Vm;

namespace BtfNotebooks.Kernels;

/// <summary>
/// Kernel memory for BPF programs run in the VM: objects laid out by one kernel's BTF, each mapped into one VM
/// address space as a writable <see cref="RegionKind.Kernel"/> region, that point at each other. A test builds the
/// same logical objects on every kernel (a task, its parent, its mm) with the same code; only the layout differs,
/// and a program that follows <c>task-&gt;real_parent-&gt;tgid</c> with one kernel's offsets finds the value there.
/// </summary>
/// <remarks>
/// <para>Each object is its own region, so running off the end of one faults naming it instead of reading its
/// neighbour. Pointers are written in the kernel's byte order and pointer size. The VM is a little-endian machine:
/// on a big-endian kernel (s390x) a program must byte-swap (<c>be64</c>) a pointer it loads before following it,
/// exactly as it must swap the integers it reads (<c>be32</c>); without that, the swapped address faults.</para>
/// <para>A 32-bit kernel (i386) cannot point at heap objects: VM regions live at 4 GiB and above, which its 4-byte
/// pointers do not hold. Its objects still take values; setting a pointer to a heap object is refused.</para>
/// <para>Not thread-safe, like the VM whose memory it fills.</para>
/// </remarks>
public sealed class KernelHeap
{
    private readonly Dictionary<ulong, HeapObject> _byWindow = [];
    private readonly List<HeapObject> _objects = [];
    private readonly Lazy<string?> _arch;

    /// <summary>A heap for <paramref name="spec"/>'s layouts in <paramref name="memory"/>.</summary>
    /// <param name="spec">The kernel's BTF: layouts, byte order, pointer size.</param>
    /// <param name="memory">The VM address space objects are mapped into.</param>
    /// <param name="arch">The kernel's architecture (Debian spelling or any <see cref="KernelArch.Normalize"/> reads), for contexts that depend on it (pt_regs); null: inferred from the BTF when needed.</param>
    public KernelHeap(BtfSpec spec, AddressSpace memory, string? arch = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(memory);
        Spec = spec;
        Memory = memory;
        if (arch is not null && KernelArch.Normalize(arch.Trim()) is null)
            throw new KernelObjectException($"'{arch}' names no architecture (known: amd64/x86_64, arm64/aarch64, i386, s390x, ppc64el, ppc64, riscv64)");
        string? declared = arch is null ? null : KernelArch.Normalize(arch.Trim());
        _arch = new Lazy<string?>(() => declared ?? KernelArch.Infer(spec));
    }

    /// <summary>A heap in <paramref name="vm"/>'s memory.</summary>
    public KernelHeap(BtfSpec spec, BpfVm vm, string? arch = null) : this(spec, (vm ?? throw new ArgumentNullException(nameof(vm))).Memory, arch) => Vm = vm;

    /// <summary>A heap for a catalog kernel: its BTF, and its architecture as the catalog declares it or its BTF tells.</summary>
    public KernelHeap(KernelEntry kernel, BpfVm vm) : this((kernel ?? throw new ArgumentNullException(nameof(kernel))).Spec, vm, kernel.Arch ?? kernel.InferredArch)
    {
    }

    public BtfSpec Spec { get; }

    /// <summary>The VM address space the objects are mapped into.</summary>
    public AddressSpace Memory { get; }

    /// <summary>The VM whose memory this is, when the heap was made for one (packet contexts need it).</summary>
    public BpfVm? Vm { get; }

    /// <summary>The kernel's architecture (amd64, arm64, s390x, i386...), as given or inferred from the BTF; null when neither says.</summary>
    public string? Arch => _arch.Value;

    /// <summary>True for a big-endian kernel (s390x): fields and pointers are stored most significant byte first.</summary>
    public bool IsBigEndian => Spec.IsBigEndian || (Spec.Base?.IsBigEndian ?? false);

    /// <summary>The kernel's pointer size in bytes (8, or 4 on i386).</summary>
    public int PointerSize => Spec.PointerSize;

    /// <summary>Every object, in allocation order (including those allocated behind NULL pointers).</summary>
    public IReadOnlyList<HeapObject> Objects => _objects;

    // ---- allocation ----

    /// <summary>
    /// A zero-filled object mapped into the VM: a struct or union by name ("task_struct", "struct sk_buff"), or an
    /// array of a named type written "TYPE[N]" ("u64[6]", "struct iovec[2]"; see <see cref="NewArray(string, int)"/>).
    /// </summary>
    public HeapObject New(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        string t = type.Trim();
        if (t.EndsWith(']') && t.LastIndexOf('[') is int open and > 0)
        {
            string count = t[(open + 1)..^1].Trim();
            if (!int.TryParse(count, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n))
                throw new KernelObjectException($"'{type}': '{count}' is not an element count");
            return NewArray(t[..open], n);
        }
        // A scalar is refused as KernelObject refuses it, with the way to get one anyway; unknown names and
        // forward declarations get KernelObject's own messages (with its suggestions).
        BtfType? found = null;
        try
        {
            found = Spec.SkipModifiers(Spec.FindType(t));
        }
        catch (BtfLookupException)
        {
        }
        if (found is { IsVoid: false } scalar && !scalar.Kind.IsComposite() && scalar.Kind != BtfKind.Fwd)
            throw new KernelObjectException($"'{t}' is {CTypeNames.Format(Spec, scalar.Id)}, not a struct or union; for a bare value allocate an array of it ({t}[1])");
        var layout = KernelObject.Create(Spec, t);
        return Map(new HeapObject(this, layout.Type, layout.TypeName, layout.Bytes, null));
    }

    /// <summary>
    /// An array object of <paramref name="count"/> elements of <paramref name="elementType"/> ("u64", "unsigned
    /// int", "struct iovec"): the memory behind a raw tracepoint's or fentry program's <c>u64 *ctx</c>, or any
    /// buffer a pointer should point at. Elements are set as <c>[0]</c>, <c>[1].iov_len</c>...
    /// </summary>
    public HeapObject NewArray(string elementType, int count)
    {
        ArgumentNullException.ThrowIfNull(elementType);
        if (count < 0) throw new KernelObjectException($"an array of {elementType.Trim()} cannot have {count} elements");
        BtfType element;
        try
        {
            element = Spec.FindType(elementType);
        }
        catch (BtfLookupException e)
        {
            throw new KernelObjectException(e.Message, e);
        }
        return NewArray(element, count);
    }

    /// <summary>An array object of <paramref name="count"/> elements of a type of this heap's BTF.</summary>
    public HeapObject NewArray(BtfType elementType, int count)
    {
        var resolved = Spec.SkipModifiers(elementType);
        if (resolved.IsVoid || resolved.Kind is BtfKind.Fwd or BtfKind.Func or BtfKind.FuncProto)
            throw new KernelObjectException($"{(resolved.IsVoid ? "void" : CTypeNames.Format(Spec, elementType))} has no size: it cannot be an array element");
        long size = Spec.SizeOf(elementType) * count;
        if (size > Array.MaxLength) throw new KernelObjectException($"{count} x {CTypeNames.Format(Spec, elementType)} is {size} bytes, more than one array holds");
        string name = $"{CTypeNames.Format(Spec, elementType)}[{count}]";
        return Map(new HeapObject(this, elementType, name, new byte[size], count));
    }

    /// <summary>
    /// Builds an object from text: <c>task_struct pid=42 comm=bash real_parent.tgid=7 mm.arg_start=0x1000</c>. The
    /// syntax is <see cref="KernelObject.Parse"/>'s; paths may go through pointers, which allocates what they point at,
    /// and the type may be an array ("u64[3] [0]=1 [2]=7"). Errors name the column.
    /// </summary>
    public HeapObject Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // When an assignment is refused, the object made for the type stays mapped (the VM cannot unmap a region),
        // with the assignments before it; nothing points at it.
        return KernelObjectText.Parse(text, New, (obj, path, value) => obj.Set(path, value));
    }

    /// <summary>The heap object whose bytes contain <paramref name="address"/>, or null.</summary>
    public HeapObject? Find(ulong address) => Locate(address)?.Object;

    internal (HeapObject Object, long Offset)? Locate(ulong address)
    {
        if (!_byWindow.TryGetValue(address >> 32, out var obj)) return null;
        long offset = (long)(address - obj.Address);
        return offset < obj.Size ? (obj, offset) : null;
    }

    /// <summary>An object of a pointer's target type, not mapped until the write that needed it succeeds.</summary>
    internal HeapObject Create(BtfType type)
    {
        long size = Spec.SizeOf(type);
        if (size > Array.MaxLength) throw new KernelObjectException($"{BtfSpec.Describe(type)} is {size} bytes, more than one array holds");
        string name = type.Kind.IsComposite() && !type.IsAnonymous ? type.Name : CTypeNames.Format(Spec, type);
        return new HeapObject(this, type, name, new byte[size], null);
    }

    internal HeapObject Map(HeapObject obj)
    {
        var region = Memory.Map(obj.TypeName, obj.Bytes, RegionKind.Kernel);
        obj.Mapped(region);
        _byWindow[region.Address >> 32] = obj;
        _objects.Add(obj);
        return obj;
    }

    // ---- pointers ----

    internal void CheckPointerWidth(string where, string pointerType)
    {
        if (PointerSize >= 8) return;
        throw new KernelObjectException(
            $"{where} is {pointerType}, a {PointerSize * 8}-bit pointer on this {PointerSize * 8}-bit kernel: heap objects live at VM addresses of 4 GiB and above " +
            $"(each VM region has its own 4 GiB window), which it cannot hold; on this kernel set values, not pointers");
    }

    /// <summary>Refuses to point a pointer at an object of another type than its BTF target (any is fine for void *), as C refuses the assignment without a cast.</summary>
    /// <param name="pointer">The pointer field (or parameter) whose BTF target type must match.</param>
    /// <param name="target">The heap object it would point at.</param>
    /// <param name="where">The pointer, for the message.</param>
    /// <param name="anyway">How to store the address regardless ("set the pointer to its Address").</param>
    internal void CheckPointee(KernelField pointer, HeapObject target, string where, string anyway = "to store its address anyway, set the pointer to its Address")
    {
        var pointee = Spec.SkipModifiers(Spec.SkipModifiers(pointer.Type).TypeId);
        if (pointee.IsVoid) return;
        var actual = Spec.SkipModifiers(target.Type);
        if (Same(pointee, actual)) return;
        if (!target.IsArrayObject && actual.Kind == BtfKind.Array && Same(pointee, Spec.SkipModifiers(actual.ArrayElementTypeId))) return;
        string what = target.IsArrayObject ? $"an array of {CTypeNames.Format(Spec, target.Type)}"
            : actual.Kind.IsComposite() ? BtfSpec.Describe(actual)
            : CTypeNames.Format(Spec, target.Type);
        throw new KernelObjectException($"{where} is {pointer.TypeName}, but the {target.Label} is {what}; {anyway}");
    }

    // One kernel's BTF normally has one type per name, but a forward declaration, or ints of the same width and
    // sign spelled differently (long unsigned int, long long unsigned int on 64-bit), mean the same memory.
    private static bool Same(BtfType expected, BtfType actual)
    {
        if (expected == actual) return true;
        if (expected.Kind == BtfKind.Fwd && actual.Kind.IsComposite())
            return expected.Name == actual.Name && expected.IsUnionForward == (actual.Kind == BtfKind.Union);
        if (expected.Kind == BtfKind.Int && actual.Kind == BtfKind.Int)
            return expected.Size == actual.Size && expected.IntEncoding == actual.IntEncoding;
        return expected.Kind == actual.Kind && !expected.IsAnonymous && expected.Name == actual.Name;
    }

    /// <summary>The error for a pointer that leads somewhere other than a heap object: NULL is handled by the caller.</summary>
    internal KernelObjectException NotAHeapObject(string where, ulong address, string path)
    {
        string what;
        var region = Memory.Find(address);
        if (region is not null)
            what = $"which is in the VM's {region}, not a heap object";
        else if (_byWindow.TryGetValue(address >> 32, out var near))
            what = $"which is {address - near.Address} bytes into the {near.Size}-byte {near.Label}: past its end";
        else
            what = address < 0x1_0000_0000
                ? "which is no VM address (heap objects live at 4 GiB and above)"
                : "which is not the address of any heap object";
        string swapped = IsBigEndian && Locate(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(address)) is not null
            ? " (byte-swapped it would be a heap object's address: was it written in the wrong byte order?)"
            : "";
        return new KernelObjectException($"{where} holds 0x{address:x}, {what}{swapped}; '{path}' cannot be followed");
    }

    public override string ToString()
    {
        var text = new StringBuilder($"kernel heap on {Spec.Source ?? "(BTF)"}{(Arch is null ? "" : $" ({Arch})")}: {_objects.Count} object{(_objects.Count == 1 ? "" : "s")}");
        foreach (var o in _objects) text.Append("\n  ").Append(o.Label).Append(' ').Append($"({o.Size} bytes)");
        return text.ToString();
    }
}
