using System.Globalization;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Layout;

namespace BtfNotebooks.Kernels;

/// <summary>One step of a heap path: a member name, or an index (<c>[3]</c>); <see cref="Text"/> is the path up to and including it.</summary>
internal readonly record struct HeapPathStep(string? Member, long Index, string Text, int Start)
{
    public bool IsMember => Member is not null;
}

/// <summary>
/// Where a heap path ends: the object holding the field, the field there, how to name it in messages, and (when the
/// last pointer led to the object's start) the path inside that object, so it can list the field among its own.
/// </summary>
internal sealed record HeapLocation(HeapObject Object, KernelField Field, string Where, string Path, string? LocalPath);

/// <summary>
/// Objects a write allocated on its way (a NULL <c>mm</c> on the way to <c>mm.arg_start</c>) and the pointers to
/// them. Nothing is mapped or linked until <see cref="Commit"/>, which runs only after the value itself was
/// accepted: a refused write leaves the heap as it was.
/// </summary>
internal sealed class HeapWrite
{
    private readonly List<HeapObject> _created = [];
    private readonly List<(HeapObject Owner, KernelField Pointer, HeapObject Target)> _links = [];

    public void Allocated(HeapObject created, HeapObject owner, KernelField pointer)
    {
        _created.Add(created);
        _links.Add((owner, pointer, created));
    }

    public void Commit(KernelHeap heap)
    {
        foreach (var o in _created) heap.Map(o);
        foreach (var (owner, pointer, target) in _links)
            owner.Storage.WriteNumber(pointer, target.Address, bitPattern: true, $"0x{target.Address:x}", pointer.Path);
    }
}

/// <summary>
/// Heap paths: <c>pid</c>, <c>se.vruntime</c>, <c>real_parent.tgid</c> (through a pointer, <c>-&gt;</c> also
/// accepted), <c>files.fd_array[3].f_pos</c> (array elements, then a pointer), <c>[2]</c> (an element of an array
/// object). A path is resolved one step at a time like a C expression: members through anonymous members and
/// embedded structs, a pointer followed to the heap object at its address (typed by the pointer's BTF target, as C
/// would), an index into an array or behind a pointer.
/// </summary>
internal static class HeapPath
{
    /// <summary>The steps of <paramref name="path"/> (trimmed, "-&gt;" read as ".").</summary>
    public static List<HeapPathStep> Parse(string path)
    {
        string p = path.Trim().Replace("->", ".", StringComparison.Ordinal);
        if (p.Length == 0) throw new KernelObjectException("empty field name");
        var steps = new List<HeapPathStep>();
        int at = 0;
        while (true)
        {
            int start = at;
            while (at < p.Length && p[at] is not ('.' or '[' or ']')) at++;
            string name = p[start..at];
            if (name.Length > 0)
            {
                if (!IsIdentifier(name))
                    throw new KernelObjectException($"'{name}' in '{p}' is not a member name (letters, digits and _)");
                steps.Add(new HeapPathStep(name, 0, p[..at], start));
            }
            else if (!(start == 0 && at < p.Length && p[at] == '['))
                throw new KernelObjectException($"'{p}' has an empty member name; write fields as member.member");
            while (at < p.Length && p[at] == '[')
            {
                int open = at;
                int close = p.IndexOf(']', open);
                if (close < 0) throw new KernelObjectException($"'{p}': the '[' at column {open + 1} has no closing ']'");
                string index = p[(open + 1)..close].Trim();
                if (!KernelObject.TryParseNumber(index, out var value, out _) || value < 0 || value > int.MaxValue || index.StartsWith('-'))
                    throw new KernelObjectException($"'{p}': '{index}' is not an index; write a number from 0 ({(name.Length > 0 ? name : "")}[0])");
                at = close + 1;
                steps.Add(new HeapPathStep(null, (long)value, p[..at], open));
            }
            if (at == p.Length) break;
            if (p[at] == ']') throw new KernelObjectException($"'{p}': ']' at column {at + 1} without an opening '['");
            if (p[at] != '.') throw new KernelObjectException($"'{p}': expected '.' or '[' at column {at + 1}");
            at++;
            if (at == p.Length) throw new KernelObjectException($"'{p}' has an empty member name; write fields as member.member");
        }
        return steps;
    }

