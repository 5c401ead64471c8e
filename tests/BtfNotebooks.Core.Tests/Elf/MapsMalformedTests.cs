using System.Buffers.Binary;
using BtfNotebooks.Asm;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.Maps;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Elf;

/// <summary>
/// Broken map definitions (C that clang compiles but libbpf refuses) and corrupted map relocations (bytes of
/// btf_maps.o changed): each an <see cref="ElfFormatException"/> naming the section, the map or symbol, the reason
/// and the file offset of the definition or relocation entry.
/// </summary>
public class MapsMalformedTests
{
    private const string Prelude = "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n";

    [TestCase("int type;", "map 'bad': member 'type': expected PTR, got INT")]
    [TestCase("__uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __uint(colour, 3);", "map 'bad': unknown field 'colour'")]
    [TestCase("__uint(max_entries, 1); __type(key, int); __type(value, int);", "map 'bad': map type isn't specified")]
    [TestCase("__uint(type, BPF_MAP_TYPE_HASH); __uint(key_size, 8); __type(key, __u32);", "map 'bad': conflicting key size 8 != 4")]
    [TestCase("__uint(type, BPF_MAP_TYPE_HASH); __uint(pinning, 5);", "map 'bad': member 'pinning': invalid pinning value 5")]
    [TestCase("__uint(type, BPF_MAP_TYPE_HASH); __type(key, int); __type(value, void);", "map 'bad': member 'value': can't determine value size")]
    [TestCase("__uint(type, BPF_MAP_TYPE_HASH); __array(values, struct { __uint(type, BPF_MAP_TYPE_ARRAY); });",
        "map 'bad': member 'values': should be map-in-map or prog-array")]
    [TestCase("__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS); __array(values, struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(pinning, 1); });",
        "map 'bad.inner': member 'pinning': inner def can't be pinned")]
    public void MalformedBtfMapDefinitionNamesTheMapAndMember(string members, string reason)
    {
        var source = Prelude + "struct { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, int); __type(value, int); } good SEC(\".maps\");\n"
            + $"struct {{ {members} }} bad SEC(\".maps\");\nSEC(\"xdp\") int prog(void *ctx) {{ return 2; }}\nchar LICENSE[] SEC(\"license\") = \"GPL\";\n";
        using var o = ClangBpf.Compile(source, "bpf", MapsObjects.Flags);
        var obj = BpfObjectFile.Load(o.Path);
        var e = Assert.Throws<ElfFormatException>(() => _ = obj.Maps)!;
        Assert.That(e.Reason, Does.StartWith("section '.maps': " + reason));
        var bad = obj.Symbols.Single(s => s.Name == "bad");
        Assert.That(e.Offset, Is.EqualTo((long)obj.Sections[bad.SectionIndex].Offset + (long)bad.Value), "the definition's bytes in .maps");
    }

    [Test]
    public void KconfigExternOfAnUnsupportedTypeIsNamed()
    {
        var source = Prelude + "struct s { int a; };\nextern struct s CONFIG_STRUCT __kconfig;\n"
            + "SEC(\"xdp\") int prog(void *ctx) { return CONFIG_STRUCT.a; }\nchar LICENSE[] SEC(\"license\") = \"GPL\";\n";
        using var o = ClangBpf.Compile(source, "bpf", MapsObjects.Flags);
        var obj = BpfObjectFile.Load(o.Path);
        var e = Assert.Throws<ElfFormatException>(() => _ = obj.Maps)!;
        Assert.That(e.Reason, Does.StartWith("extern (kcfg) 'CONFIG_STRUCT': type").And.Contain("is unsupported"));
        Assert.That(e.Offset, Is.EqualTo(obj.Symbols.Single(s => s.Name == "CONFIG_STRUCT").EntryOffset));
    }

