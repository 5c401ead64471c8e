using System.Text.Json;
using BtfNotebooks.Asm;
using BtfNotebooks.Elf;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Elf;

/// <summary>Sections and symbols as <c>llvm-readelf-19 -S -s</c> (JSON output) reports them, in both byte orders.</summary>
public class ReadelfAgreementTests
{
    [TestCase("bpf", ByteOrder.LittleEndian)]
    [TestCase("bpfeb", ByteOrder.BigEndian)]
    public void SectionsAreThoseReadelfLists(string target, ByteOrder order)
    {
        using var o = ClangBpf.Compile(SampleObject.Source, target);
        var obj = BpfObjectFile.Load(o.Path);
        var expected = Readelf(o.Path).GetProperty("Sections").EnumerateArray().Select(s => s.GetProperty("Section")).ToList();

        Assert.That(obj.ByteOrder, Is.EqualTo(order));
        Assert.That(obj.Sections, Has.Count.EqualTo(expected.Count));
        foreach (var e in expected)
        {
            var s = obj.Sections[e.GetProperty("Index").GetInt32()];
            Assert.That((s.Name, s.Type, s.Flags, s.Offset, s.Size, s.Link, s.Info, s.EntrySize), Is.EqualTo((
                e.GetProperty("Name").GetProperty("Name").GetString(), e.GetProperty("Type").GetProperty("Value").GetUInt32(),
                e.GetProperty("Flags").GetProperty("Value").GetUInt64(), e.GetProperty("Offset").GetUInt64(), e.GetProperty("Size").GetUInt64(),
                e.GetProperty("Link").GetUInt32(), e.GetProperty("Info").GetUInt32(), e.GetProperty("EntrySize").GetUInt64())), $"section {s.Index}");
        }
        Assert.That(obj.Sections.Where(s => s.IsExecutable).Select(s => s.Name), Is.EquivalentTo(new[] { ".text", "xdp", "socket", "tc" }));
        Assert.That(obj.FindSection(".bss")!.HasNoFileData, Is.True);
        Assert.That(obj.SectionData(obj.FindSection(".bss")!).Length, Is.Zero);
    }

    [TestCase("bpf")]
    [TestCase("bpfeb")]
    public void SymbolsAreThoseReadelfLists(string target)
    {
        using var o = ClangBpf.Compile(SampleObject.Source, target);
        var obj = BpfObjectFile.Load(o.Path);
        var expected = Readelf(o.Path).GetProperty("Symbols").EnumerateArray().Select(s => s.GetProperty("Symbol")).ToList();

        Assert.That(obj.Symbols, Has.Count.EqualTo(expected.Count));
        for (int i = 0; i < expected.Count; i++)
        {
            var e = expected[i];
            var s = obj.Symbols[i];
            var type = (byte)e.GetProperty("Type").GetProperty("Value").GetInt32();
            // readelf shows a section symbol under its section's name; its own st_name is empty.
            var name = type == ElfSymbol.TypeSection ? "" : e.GetProperty("Name").GetProperty("Name").GetString();
            Assert.That((s.Index, s.Name, s.Type, s.Binding, s.SectionIndex, s.Value, s.Size), Is.EqualTo((
                i, name, type, (byte)e.GetProperty("Binding").GetProperty("Value").GetInt32(),
                (ushort)e.GetProperty("Section").GetProperty("Value").GetInt32(), e.GetProperty("Value").GetUInt64(), e.GetProperty("Size").GetUInt64())),
                $"symbol {i}");
        }
    }

    [TestCase("bpf")]
    [TestCase("bpfeb")]
    public void RelocationsAreThoseReadelfLists(string target)
    {
        using var o = ClangBpf.Compile(SampleObject.Source, target);
        var obj = BpfObjectFile.Load(o.Path);
        var json = JsonDocument.Parse(ClangBpf.Llvm("llvm-readelf-19", "--elf-output-style=JSON", "-r", o.Path)).RootElement[0];
        var expected = new List<(int Section, ulong Offset, uint Type, int Symbol)>();
        foreach (var table in json.GetProperty("Relocations").EnumerateArray())
        {
            var applied = (int)obj.Sections[table.GetProperty("SectionIndex").GetInt32()].Info;
            foreach (var r in table.GetProperty("Relocs").EnumerateArray().Select(r => r.GetProperty("Relocation")))
                expected.Add((applied, r.GetProperty("Offset").GetUInt64(), r.GetProperty("Type").GetProperty("Value").GetUInt32(),
                    r.GetProperty("Symbol").GetProperty("Value").GetInt32()));
        }
        var actual = obj.Sections.SelectMany(s => obj.RelocationsFor(s).Select(r => (Section: s.Index, r.Offset, r.Type, Symbol: r.SymbolIndex))).ToList();
        Assert.That(actual, Is.EquivalentTo(expected));
        Assert.That(actual.Count(r => r.Type == ElfRelocation.Bpf64_32), Is.EqualTo(3), "xdp_first's calls to mix (section symbol) and global_mix, xdp_second's to mix");
        Assert.That(actual.Any(r => r.Type == ElfRelocation.Bpf64_64 && obj.Sections[r.Section].Name == "socket"), "socket_counter's lddw of counter");
    }

    private static JsonElement Readelf(string path) =>
        JsonDocument.Parse(ClangBpf.Llvm("llvm-readelf-19", "--elf-output-style=JSON", "-S", "-s", path)).RootElement[0];
}