    private static bool IsIdentifier(string name) =>
        !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>
    /// Resolves <paramref name="path"/> from <paramref name="root"/>. With <paramref name="write"/>, a NULL pointer on
    /// the way gets a new (not yet mapped) object of its target type; without, it is an error, as is a pointer
    /// that leads anywhere but into a heap object.
    /// </summary>
    public static HeapLocation Resolve(HeapObject root, string path, HeapWrite? write)
    {
        ArgumentNullException.ThrowIfNull(path);
        var heap = root.Heap;
        var spec = heap.Spec;
        List<HeapPathStep> steps;
        try
        {
            steps = Parse(path);
        }
        catch (KernelObjectException e) when (path.Trim().Length == 0)
        {
            throw new KernelObjectException($"empty field name for {root.Describe()}", e);
        }
        string normalized = steps[^1].Text;
        string Where(string p) => p.StartsWith('[') ? root.TypeName + p : $"{root.TypeName}.{p}";

        var obj = root;
        ulong bits = 0;
        uint bitfield = 0;
        BtfType declared = root.Type;
        int localStart = 0;
        bool localValid = true;
        string reached = "";

        for (int i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            if (i == 0 && root.IsArrayObject)
            {
                if (step.IsMember)
                    throw new KernelObjectException($"{root.TypeName} is an array, not a struct: index it ([0]); '{step.Member}' in '{normalized}' names no element");
                if (step.Index >= root.ArrayLength)
                    throw new KernelObjectException(root.ArrayLength == 0
                        ? $"{Where(step.Text)}: {root.TypeName} has no elements"
                        : $"{Where(step.Text)}: index {step.Index} is out of range: {root.TypeName} has {root.ArrayLength} element{(root.ArrayLength == 1 ? "" : "s")} (0..{root.ArrayLength - 1})");
                declared = root.ElementType;
                bits = (ulong)step.Index * (ulong)spec.SizeOf(declared) * 8;
                reached = step.Text;
                continue;
            }

            var t = spec.SkipModifiers(declared);
            if (step.IsMember)
            {
                if (t.Kind == BtfKind.Ptr)
                {
                    (obj, bits) = Follow(obj, bits, declared, Where(reached), reached, step, normalized, write);
                    declared = spec[t.TypeId];
                    t = spec.SkipModifiers(declared);
                    localStart = step.Start;
                    localValid = bits == 0;
                }
                if (!t.Kind.IsComposite()) throw NotComposite(spec, declared, t, Where(reached), reached, step, normalized);
                FieldLocation loc;
                try
                {
                    loc = spec.ResolveField(t, step.Member!);
                }
                catch (BtfLookupException e)
                {
                    string inside = reached.Length == 0 ? BtfSpec.Describe(t) : $"{BtfSpec.Describe(t)} ({Where(reached)})";
                    throw new KernelObjectException($"{inside} has no member '{step.Member}'{NameSuggestions.DidYouMean(step.Member!, KernelObject.MemberNamesOf(spec, t))}", e);
                }
                bits += loc.BitOffset;
                bitfield = loc.BitfieldSize;
                declared = loc.Type;
            }
            else
            {
                string what = Where(reached);
                if (t.Kind == BtfKind.Array)
                {
                    uint length = t.ArrayLength;
                    // A zero-length array is a flexible array member: the object's end bounds it, checked below.
                    if (length > 0 && step.Index >= length)
                        throw new KernelObjectException($"{Where(step.Text)}: index {step.Index} is out of range: {what} is {CTypeNames.Format(spec, declared)} (0..{length - 1})");
                    declared = spec[t.ArrayElementTypeId];
                    bits += (ulong)step.Index * (ulong)spec.SizeOf(declared) * 8;
                }
                else if (t.Kind == BtfKind.Ptr)
                {
                    (obj, bits) = Follow(obj, bits, declared, what, reached, step, normalized, write);
                    declared = spec[t.TypeId];
                    var target = spec.SkipModifiers(declared);
                    if (target.IsVoid || target.Kind is BtfKind.Fwd or BtfKind.FuncProto)
                        throw new KernelObjectException($"{what} is {CTypeNames.Format(spec, t)}: its elements have no size, so '[{step.Index}]' cannot be indexed");
                    bits += (ulong)step.Index * (ulong)spec.SizeOf(declared) * 8;
                    localValid = false;
                }
                else
                {
                    throw new KernelObjectException($"{what} is {CTypeNames.Format(spec, declared)}: only arrays and pointers take an index ('[{step.Index}]' in '{normalized}')");
                }
                bitfield = 0;
            }
            reached = step.Text;
        }

        string where = Where(normalized);
        var field = Classify(spec, heap.PointerSize, declared, bits, bitfield, normalized, where);
        if (field.BitOffset + field.BitSize > (ulong)obj.Size * 8)
        {
            throw new KernelObjectException(obj == root
                ? $"{where} ({field.TypeName} at byte {field.ByteOffset}) runs past the end of the {obj.Size}-byte {obj.TypeName}"
                : $"{where} ({field.TypeName}) lies at byte {field.ByteOffset} of the {obj.Label}, past its end: the pointer that leads there points at something smaller than its type");
        }
        string? local = obj == root ? normalized : localValid && localStart > 0 ? normalized[localStart..] : null;
        return new HeapLocation(obj, field, where, normalized, local);
    }

