using System.Buffers.Binary;
using BtfNotebooks.Btf;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.Maps;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Elf;

/// <summary>The C programs of Data/bpf/maps, compiled with clang-19 as the issue asks (ignored without clang-19).</summary>
public static class MapsObjects
{
    public static readonly string[] Flags = ["-O2", "-g", "-mcpu=v3"];

    public static string SourcePath(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "bpf", "maps", name);

    public static ExternalTool.TempFile Compile(string name, string target = "bpf") =>
        ClangBpf.Compile(File.ReadAllText(SourcePath(name)), target, Flags);

    public static BpfObjectFile Load(string name, string target = "bpf")
    {
        using var o = Compile(name, target);
        return BpfObjectFile.Load(o.Path);
    }

    public static BpfMapDefinition Map(this BpfObjectFile obj, string name) => obj.Maps.Single(m => m.Name == name);
}

/// <summary>
/// <see cref="BpfObjectFile.Maps"/> of Data/bpf/maps/btf_maps.c against what its source declares: BTF-defined maps
/// (attributes from __uint/__type, map-in-map inner definition), global data maps with their bytes and variables,
/// the .kconfig layout, in both byte orders.
/// </summary>
public class MapsDefinitionTests
{
    [TestCase("bpf")]
    [TestCase("bpfeb")]
    public void BtfDefinedMapsHaveTheAttributesOfTheirSource(string target)
    {
        var obj = MapsObjects.Load("btf_maps.c", target);
        var btf = obj.Btf!;
        var user = obj.Maps.Where(m => m.Kind == BpfMapKind.BtfDefined).ToList();
        Assert.That(user.Select(m => (m.Name, m.Type, m.KeySize, m.ValueSize, m.MaxEntries, m.Flags)), Is.EquivalentTo(new[]
        {
            ("flows", BpfMapType.Hash, 4u, 16u, 1024u, 1u),
            ("counters", BpfMapType.Array, 4u, 8u, 16u, 0u),
            ("percpu_stats", BpfMapType.PercpuArray, 4u, 8u, 4u, 0u),
            ("events", BpfMapType.Ringbuf, 0u, 0u, 16384u, 0u),
            ("recent", BpfMapType.LruHash, 8u, 4u, 64u, 0u),
            ("inner", BpfMapType.Array, 4u, 4u, 8u, 0u),
            ("outer", BpfMapType.ArrayOfMaps, 4u, 4u, 2u, 0u),
            ("jumps", BpfMapType.ProgArray, 4u, 4u, 4u, 0u),
        }));
        Assert.That(user.Select(m => m.SectionOffset), Is.Ordered.And.Unique, "libbpf orders BTF-defined maps by their offset in .maps");
        Assert.That(user.All(m => obj.Sections[m.SectionIndex].Name == ".maps"));

        var flows = obj.Map("flows");
        Assert.That(btf[flows.KeyTypeId].Name, Is.EqualTo("__u32"));
        Assert.That(btf[flows.ValueTypeId].Name, Is.EqualTo("pair"));
        Assert.That(obj.Map("counters").KeyTypeId, Is.Zero, "key_size gives a size but no type");
        var inner = obj.Map("outer").Inner!;
        Assert.That((inner.Name, inner.Type, inner.KeySize, inner.ValueSize, inner.MaxEntries), Is.EqualTo(("outer.inner", BpfMapType.Array, 4u, 4u, 8u)));
        Assert.That(obj.Map("flows").Inner, Is.Null);
        Assert.That(obj.Map("outer").InitialSlots, Is.EqualTo(new[] { new BpfMapSlot(1, "inner", obj.Maps.ToList().FindIndex(m => m.Name == "inner")) }));
        Assert.That(obj.Map("jumps").InitialSlots, Is.EqualTo(new[] { new BpfMapSlot(2, "xdp_tail", -1) }));
        Assert.That(obj.Map("flows").InitialSlots, Is.Empty);
    }

