using BtfNotebooks.Btf;

namespace BtfNotebooks.Elf.Maps;

/// <summary>
/// Reads BTF-defined maps as libbpf's bpf_object__init_user_btf_maps / parse_btf_map_def do. The <c>.maps</c> section
/// holds zeroes; the definition is in the types: DATASEC ".maps" lists one global VAR per map whose type is a struct
/// such as <c>struct { __uint(type, BPF_MAP_TYPE_HASH); __type(key, u32); ... }</c>. bpf_helpers.h turns
/// <c>__uint(name, N)</c> into <c>int (*name)[N]</c>, so a number is the length of the array a member points to, and
/// <c>__type(name, T)</c> into <c>T *name</c>, so a type is what the member points to. Like libbpf 1.x (strict mode),
/// unknown members are errors.
/// </summary>
internal sealed class BtfMapDefinitionParser(BpfObjectFile obj, BtfSpec btf, ElfSectionHeader section)
{
    public const string SectionName = ".maps";

    public List<BpfMapDefinition> Parse()
    {
        var maps = new List<BpfMapDefinition>();
        if (btf.FindByName(SectionName, BtfKind.Datasec) is not { } datasec)
            throw Error($"section '{SectionName}' has no DATASEC '{SectionName}' in .BTF describing its maps", 0);
        var layout = DatasecLayout.Read(obj, datasec, reason => Error(reason, 0));
        for (int i = 0; i < layout.Count; i++)
        {
            var (variable, offset, size) = (layout[i].Var, layout[i].Offset, layout[i].Size);
            string name = variable.IsVoid ? "" : variable.Name;
            if (name.Length == 0) throw Error($"map #{i}: empty name", offset);
            if ((ulong)offset + size > section.Size)
                throw Error($"map '{name}': definition (0x{size:x} bytes at 0x{offset:x}) runs past the end of section '{SectionName}' (0x{section.Size:x} bytes)", offset);
            if (variable.Kind != BtfKind.Var)
                throw Error($"map '{name}': unexpected var kind {variable.Kind.ToBpftoolName()}", offset);
            if (variable.Linkage != BtfLinkage.Global)
                throw Error($"map '{name}': unsupported map linkage {variable.Linkage.ToString().ToLowerInvariant()}", offset);
            var def = btf.SkipModifiers(variable.TypeId);
            if (def.Kind != BtfKind.Struct)
                throw Error($"map '{name}': unexpected def kind {def.Kind.ToBpftoolName()}", offset);
            if (def.Size > size)
                throw Error($"map '{name}': invalid def size {def.Size} (the variable has {size} bytes)", offset);
            maps.Add(ParseDefinition(name, def, offset, isInner: false));
        }
        return maps;
    }

    private BpfMapDefinition ParseDefinition(string name, BtfType def, uint at, bool isInner)
    {
        uint type = 0, keySize = 0, valueSize = 0, maxEntries = 0, flags = 0, pinning = 0, numaNode = 0, keyTypeId = 0, valueTypeId = 0;
        ulong extra = 0;
        BpfMapDefinition? inner = null;
        foreach (var member in def.Members)
        {
            string field = member.Name;
            if (field.Length == 0) throw Error($"map '{name}': invalid field #{member.Index} (no name)", at);
            switch (field)
            {
                case "type": type = Number(name, member, at); break;
                case "max_entries": maxEntries = Number(name, member, at); break;
                case "map_flags": flags = Number(name, member, at); break;
                case "numa_node": numaNode = Number(name, member, at); break;
                case "key_size": keySize = SetSize(name, "key", keySize, Number(name, member, at), at); break;
                case "value_size": valueSize = SetSize(name, "value", valueSize, Number(name, member, at), at); break;
                case "key": (keySize, keyTypeId) = PointedType(name, "key", keySize, member, at); break;
                case "value": (valueSize, valueTypeId) = PointedType(name, "value", valueSize, member, at); break;
                case "values":
                    // __array(values, struct inner) or __array(values, int (void *)) for prog arrays: a zero-length
                    // array of pointers; the map's value is then a 4-byte map or program fd.
                    var mapType = (BpfMapType)type;
                    bool isProgArray = mapType == BpfMapType.ProgArray;
                    if (!mapType.IsMapInMap() && !isProgArray)
                        throw Error($"map '{name}': member 'values': should be map-in-map or prog-array (type is {mapType.ToLibbpfName()}; 'type' must come first)", at);
                    valueSize = SetSize(name, "value", valueSize, 4, at);
                    var array = Lookup(member.TypeId);
                    if (array is not { Kind: BtfKind.Array } || array.Value.ArrayLength != 0)
                        throw Error($"map '{name}': member 'values': spec is not a zero-sized array", at);
                    var pointer = btf.SkipModifiers(array.Value.ArrayElementTypeId);
                    if (pointer.Kind != BtfKind.Ptr)
                        throw Error($"map '{name}': member 'values': def is of unexpected kind {pointer.Kind.ToBpftoolName()}", at);
                    var target = btf.SkipModifiers(pointer.TypeId);
                    if (isProgArray)
                    {
                        if (target.Kind != BtfKind.FuncProto)
                            throw Error($"map '{name}': member 'values': prog-array value def is of unexpected kind {target.Kind.ToBpftoolName()}", at);
                        break;
                    }
                    if (target.Kind != BtfKind.Struct)
                        throw Error($"map '{name}': member 'values': map-in-map inner def is of unexpected kind {target.Kind.ToBpftoolName()}", at);
                    inner = ParseDefinition($"{name}.inner", target, at, isInner: true);
                    break;
                case "pinning":
                    if (isInner) throw Error($"map '{name}': member 'pinning': inner def can't be pinned", at);
                    pinning = Number(name, member, at);
                    if (pinning > BpfMapDefinition.PinByName) throw Error($"map '{name}': member 'pinning': invalid pinning value {pinning}", at);
                    break;
                case "map_extra": extra = LongNumber(name, member, at); break;
                default: throw Error($"map '{name}': unknown field '{field}'", at);
            }
        }
        if (type == 0) throw Error($"map '{name}': map type isn't specified", at);
        return new BpfMapDefinition(name, BpfMapKind.BtfDefined, (BpfMapType)type, keySize, valueSize, maxEntries, flags, section.Index, at,
            keyTypeId, valueTypeId, pinning, numaNode, extra, inner);
    }