    // The pointer at `bits` of `owner`, followed: the heap object it points into and the bit offset there.
    private static (HeapObject, ulong) Follow(HeapObject owner, ulong bits, BtfType pointerType, string where, string reached,
        HeapPathStep next, string path, HeapWrite? write)
    {
        var heap = owner.Heap;
        var spec = heap.Spec;
        var pointer = PointerField(spec, heap.PointerSize, pointerType, bits, reached);
        ulong address = owner.Storage.ReadUnsigned(pointer, where);
        string nextText = next.IsMember ? $"'{next.Member}'" : $"'[{next.Index}]'";
        if (address == 0)
        {
            if (write is null)
                throw new KernelObjectException($"{where} is NULL: there is no {nextText} behind it to read ('{path}'); set a member behind it to allocate the {PointeeName(spec, pointerType)}, or point it at a heap object");
            var target = spec.SkipModifiers(spec.SkipModifiers(pointerType).TypeId);
            string pointee = CTypeNames.Format(spec, pointerType);
            if (target.IsVoid)
                throw new KernelObjectException($"{where} is {pointee}: a void pointer does not say what it points at, so nothing can be allocated behind it; point it at a heap object first (Set(\"{reached}\", heap.New(...)))");
            if (target.Kind == BtfKind.Fwd)
                throw new KernelObjectException($"{where} is {pointee}, and {BtfSpec.Describe(target)} is only forward-declared in {spec.Source ?? "this BTF"}: its layout is unknown, so nothing can be allocated behind it");
            if (target.Kind == BtfKind.FuncProto)
                throw new KernelObjectException($"{where} is a function pointer ({pointee}): there is no data behind it");
            heap.CheckPointerWidth(where, pointee);
            var created = heap.Create(target);
            write.Allocated(created, owner, pointer);
            return (created, 0);
        }
        if (heap.Locate(address) is not { } found)
            throw heap.NotAHeapObject(where, address, path);
        return (found.Object, (ulong)found.Offset * 8);
    }

    private static string PointeeName(BtfSpec spec, BtfType pointerType)
    {
        var target = spec.SkipModifiers(spec.SkipModifiers(pointerType).TypeId);
        return target.IsVoid ? "pointee" : BtfSpec.Describe(target);
    }