    [TestCase("bpf")]
    [TestCase("bpfeb")]
    public void GlobalDataMapsHoldTheirSectionsAndVariables(string target)
    {
        var obj = MapsObjects.Load("btf_maps.c", target);
        bool big = target == "bpfeb";
        ulong U64(ReadOnlySpan<byte> b) => big ? BinaryPrimitives.ReadUInt64BigEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b);
        uint U32(ReadOnlySpan<byte> b) => big ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);
        ReadOnlySpan<byte> Var(BpfMapDefinition m, string name)
        {
            var v = m.DataVariables.Single(x => x.Name == name);
            return m.InitialValue.Span.Slice((int)v.Offset, (int)v.Size);
        }

        var globals = obj.Maps.Where(m => m.Kind.IsGlobalData()).ToList();
        Assert.That(globals.Select(m => m.Name), Is.EqualTo(new[] { ".data", ".rodata", ".data.custom", ".bss", ".kconfig" }),
            "global data in section order, .kconfig last");
        foreach (var m in globals)
        {
            Assert.That((m.Type, m.KeySize, m.MaxEntries), Is.EqualTo((BpfMapType.Array, 4u, 1u)), m.Name);
            Assert.That(m.InitialValue.Length, Is.EqualTo(m.ValueSize), m.Name);
            if (m.Kind != BpfMapKind.Kconfig) Assert.That(m.ValueSize, Is.EqualTo(obj.FindSection(m.Name)!.Size), m.Name);
            Assert.That(m.Flags & BpfMapDefinition.FlagReadOnlyProgram, Is.EqualTo(m.Kind is BpfMapKind.ReadOnlyData or BpfMapKind.Kconfig ? BpfMapDefinition.FlagReadOnlyProgram : 0), m.Name);
            Assert.That(m.Flags & BpfMapDefinition.FlagMmapable, Is.Not.Zero, $"{m.Name}: every section has a global variable");
            Assert.That(obj.Btf![m.ValueTypeId].Kind, Is.EqualTo(BtfKind.Datasec));
            Assert.That(m.DataVariables.Select(v => v.Offset), Is.Ordered);
            foreach (var v in m.DataVariables)
                Assert.That((ulong)v.Offset + v.Size, Is.LessThanOrEqualTo(m.ValueSize), $"{m.Name} {v.Name}");
        }

        var data = obj.Map(".data");
        Assert.That(data.InitialValue.ToArray(), Is.EqualTo(obj.SectionData(obj.FindSection(".data")!).ToArray()));
        Assert.That(U64(Var(data, "hits")), Is.EqualTo(7));
        var limits = Var(data, "limits").ToArray();
        Assert.That(Enumerable.Range(0, 4).Select(i => U32(limits[(4 * i)..])), Is.EqualTo(new uint[] { 1, 2, 3, 4 }));
        var rodata = obj.Map(".rodata");
        Assert.That(U32(Var(rodata, "threshold")), Is.EqualTo(42));
        Assert.That(System.Text.Encoding.ASCII.GetString(Var(rodata, "tag")), Is.EqualTo("maps!\0"));
        Assert.That(U64(Var(obj.Map(".data.custom"), "custom")), Is.EqualTo(0x1122334455667788UL));
        var bss = obj.Map(".bss");
        Assert.That(bss.DataVariables.Select(v => (v.Name, v.Size)), Is.EquivalentTo(new[] { ("zeroed", 8u), ("more_zeroes", 12u), ("calls", 4u) }));
        Assert.That(bss.DataVariables.Single(v => v.Name == "calls").Linkage, Is.EqualTo(BtfLinkage.Static));
        Assert.That(bss.InitialValue.ToArray(), Is.All.Zero);
    }

    [Test]
    public void GlobalDataWithoutExposedVariablesIsNotMmapable()
    {
        var obj = MapsObjects.Load("static_data.c");
        Assert.That(obj.Maps.Select(m => (m.Name, m.Kind, m.ValueSize, m.Flags)), Is.EquivalentTo(new[]
        {
            (".data", BpfMapKind.Data, 4u, 0u),
            (".bss", BpfMapKind.Bss, 8u, 0u),
            (".rodata.str1.1", BpfMapKind.ReadOnlyData, 13u, BpfMapDefinition.FlagReadOnlyProgram),
        }), "libbpf makes a map mmapable only when a non-static, non-hidden variable would be exposed");
        Assert.That(obj.Map(".bss").DataVariables.Single().Linkage, Is.EqualTo(BtfLinkage.Static), "a __hidden global counts as static");
        var strings = obj.Map(".rodata.str1.1");
        Assert.That((strings.ValueTypeId, strings.DataVariables.Count), Is.EqualTo((0u, 0)), "string literals have no DATASEC");
        Assert.That(System.Text.Encoding.ASCII.GetString(strings.InitialValue.Span), Is.EqualTo("hello, world\0"));
        Assert.That(strings.KernelName("static_data"), Is.EqualTo(".rodata.str1.1"));
    }

    [Test]
    public void KconfigExternsAreLaidOutByAlignmentThenSizeThenName()
    {
        var kconfig = MapsObjects.Load("btf_maps.c").Map(".kconfig");
        // int (align 4) first; then the align-1 ones, the 1-byte _Bool before the 8-byte char array.
        Assert.That(kconfig.DataVariables.Select(v => (v.Name, v.Offset, v.Size)), Is.EqualTo(new[]
        {
            ("LINUX_KERNEL_VERSION", 0u, 4u), ("CONFIG_BPF_SYSCALL", 4u, 1u), ("CONFIG_DEFAULT_HOSTNAME", 5u, 8u),
        }));
        Assert.That(kconfig.ValueSize, Is.EqualTo(13));
        Assert.That(kconfig.InitialValue.ToArray(), Is.All.Zero, "libbpf fills it from the kernel config at load time");
    }

    [Test]
    public void KernelNamesFollowLibbpf()
    {
        var obj = MapsObjects.Load("btf_maps.c");
        Assert.That(obj.Map(".data").KernelName("btf_maps"), Is.EqualTo("btf_maps.data"));
        Assert.That(obj.Map(".kconfig").KernelName("btf_maps"), Is.EqualTo("btf_map.kconfig"), "the suffix keeps at most 15 - 8 characters for the prefix");
        Assert.That(obj.Map(".rodata").KernelName("a-b"), Is.EqualTo("a_b.rodata"), "characters the kernel refuses become '_'");
        Assert.That(obj.Map(".data.custom").KernelName("btf_maps"), Is.EqualTo(".data.custom"), "a custom section keeps its own name");
        Assert.That(obj.Map("percpu_stats").KernelName("x"), Is.EqualTo("percpu_stats"));
    }

    [Test]
    public void LegacyMapsAreReadFromTheirBpfMapDefRecords()
    {
        foreach (var target in new[] { "bpf", "bpfeb" })
        {
            var obj = MapsObjects.Load("legacy_maps.c", target);
            Assert.That(obj.Maps.Select(m => (m.Name, m.Kind, m.Type, m.KeySize, m.ValueSize, m.MaxEntries, m.Flags)), Is.EqualTo(new[]
            {
                ("legacy_hash", BpfMapKind.Legacy, BpfMapType.Hash, 4u, 16u, 128u, 1u),
                ("legacy_array", BpfMapKind.Legacy, BpfMapType.Array, 4u, 8u, 3u, 0u),
            }), target);
        }
    }
}