    [Test]
    public void LegacySectionThatDoesNotDivideIntoItsSymbolsIsRefused()
    {
        using var o = MapsObjects.Compile("legacy_maps.c");
        var bytes = File.ReadAllBytes(o.Path);
        var maps = BpfObjectFile.Parse(bytes).FindSection("maps")!;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)maps.HeaderOffset + 32), maps.Size - 1); // sh_size
        var e = Assert.Throws<ElfFormatException>(() => _ = BpfObjectFile.Parse(bytes, "legacy.o").Maps)!;
        Assert.That(e.Reason, Is.EqualTo($"section 'maps': size 0x{maps.Size - 1:x} is not a multiple of the 2 definitions its symbols name"));
        Assert.That(e.Offset, Is.EqualTo(maps.HeaderOffset));
    }

    [Test]
    public void MapInMapSlotAgainstANonMapIsRefused()
    {
        using var o = MapsObjects.Compile("btf_maps.c");
        var bytes = File.ReadAllBytes(o.Path);
        var obj = BpfObjectFile.Parse(bytes);
        var slots = obj.RelocationsFor(obj.FindSection(".maps")!);
        int i = slots.ToList().FindIndex(r => obj.Symbols[r.SymbolIndex].Name == "inner");
        var license = obj.Symbols.Single(s => s.Name == "LICENSE");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)slots[i].EntryOffset + 8), ((ulong)license.Index << 32) | slots[i].Type);
        var e = Assert.Throws<ElfFormatException>(() => _ = BpfObjectFile.Parse(bytes).Maps)!;
        Assert.That(e.Reason, Is.EqualTo($"section '.maps' relocation #{i}: map 'outer': can't find target map 'LICENSE'"));
        Assert.That(e.Offset, Is.EqualTo(slots[i].EntryOffset));
    }

    // Relocation corruptions: the object still parses; resolving the program's map references fails at the entry.
    private static (byte[] Bytes, BpfObjectFile Obj, ElfRelocation Relocation, MapReference Reference) Corruptible(Func<BpfObjectFile, MapReference, bool> pick)
    {
        using var o = MapsObjects.Compile("btf_maps.c");
        var bytes = File.ReadAllBytes(o.Path);
        var obj = BpfObjectFile.Parse(bytes);
        var entry = obj.Program("xdp_maps");
        var reference = obj.MapReferences("xdp_maps").First(r => r.Slot < entry.SlotCount && pick(obj, r));
        var relocation = obj.RelocationsFor(obj.Sections[entry.SectionIndex]).Single(r => r.Offset == (ulong)(entry.SlotOffset + reference.Slot) * 8);
        return (bytes, obj, relocation, reference);
    }

    private static ElfFormatException Fails(byte[] bytes) =>
        Assert.Throws<ElfFormatException>(() => BpfObjectFile.Parse(bytes, "maps.o").MapReferences("xdp_maps"))!;

    [Test]
    public void RelocationMovedOffAnLddwIsRefused()
    {
        var (bytes, obj, relocation, _) = Corruptible((_, r) => r.Kind == LoadImm64Kind.MapFd);
        var first = obj.Program("xdp_maps");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)relocation.EntryOffset), (ulong)first.SlotOffset * 8); // r_offset: the first instruction
        var e = Fails(bytes);
        Assert.That(e.Reason, Is.EqualTo($"section 'xdp' offset 0x{first.SlotOffset * 8:x}: relocation against '{obj.Symbols[relocation.SymbolIndex].Name}': is not on an lddw (opcode 0x{first.Instructions[0].Opcode:x2})"));
        Assert.That(e.Offset, Is.EqualTo(relocation.EntryOffset));

        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)relocation.EntryOffset), relocation.Offset + 8); // the lddw's second slot
        Assert.That(Fails(bytes).Reason, Does.EndWith("points into the second slot of an lddw"));
    }

    [Test]
    public void RelocationAgainstANonMapSymbolIsRefused()
    {
        var (bytes, obj, relocation, _) = Corruptible((_, r) => r.Kind == LoadImm64Kind.MapFd);
        var license = obj.Symbols.Single(s => s.Name == "LICENSE");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)relocation.EntryOffset + 8), ((ulong)license.Index << 32) | ElfRelocation.Bpf64_64);
        var e = Fails(bytes);
        Assert.That(e.Reason, Is.EqualTo($"section 'xdp' offset 0x{relocation.Offset:x}: relocation against 'LICENSE': section 'license' holds no maps or global data"));
        Assert.That(e.Offset, Is.EqualTo(relocation.EntryOffset));
    }

    [Test]
    public void OffsetPastTheMapValueIsRefused()
    {
        var (bytes, obj, relocation, reference) = Corruptible((o, r) => o.Maps[r.MapIndex].Name == ".data");
        var section = obj.Sections[obj.Program("xdp_maps").SectionIndex];
        var symbol = obj.Symbols[relocation.SymbolIndex];
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan((int)section.Offset + (int)relocation.Offset + 4), 1000); // the lddw's imm
        var e = Fails(bytes);
        Assert.That(e.Reason, Does.EndWith($"relocation against '{symbol.Name}': offset {(long)symbol.Value + 1000} (symbol value {symbol.Value} + imm 1000) is outside the {obj.Maps[reference.MapIndex].ValueSize}-byte value of map '.data'"));
        Assert.That(e.Offset, Is.EqualTo(relocation.EntryOffset));
    }
}