    /// <summary><c>__uint(name, N)</c>: a pointer to an array of N elements (libbpf's get_map_field_int).</summary>
    private uint Number(string map, BtfMember member, uint at)
    {
        var pointer = btf.SkipModifiers(member.TypeId);
        if (pointer.Kind != BtfKind.Ptr)
            throw Error($"map '{map}': member '{member.Name}': expected PTR, got {pointer.Kind.ToBpftoolName()}", at);
        var array = Lookup(pointer.TypeId)
            ?? throw Error($"map '{map}': member '{member.Name}': type [{pointer.TypeId}] not found", at);
        if (array.Kind != BtfKind.Array)
            throw Error($"map '{map}': member '{member.Name}': expected ARRAY, got {array.Kind.ToBpftoolName()}", at);
        return array.ArrayLength;
    }

    /// <summary>map_extra is 64 bits: newer bpf_helpers.h encode it as an enum with a single value; older as <c>__uint</c>.</summary>
    private ulong LongNumber(string map, BtfMember member, uint at)
    {
        var t = btf.SkipModifiers(member.TypeId);
        if (t.Kind == BtfKind.Ptr) return Number(map, member, at);
        if (!t.Kind.IsEnum() || t.Vlen != 1)
            throw Error($"map '{map}': member '{member.Name}': expected PTR or single-value ENUM, got {t.Kind.ToBpftoolName()}", at);
        return t.EnumValues[0].RawValue;
    }

    /// <summary><c>__type(key, T)</c>: a pointer to T, whose size is the key (value) size.</summary>
    private (uint Size, uint TypeId) PointedType(string map, string what, uint current, BtfMember member, uint at)
    {
        var pointer = Lookup(member.TypeId)
            ?? throw Error($"map '{map}': member '{what}': type [{member.TypeId}] not found", at);
        if (pointer.Kind != BtfKind.Ptr)
            throw Error($"map '{map}': member '{what}': {what} spec is not PTR: {pointer.Kind.ToBpftoolName()}", at);
        long size;
        try { size = btf.SizeOf(pointer.TypeId); }
        catch (Exception e) when (e is BtfLookupException or BtfFormatException)
        {
            throw Error($"map '{map}': member '{what}': can't determine {what} size for type [{pointer.TypeId}]: {e.Message}", at);
        }
        return (SetSize(map, what, current, (uint)size, at), pointer.TypeId);
    }

    private uint SetSize(string map, string what, uint current, uint size, uint at) =>
        current != 0 && current != size ? throw Error($"map '{map}': conflicting {what} size {current} != {size}", at) : size;

    private BtfType? Lookup(uint id) => btf.Contains(id) ? btf[id] : null;

    /// <summary>Errors point at the definition's bytes in <c>.maps</c>; the reason names the map and member.</summary>
    private ElfFormatException Error(string reason, uint offsetInSection) =>
        new($"section '{SectionName}': {reason}", (long)section.Offset + offsetInSection, obj.Source);
}
