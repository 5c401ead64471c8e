using System.Globalization;
using System.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Layout;
using BtfNotebooks.Vm;

namespace BtfNotebooks.Kernels;

/// <summary>
/// The bytes of one kernel object (a <c>task_struct</c>, a <c>sk_buff</c>...) laid out by one kernel's BTF, with
/// named fields set: <c>pid = 42</c> lands at byte 2416 of a Debian 6.1 amd64 task_struct and at 1264 of a 6.18
/// one, big-endian on s390x. A BPF program run against it in the VM then reads what that kernel would hold, which
/// is how a hard-coded offset shows itself wrong on the other kernel. Fields are integers, enums, _Bool and char
/// arrays, also nested in embedded structs ("se.vruntime") and as bitfields. It is one block of memory, so pointers
/// are not followed here: <see cref="KernelHeap"/> allocates objects that point at each other
/// ("real_parent.tgid", "mm.arg_start").
/// </summary>
public sealed class KernelObject
{
    private readonly List<string> _assigned = [];

    private KernelObject(BtfSpec spec, BtfType type, string typeName, byte[] bytes)
    {
        Spec = spec;
        Type = type;
        TypeName = typeName;
        Bytes = bytes;
    }

    /// <summary>The kernel BTF the layout comes from.</summary>
    public BtfSpec Spec { get; }

    /// <summary>The struct or union (typedefs and qualifiers looked through).</summary>
    public BtfType Type { get; }

    /// <summary>The type's name ("task_struct"); also the name of the region <see cref="MapInto(AddressSpace)"/> maps.</summary>
    public string TypeName { get; }

    /// <summary>
    /// The object's bytes, in the kernel's byte order; the array itself, not a copy, so a program's stores through
    /// a mapping show up here and in <see cref="Get"/>.
    /// </summary>
    public byte[] Bytes { get; }

    public int Size => Bytes.Length;

    /// <summary>True when the kernel is big-endian (s390x): multi-byte fields are stored most significant byte first.</summary>
    public bool IsBigEndian => Spec.IsBigEndian || (Spec.Base?.IsBigEndian ?? false);

    /// <summary>The fields set so far, in the order first set.</summary>
    public IReadOnlyList<string> AssignedFields => _assigned;