    internal static KernelField PointerField(BtfSpec spec, int pointerSize, BtfType declared, ulong bits, string path) =>
        new(path, KernelFieldKind.Pointer, declared, CTypeNames.Format(spec, declared), bits, (uint)pointerSize * 8, false, false);

    private static KernelObjectException NotComposite(BtfSpec spec, BtfType declared, BtfType t, string where, string reached, HeapPathStep step, string path)
    {
        string typeName = CTypeNames.Format(spec, declared);
        if (t.Kind == BtfKind.Array)
            return new KernelObjectException($"{where} is {typeName}, an array, not a struct, union or pointer: index it ({reached}[0]) ('{step.Member}' in '{path}')");
        return new KernelObjectException($"{where} is {typeName}, not a struct, union or pointer ('{step.Member}' in '{path}')");
    }

    // What the path's last step takes as a value, as KernelObject.Field decides it, plus pointers.
    private static KernelField Classify(BtfSpec spec, int pointerSize, BtfType declared, ulong bits, uint bitfield, string path, string where)
    {
        var t = spec.SkipModifiers(declared);
        string typeName = CTypeNames.Format(spec, declared);
        switch (t.Kind)
        {
            case BtfKind.Int:
            {
                if (t.Size > 8)
                    throw new KernelObjectException($"{where} is {typeName}, a {t.Size * 8}-bit integer; fields wider than 64 bits are not supported");
                // Old-style bitfields keep their width in the INT itself, which ResolveField has folded in already.
                uint width = bitfield != 0 ? bitfield : t.Size * 8;
                var encoding = t.IntEncoding;
                var kind = (encoding & BtfIntEncoding.Bool) != 0 ? KernelFieldKind.Bool : KernelFieldKind.Integer;
                return new KernelField(path, kind, declared, bitfield != 0 ? $"{typeName}:{width}" : typeName, bits, width, (encoding & BtfIntEncoding.Signed) != 0, bitfield != 0);
            }
            case BtfKind.Enum or BtfKind.Enum64:
            {
                if (t.Size > 8) throw new KernelObjectException($"{where} is {typeName} of {t.Size} bytes; enums wider than 64 bits are not supported");
                uint width = bitfield != 0 ? bitfield : t.Size * 8;
                return new KernelField(path, KernelFieldKind.Enum, declared, bitfield != 0 ? $"{typeName}:{width}" : typeName, bits, width, t.IsSignedEnum, bitfield != 0)
                {
                    SignednessUnknown = !t.KindFlag,
                };
            }
            case BtfKind.Array:
            {
                var element = spec.SkipModifiers(t.ArrayElementTypeId);
                if (element.Kind != BtfKind.Int || element.Size != 1)
                    throw new KernelObjectException($"{where} is {typeName}, an array of {CTypeNames.Format(spec, t.ArrayElementTypeId)}; set its elements ({path}[0])");
                return new KernelField(path, KernelFieldKind.CharArray, declared, typeName, bits, t.ArrayLength * 8u, false, false);
            }
            case BtfKind.Ptr:
                return PointerField(spec, pointerSize, declared, bits, path);
            case BtfKind.Struct or BtfKind.Union:
            {
                var members = KernelObject.MemberNamesOf(spec, t).Take(4).ToList();
                string example = members.Count == 0 ? "" : $" (e.g. {string.Join(", ", members.Select(m => $"{path}.{m}"))})";
                throw new KernelObjectException($"{where} is {typeName}, not a single value; set one of its members{example}");
            }
            case BtfKind.Float:
                throw new KernelObjectException($"{where} is {typeName}, a floating-point field; those are not supported");
            default:
                throw new KernelObjectException($"{where} is {typeName} ({BtfSpec.Describe(t)}), which takes no value");
        }
    }

    internal static string Hex(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);
}