    /// <summary>A zero-filled object of <paramref name="typeName"/> ("task_struct", "struct sk_buff") as <paramref name="spec"/> lays it out.</summary>
    /// <exception cref="KernelObjectException">No such struct or union in that BTF.</exception>
    public static KernelObject Create(BtfSpec spec, string typeName)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(typeName);
        if (typeName.Trim().Length == 0) throw new KernelObjectException("no type named: expected a struct or union such as task_struct");
        BtfType type;
        try
        {
            type = spec.FindType(typeName);
        }
        catch (BtfLookupException e)
        {
            throw new KernelObjectException(e.Message + TypeSuggestions(spec, typeName), e);
        }
        var resolved = spec.SkipModifiers(type);
        if (resolved.Kind == BtfKind.Fwd)
            throw new KernelObjectException($"'{typeName.Trim()}' is only forward-declared in {spec.Source ?? "this BTF"}: its layout is unknown");
        if (!resolved.Kind.IsComposite())
            throw new KernelObjectException($"'{typeName.Trim()}' is {CTypeNames.Format(spec, resolved.Id)}, not a struct or union");
        type = resolved;
        long size = spec.SizeOf(type);
        if (size > Array.MaxLength)
            throw new KernelObjectException($"{BtfSpec.Describe(type)} is {size} bytes, more than one array holds");
        string name = type.IsAnonymous ? StripKeyword(typeName.Trim()) : type.Name;
        return new KernelObject(spec, type, name, new byte[size]);
    }

    /// <summary>
    /// Builds an object from the compact text notebooks and the CLI use: the type, then FIELD=VALUE assignments
    /// separated by spaces: <c>task_struct pid=42 tgid=7 comm=bash se.vruntime=0x1000 comm="kworker/0:1"</c>.
    /// Values are decimal, 0x hex (a bit pattern), negative, an enumerator name, true/false, or a string (bare or
    /// quoted) for a char array. Errors name the column and the assignment.
    /// </summary>
    public static KernelObject Parse(BtfSpec spec, string text) => KernelObjectText.Parse(spec, text);

    // ---- fields ----

    /// <summary>
    /// Where <paramref name="path"/> ("pid", "se.vruntime", "thread_info.flags") lies and what it takes. Refuses,
    /// naming the type and suggesting close member names, an unknown member; and fields that take no value here:
    /// pointers, structs/unions themselves, arrays of anything but 1-byte integers, floats.
    /// </summary>
    public KernelField Field(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string p = path.Trim();
        if (p.Length == 0) throw new KernelObjectException($"empty field name for {Describe()}");
        var loc = Locate(p);
        var declared = loc.Type;
        var t = Spec.SkipModifiers(declared);
        string typeName = CTypeNames.Format(Spec, declared);
        string where = $"{TypeName}.{p}";
        switch (t.Kind)
        {
            case BtfKind.Int:
            {
                if (t.Size > 8)
                    throw new KernelObjectException($"{where} is {typeName}, a {t.Size * 8}-bit integer; fields wider than 64 bits are not supported");
                var encoding = t.IntEncoding;
                uint bits = loc.IsBitfield ? loc.BitfieldSize : t.Size * 8;
                var kind = (encoding & BtfIntEncoding.Bool) != 0 ? KernelFieldKind.Bool : KernelFieldKind.Integer;
                return Checked(new KernelField(p, kind, declared, loc.IsBitfield ? $"{typeName}:{bits}" : typeName, loc.BitOffset, bits,
                    (encoding & BtfIntEncoding.Signed) != 0, loc.IsBitfield));
            }
            case BtfKind.Enum or BtfKind.Enum64:
            {
                if (t.Size > 8) throw new KernelObjectException($"{where} is {typeName} of {t.Size} bytes; enums wider than 64 bits are not supported");
                uint bits = loc.IsBitfield ? loc.BitfieldSize : t.Size * 8;
                return Checked(new KernelField(p, KernelFieldKind.Enum, declared, loc.IsBitfield ? $"{typeName}:{bits}" : typeName, loc.BitOffset, bits, t.IsSignedEnum, loc.IsBitfield)
                {
                    SignednessUnknown = !t.KindFlag,
                });
            }
            case BtfKind.Array:
            {
                var element = Spec.SkipModifiers(t.ArrayElementTypeId);
                if (element.Kind != BtfKind.Int || element.Size != 1)
                    throw new KernelObjectException($"{where} is {typeName}, an array of {CTypeNames.Format(Spec, t.ArrayElementTypeId)}; only char arrays take a value (a string)");
                return Checked(new KernelField(p, KernelFieldKind.CharArray, declared, typeName, loc.BitOffset, t.ArrayLength * 8u, false, false));
            }
            case BtfKind.Ptr:
                throw new KernelObjectException($"{where} is a pointer ({typeName}); pointer fields are not supported: a kernel object here is one block of memory, with nothing for a pointer to point at");
            case BtfKind.Struct or BtfKind.Union:
            {
                var members = MemberNames(t).Take(4).ToList();
                string example = members.Count == 0 ? "" : $" (e.g. {string.Join(", ", members.Select(m => $"{p}.{m}"))})";
                throw new KernelObjectException($"{where} is {typeName}, not a single value; set one of its members{example}");
            }
            case BtfKind.Float:
                throw new KernelObjectException($"{where} is {typeName}, a floating-point field; those are not supported");
            default:
                throw new KernelObjectException($"{where} is {typeName} ({BtfSpec.Describe(t)}), which takes no value");
        }
    }

    private KernelField Checked(KernelField field)
    {
        if (field.BitSize == 0 && field.Kind != KernelFieldKind.CharArray)
            throw new KernelObjectException($"{TypeName}.{field.Path} is {field.TypeName}, zero bits wide");
        if (field.BitOffset + field.BitSize > (ulong)Bytes.Length * 8)
            throw new KernelObjectException($"{TypeName}.{field.Path} ({field.TypeName} at bit {field.BitOffset}) runs past the end of the {Bytes.Length}-byte {TypeName}: the BTF is inconsistent");
        return field;
    }

    private FieldLocation Locate(string path)
    {
        var segments = path.Split('.');
        FieldLocation? previous = null;
        for (int i = 0; i < segments.Length; i++)
        {
            string prefix = string.Join('.', segments[..(i + 1)]);
            try
            {
                previous = Spec.ResolveField(Type, prefix);
            }
            catch (BtfLookupException e)
            {
                throw NotFound(path, segments, i, previous, e);
            }
        }
        return previous!;
    }

    private KernelObjectException NotFound(string path, string[] segments, int index, FieldLocation? parent, BtfLookupException cause)
    {
        string segment = segments[index];
        string reached = string.Join('.', segments[..index]);
        var container = parent is null ? Type : Spec.SkipModifiers(parent.Type);
        if (segment.Length == 0)
            return new KernelObjectException($"'{path}' has an empty member name; write fields as member.member", cause);
        if (parent is not null && !container.Kind.IsComposite())
        {
            string typeName = CTypeNames.Format(Spec, parent.Type);
            string why = container.Kind == BtfKind.Ptr
                ? "a pointer; the object holds no memory for it to point at, so members behind it cannot be set"
                : $"{typeName}, not an embedded struct or union";
            return new KernelObjectException($"{TypeName}.{reached} is {why} ('{segment}' in '{path}')", cause);
        }
        if (segment.Contains('[', StringComparison.Ordinal))
            return new KernelObjectException($"'{segment}' in '{path}': array elements cannot be addressed; a char array takes a whole string (comm=bash)", cause);
        string inside = parent is null ? BtfSpec.Describe(container) : $"{BtfSpec.Describe(container)} ({TypeName}.{reached})";
        return new KernelObjectException($"{inside} has no member '{segment}'{NameSuggestions.DidYouMean(segment, MemberNames(container))}", cause);
    }

    private IEnumerable<string> MemberNames(BtfType composite) => MemberNamesOf(Spec, composite);

    /// <summary>Member names of a struct/union as a path can spell them: anonymous members' members included.</summary>
    internal static IEnumerable<string> MemberNamesOf(BtfSpec spec, BtfType composite, int depth = 0)
    {
        if (depth > 32) yield break;
        foreach (var m in composite.Members)
        {
            if (!m.IsAnonymous) { yield return m.Name; continue; }
            var inner = spec.SkipModifiers(m.Type);
            if (inner.Kind.IsComposite())
                foreach (var name in MemberNamesOf(spec, inner, depth + 1)) yield return name;
        }
    }

    // ---- writing ----

    /// <summary>Sets an integer, enum or _Bool field to <paramref name="value"/>; refuses a value outside the field's range.</summary>
    public KernelObject Set(string path, long value)
    {
        var field = Numeric(path, value.ToString(CultureInfo.InvariantCulture));
        Store(field, value, bitPattern: false, value.ToString(CultureInfo.InvariantCulture));
        return Assigned(field);
    }

    /// <summary>Sets an unsigned value (a u64 above long's range); refuses a value outside the field's range.</summary>
    public KernelObject Set(string path, ulong value)
    {
        var field = Numeric(path, value.ToString(CultureInfo.InvariantCulture));
        Store(field, value, bitPattern: false, value.ToString(CultureInfo.InvariantCulture));
        return Assigned(field);
    }

    /// <summary>
    /// Sets a field from text: a char array gets the string (UTF-8, NUL-terminated, the rest zeroed); any other field
    /// parses it as a number (decimal, 0x hex, negative), an enumerator's name, or true/false for _Bool.
    /// </summary>
    public KernelObject Set(string path, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var field = Field(path);
        WriteText(field, value, Where(field));
        return Assigned(field);
    }

    private KernelObject Assigned(KernelField field)
    {
        if (!_assigned.Contains(field.Path, StringComparer.Ordinal)) _assigned.Add(field.Path);
        return this;
    }

    private KernelField Numeric(string path, string valueText)
    {
        var field = Field(path);
        if (field.Kind == KernelFieldKind.CharArray)
            throw new KernelObjectException($"{TypeName}.{field.Path} is {field.TypeName}, a char array: it takes a string, not the number {valueText}");
        return field;
    }

    private string Where(KernelField field) => $"{TypeName}.{field.Path}";

    private void StoreText(KernelField field, string text, string where)
    {
        string t = text.Trim();
        if (field.Kind == KernelFieldKind.Bool && (t.Equals("true", StringComparison.OrdinalIgnoreCase) || t.Equals("false", StringComparison.OrdinalIgnoreCase)))
        {
            Store(field, t.Equals("true", StringComparison.OrdinalIgnoreCase) ? 1 : 0, bitPattern: false, t, where);
            return;
        }
        if (TryParseNumber(t, out var number, out bool hex))
        {
            Store(field, number, hex, t, where);
            return;
        }
        if (field.Kind == KernelFieldKind.Enum)
        {
            var enumType = Spec.SkipModifiers(field.Type);
            foreach (var v in enumType.EnumValues)
                if (v.Name == t)
                {
                    Store(field, enumType.IsSignedEnum ? v.SignedValue : (Int128)v.UnsignedValue, bitPattern: false, t, where);
                    return;
                }
            var names = enumType.EnumValues.Select(v => v.Name).ToList();
            throw new KernelObjectException($"{where} is {field.TypeName}: '{text}' is neither a number nor one of its enumerators{NameSuggestions.DidYouMean(t, names)}");
        }
        string expected = field.Kind == KernelFieldKind.Bool ? "0, 1, true or false" : "a number: decimal, 0x hex, or negative";
        throw new KernelObjectException($"{where} is {field.Description}: '{text}' is not {expected}");
    }

    /// <summary>Decimal ("42", "-1", "+7") or hex ("0x2a", "-0x10"); hex without a sign is a bit pattern.</summary>
    internal static bool TryParseNumber(string text, out Int128 value, out bool bitPattern)
    {
        value = 0;
        bitPattern = false;
        var s = text.AsSpan().Trim();
        bool negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+')) { negative = s[0] == '-'; s = s[1..]; }
        bool hex = s.Length > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        var digits = hex ? s[2..] : s;
        if (digits.Length == 0 || digits.IndexOfAnyExcept(hex ? HexDigits : DecimalDigits) >= 0) return false;
        // Anything above 2^64 fits no supported field; clamping keeps the arithmetic exact and lets the range check
        // refuse it with the text as written.
        var magnitude = UInt128.TryParse(digits, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? UInt128.Min(parsed, TooLarge)
            : TooLarge;
        value = negative ? -(Int128)magnitude : (Int128)magnitude;
        bitPattern = hex && !negative;
        return true;
    }

    private static readonly UInt128 TooLarge = (UInt128)ulong.MaxValue + 2;
    private static readonly System.Buffers.SearchValues<char> DecimalDigits = System.Buffers.SearchValues.Create("0123456789");
    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    private void Store(KernelField field, Int128 value, bool bitPattern, string shown, string? where = null)
    {
        bool fits = field.Kind == KernelFieldKind.Bool
            ? value == 0 || value == 1
            : (value >= field.Minimum && value <= field.Maximum)
              || ((bitPattern || field.SignednessUnknown) && value >= 0 && value <= field.UnsignedMaximum);
        if (!fits)
        {
            string range = field.Kind == KernelFieldKind.Bool ? "0 or 1, true or false"
                : field.SignednessUnknown ? $"{field.Minimum}..{field.UnsignedMaximum}"
                : $"{field.Minimum}..{field.Maximum}" + (field.IsSigned ? $", or 0x0..0x{field.UnsignedMaximum:x} as a bit pattern" : "");
            string asDecimal = value.ToString(CultureInfo.InvariantCulture);
            string number = shown == asDecimal || Int128.Abs(value) >= (Int128)TooLarge ? shown : $"{shown} ({asDecimal})";
            throw new KernelObjectException($"{where ?? Where(field)} is {field.Description}: {number} does not fit ({range})");
        }
        WriteBits(field, (ulong)(unchecked((UInt128)value) & (UInt128)field.UnsignedMaximum));
    }

    private void WriteString(KernelField field, string value, string where)
    {
        if (value.Contains('\0'))
            throw new KernelObjectException($"{where}: the string contains a NUL character; it ends the string in C");
        var bytes = Encoding.UTF8.GetBytes(value);
        int length = (int)(field.BitSize / 8);
        if (bytes.Length + 1 > length)
            throw new KernelObjectException($"{where} is {field.TypeName}: \"{value}\" is {bytes.Length} byte(s), but it holds at most {Math.Max(length - 1, 0)} plus the terminating NUL");
        var target = Bytes.AsSpan((int)field.ByteOffset, length);
        target.Clear();
        bytes.CopyTo(target);
    }

    // The field's bits sit in the bytes they touch, read as one integer in the kernel's byte order: on a
    // little-endian kernel bit offset 0 is the first byte's least significant bit, on a big-endian one (s390x) its
    // most significant bit, as the compiler lays out bitfields and libbpf's CO-RE shifts assume.
    private void WriteBits(KernelField field, ulong bits)
    {
        var (start, length, shift) = Window(field);
        UInt128 mask = (((UInt128)1 << (int)field.BitSize) - 1) << shift;
        UInt128 window = ReadWindow(start, length);
        window = (window & ~mask) | (((UInt128)bits << shift) & mask);
        for (int i = 0; i < length; i++)
        {
            int shiftOfByte = IsBigEndian ? 8 * (length - 1 - i) : 8 * i;
            Bytes[start + i] = (byte)(window >> shiftOfByte);
        }
    }

    private ulong ReadBits(KernelField field)
    {
        var (start, length, shift) = Window(field);
        UInt128 mask = ((UInt128)1 << (int)field.BitSize) - 1;
        return (ulong)((ReadWindow(start, length) >> shift) & mask);
    }

    private (int Start, int Length, int Shift) Window(KernelField field)
    {
        int start = (int)(field.BitOffset / 8);
        int length = field.ByteLength;
        int within = (int)(field.BitOffset - (ulong)start * 8);
        int shift = IsBigEndian ? length * 8 - within - (int)field.BitSize : within;
        return (start, length, shift);
    }

    private UInt128 ReadWindow(int start, int length)
    {
        UInt128 window = 0;
        for (int i = 0; i < length; i++)
        {
            int shiftOfByte = IsBigEndian ? 8 * (length - 1 - i) : 8 * i;
            window |= (UInt128)Bytes[start + i] << shiftOfByte;
        }
        return window;
    }

    // ---- reading ----

    /// <summary>An integer, enum or _Bool field's value (sign-extended when signed).</summary>
    /// <exception cref="OverflowException">An unsigned 64-bit value above long's range: use <see cref="GetUnsigned"/>.</exception>
    public long Get(string path)
    {
        var field = Field(path);
        return ReadInteger(field, Where(field));
    }

    /// <summary>A field's bits as an unsigned number (a signed field's two's complement pattern, zero-extended).</summary>
    public ulong GetUnsigned(string path)
    {
        var field = Field(path);
        return ReadUnsigned(field, Where(field));
    }

    /// <summary>A char array's string: its bytes up to the first NUL (or all of them), as UTF-8.</summary>
    public string GetString(string path)
    {
        var field = Field(path);
        return ReadString(field, Where(field));
    }

    // ---- field-level access, for KernelHeap ----
    // A heap object resolves its own paths (through pointers and array indexes) to a KernelField of the object the
    // path ends in, and names the field as the caller wrote it (<paramref name="where"/>: "task_struct.mm.arg_start")
    // rather than as that object would ("mm_struct.arg_start"). Values are stored and read by the same code as here,
    // so range checks, bitfields, enums and strings behave identically.

    /// <summary>An object over <paramref name="bytes"/> of any sized type (an array of u64, a pointee int...), not only a struct.</summary>
    internal static KernelObject Wrap(BtfSpec spec, BtfType type, string typeName, byte[] bytes) => new(spec, type, typeName, bytes);

    /// <summary>Stores a number, refusing one outside the field's range; nothing is written when it is refused.</summary>
    internal void WriteNumber(KernelField field, Int128 value, bool bitPattern, string shown, string where) => Store(field, value, bitPattern, shown, where);

    /// <summary>Stores text: a string for a char array, else a number, enumerator or true/false (see <see cref="Set(string, string)"/>).</summary>
    internal void WriteText(KernelField field, string text, string where)
    {
        if (field.Kind == KernelFieldKind.CharArray) WriteString(field, text, where);
        else StoreText(field, text, where);
    }

    internal long ReadInteger(KernelField field, string where)
    {
        if (field.Kind == KernelFieldKind.CharArray)
            throw new KernelObjectException($"{where} is {field.TypeName}, a char array: read it with GetString");
        ulong bits = ReadBits(field);
        if (field.IsSigned)
        {
            int unused = 64 - (int)field.BitSize;
            return (long)(bits << unused) >> unused;
        }
        if (bits > long.MaxValue)
            throw new OverflowException($"{where} holds {bits}, above the range of long; read it with GetUnsigned");
        return (long)bits;
    }

    internal ulong ReadUnsigned(KernelField field, string where)
    {
        if (field.Kind == KernelFieldKind.CharArray)
            throw new KernelObjectException($"{where} is {field.TypeName}, a char array: read it with GetString");
        return ReadBits(field);
    }

    internal string ReadString(KernelField field, string where)
    {
        if (field.Kind != KernelFieldKind.CharArray)
            throw new KernelObjectException($"{where} is {field.Description}, not a char array: read it with Get");
        var bytes = Bytes.AsSpan((int)field.ByteOffset, (int)(field.BitSize / 8));
        int end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }

    /// <summary>The field's current value as the text form writes it: a quoted string, an enumerator's name, a number, or a pointer as null or 0x hex.</summary>
    internal string FormatValue(KernelField field) => field.Kind switch
    {
        KernelFieldKind.CharArray => KernelObjectText.Quote(ReadString(field, Where(field))),
        KernelFieldKind.Enum => EnumeratorName(field) ?? Value(field),
        KernelFieldKind.Pointer => ReadBits(field) is 0 ? "null" : $"0x{ReadBits(field):x}",
        _ => Value(field),
    };

    // ---- the VM ----

    /// <summary>
    /// Maps <see cref="Bytes"/> (not a copy) into <paramref name="memory"/> as a writable <see cref="RegionKind.Kernel"/>
    /// region named after the type: plain memory, any aligned or unaligned load or store of any width. The VM is a
    /// little-endian machine, so a big-endian (s390x) object's multi-byte fields read byte-swapped there, as they
    /// would for a program built for the wrong byte order.
    /// </summary>
    public MemoryRegion MapInto(AddressSpace memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        return memory.Map(TypeName, Bytes, RegionKind.Kernel);
    }

    /// <summary>Maps the object into <paramref name="vm"/>'s memory (see <see cref="MapInto(AddressSpace)"/>) and returns its address, e.g. for r1.</summary>
    public ulong MapInto(BpfVm vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        return MapInto(vm.Memory).Address;
    }

    // ---- text ----

    /// <summary>
    /// The object in the text form <see cref="Parse"/> reads, with each assigned field's current value (so stores
    /// a program made show): <c>task_struct pid=42 comm=bash</c>.
    /// </summary>
    public string ToText()
    {
        var text = new StringBuilder(TypeName);
        foreach (var path in _assigned)
        {
            text.Append(' ').Append(path).Append('=').Append(FormatValue(Field(path)));
        }
        return text.ToString();
    }

    private string Value(KernelField field) =>
        field.IsSigned ? ReadInteger(field, Where(field)).ToString(CultureInfo.InvariantCulture) : ReadBits(field).ToString(CultureInfo.InvariantCulture);

    private string? EnumeratorName(KernelField field)
    {
        ulong bits = ReadBits(field);
        foreach (var v in Spec.SkipModifiers(field.Type).EnumValues)
            if ((v.RawValue & (ulong)field.UnsignedMaximum) == bits) return v.Name;
        return null;
    }

    private string Describe() => $"{BtfSpec.Describe(Type)} ({Size} bytes{(Spec.Source is null ? "" : $", {Spec.Source}")})";

    public override string ToString() => $"{Describe()}: {ToText()}";

    private static string StripKeyword(string reference)
    {
        foreach (var keyword in new[] { "struct ", "union ", "typedef " })
            if (reference.StartsWith(keyword, StringComparison.Ordinal)) return reference[keyword.Length..].Trim();
        return reference;
    }

    private static string TypeSuggestions(BtfSpec spec, string typeName)
    {
        // A cheap guess: the names one edit away that a struct or union has, found by exact lookups only (the
        // index has no fuzzy search, and walking 100,000 types for a typo would cost more than the parse).
        string name = StripKeyword(typeName.Trim());
        var found = new List<string>();
        foreach (var candidate in OneEditAway(name))
            if (spec.FindByName(candidate, BtfKind.Struct) is not null || spec.FindByName(candidate, BtfKind.Union) is not null)
                found.Add(candidate);
        return found.Count == 0 ? "" : $"; did you mean {string.Join(" or ", found.Distinct().Take(3))}?";
    }

    private static IEnumerable<string> OneEditAway(string name)
    {
        for (int i = 0; i + 1 < name.Length; i++)
            yield return string.Concat(name.AsSpan(0, i), name[i + 1].ToString(), name[i].ToString(), name.AsSpan(i + 2));
        for (int i = 0; i < name.Length; i++)
            yield return name.Remove(i, 1);
        if (name.Contains(' ')) yield return name.Replace(' ', '_');
        if (name.Contains('-')) yield return name.Replace('-', '_');
    }
}
