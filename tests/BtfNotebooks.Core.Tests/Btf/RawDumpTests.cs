using System.Security.Cryptography;
using BtfNotebooks.Btf;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Btf;

public class RawDumpTests
{
    // sha256 of `bpftool btf dump file` (v7.1.0) output for each shipped kernel; used where bpftool is absent.
    private static readonly Dictionary<string, string> BpftoolDumpSha256 = new()
    {
        [TestKernels.Local618] = "98d45ba180308fccca2cff9456eb1d751279572f6c8f4043faf9e575afc1fb26",
        [TestKernels.Debian61] = "b7dc995d986c2648a6c271988bc3eb7e5aaaa45b28d23aecc6b817f8426bd36f",
        [TestKernels.NfConntrack61] = "134d7c0afbd291d0c89a58842147a9adf82509bc18ebcf7d14e92fd9a119182e",
        [TestKernels.Ext4_61] = "edc15f843f9ec5990766acfd6152698d0c97143d1378d501a500402d99fa4982",
        [TestKernels.Debian612Arm] = "7efad608b3132656419a66e1a9ff0467bf4257263a3a30125febe2b762708196",
        [TestKernels.Debian612] = "6b01d42371b9d05a01cfa44ee892f5dfe842004dbd073d8ae5c9ee5a002392c3",
        [TestKernels.S390] = "05cd385284ebfdf652cae93e655dd4a0813cba8f8203029c141297d8dc5010d6",
        [TestKernels.I386] = "9bb3ad1397e6da9914d377bcd67e65c1474a9ca522b2d1df6c67ae177b269953",
    };

    public static IEnumerable<string> Shipped => BpftoolDumpSha256.Keys;

    private static byte[] Dump(BtfSpec spec)
    {
        using var ms = new MemoryStream();
        BtfRawDump.Write(spec, ms);
        return ms.ToArray();
    }

    [TestCaseSource(nameof(Shipped))]
    public void DumpHasTheHashOfBpftoolsDump(string kernel)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Dump(TestKernels.Spec(kernel))));
        Assert.That(hash, Is.EqualTo(BpftoolDumpSha256[kernel]));
    }

    [TestCaseSource(nameof(Shipped))]
    public void DumpEqualsBpftoolRunNow(string kernel)
    {
        var bpftool = ExternalTool.Require("bpftool");
        using var file = ExternalTool.Temp(TestKernels.RawBlob(kernel));
        using var baseFile = TestKernels.BaseOf(kernel) is { } b ? ExternalTool.Temp(TestKernels.RawBlob(b)) : null;
        var args = baseFile is null ? new[] { "btf", "dump", "file", file.Path } : ["-B", baseFile.Path, "btf", "dump", "file", file.Path];
        var (exit, expected, err) = ExternalTool.Run(bpftool, args);
        Assert.That(exit, Is.Zero, err);
        AssertSameText(Dump(TestKernels.Spec(kernel)), expected);
    }

    /// <summary>Every blob in ../shared/kernels (34, split ones on their base), when that folder and bpftool exist.</summary>
    [Test]
    public void EverySharedKernelDumpsLikeBpftool()
    {
        var dir = TestKernels.SharedDir ?? throw new IgnoreException("../shared/kernels is not present");
        var bpftool = ExternalTool.Require("bpftool");
        var files = Directory.GetFiles(dir, "*.btf.xz").Order().ToArray();
        Assert.That(files, Has.Length.GreaterThanOrEqualTo(30));
        var raws = files.ToDictionary(f => Path.GetFileName(f)[..^".btf.xz".Length], TestKernels.ExtractRaw);
        Parallel.ForEach(raws, new ParallelOptions { MaxDegreeOfParallelism = 2 }, kv =>
        {
            string? baseName = TestKernels.BaseOf(kv.Key);
            var baseSpec = baseName is null ? null : BtfSpec.Parse(raws[baseName], null, baseName);
            var spec = BtfSpec.Parse(kv.Value, baseSpec, kv.Key);
            using var file = ExternalTool.Temp(kv.Value);
            using var baseFile = baseName is null ? null : ExternalTool.Temp(raws[baseName]);
            var args = baseFile is null ? new[] { "btf", "dump", "file", file.Path } : ["-B", baseFile.Path, "btf", "dump", "file", file.Path];
            var (exit, expected, err) = ExternalTool.Run(bpftool, args);
            Assert.That(exit, Is.Zero, $"{kv.Key}: {err}");
            AssertSameText(Dump(spec), expected, kv.Key);
        });
    }

    /// <summary>BPF objects (ELF32/64, both byte orders) and raw blobs of both byte orders, as bpftool reads them.</summary>
    [TestCase("elf64le.o")]
    [TestCase("elf64be.o")]
    [TestCase("elf32le.o")]
    [TestCase("elf32be.o")]
    [TestCase("tiny.btf")]
    [TestCase("tiny-be.btf")]
    public void ElfAndRawFixturesDumpLikeBpftool(string fixture)
    {
        var bpftool = ExternalTool.Require("bpftool");
        var path = Path.Combine(AppContext.BaseDirectory, "Data", "containers", fixture);
        var (exit, expected, err) = ExternalTool.Run(bpftool, "btf", "dump", "file", path);
        Assert.That(exit, Is.Zero, err);
        AssertSameText(Dump(BtfSpec.Load(path)), expected, fixture);
    }

    [Test]
    public void SplitDumpStartsAfterTheBase()
    {
        var text = BtfRawDump.ToText(TestKernels.Spec(TestKernels.NfConntrack61));
        Assert.That(text, Does.StartWith("[100751] STRUCT 'file_system_type' size=72 vlen=17\n\t'name' type_id=11 bits_offset=0\n"));
    }

    [Test]
    public void EveryKindPrintsLikeBpftool()
    {
        var b = new BtfBuilder();
        uint i32 = b.Int("int", 4, BtfIntEncoding.Signed);                          // 1
        uint u8 = b.Int("_Bool", 1, BtfIntEncoding.Bool);                           // 2
        b.Ptr(i32);                                                                 // 3
        b.Array(i32, i32, 4);                                                       // 4
        b.Struct("s", 8, ("a", i32, 0, 0), ("b", u8, 32, 3), ("", i32, 40, 5));     // 5
        b.Union("u", 4, ("x", i32, 0, 0));                                          // 6
        b.Enum("e", 4, true, ("NEG", -1), ("POS", 7));                              // 7
        b.Enum("f", 4, false, ("BIG", unchecked((int)0xfffffff0)));                 // 8
        b.Fwd("fs");                                                                // 9
        b.Fwd("fu", union: true);                                                   // 10
        b.Typedef("t", i32);                                                        // 11
        b.Volatile(i32); b.Const(i32); b.Restrict(3);                               // 12 13 14
        uint proto = b.FuncProto(i32, ("p", i32), ("", 0));                         // 15
        b.Func("fn", proto, BtfLinkage.Static);                                     // 16
        uint v = b.Var("v", i32, BtfLinkage.Global);                                // 17
        b.Datasec(".data", 4, (v, 0, 4));                                           // 18
        b.Float("double", 8);                                                       // 19
        b.DeclTag("tag", 5, 1);                                                     // 20
        b.TypeTag("user", i32);                                                     // 21
        b.Enum64("e64", 8, false, ("HUGE", 0xffff_ffff_ffffUL));                    // 22
        b.Enum64("s64", 8, true, ("MINUS", unchecked((ulong)-5L)));                 // 23
        var text = BtfRawDump.ToText(BtfSpec.Parse(b.ToArray()));
        if (ExternalTool.Find("bpftool") is { } bpftool)
        {
            using var file = ExternalTool.Temp(b.ToArray());
            var (exit, expected, err) = ExternalTool.Run(bpftool, "btf", "dump", "file", file.Path);
            Assert.That(exit, Is.Zero, err);
            Assert.That(text, Is.EqualTo(System.Text.Encoding.UTF8.GetString(expected)), "bpftool prints this blob differently");
        }
        Assert.That(text, Is.EqualTo("""
            [1] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED
            [2] INT '_Bool' size=1 bits_offset=0 nr_bits=8 encoding=BOOL
            [3] PTR '(anon)' type_id=1
            [4] ARRAY '(anon)' type_id=1 index_type_id=1 nr_elems=4
            [5] STRUCT 's' size=8 vlen=3
            	'a' type_id=1 bits_offset=0
            	'b' type_id=2 bits_offset=32 bitfield_size=3
            	'(anon)' type_id=1 bits_offset=40 bitfield_size=5
            [6] UNION 'u' size=4 vlen=1
            	'x' type_id=1 bits_offset=0
            [7] ENUM 'e' encoding=SIGNED size=4 vlen=2
            	'NEG' val=-1
            	'POS' val=7
            [8] ENUM 'f' encoding=UNSIGNED size=4 vlen=1
            	'BIG' val=4294967280
            [9] FWD 'fs' fwd_kind=struct
            [10] FWD 'fu' fwd_kind=union
            [11] TYPEDEF 't' type_id=1
            [12] VOLATILE '(anon)' type_id=1
            [13] CONST '(anon)' type_id=1
            [14] RESTRICT '(anon)' type_id=3
            [15] FUNC_PROTO '(anon)' ret_type_id=1 vlen=2
            	'p' type_id=1
            	'(anon)' type_id=0
            [16] FUNC 'fn' type_id=15 linkage=static
            [17] VAR 'v' type_id=1, linkage=global
            [18] DATASEC '.data' size=4 vlen=1
            	type_id=17 offset=0 size=4 (VAR 'v')
            [19] FLOAT 'double' size=8
            [20] DECL_TAG 'tag' type_id=5 component_idx=1
            [21] TYPE_TAG 'user' type_id=1
            [22] ENUM64 'e64' encoding=UNSIGNED size=8 vlen=1
            	'HUGE' val=281474976710655ULL
            [23] ENUM64 's64' encoding=SIGNED size=8 vlen=1
            	'MINUS' val=-5LL

            """));
    }

    [Test]
    public void BigEndianBlobDumpsLikeTheLittleEndianOne()
    {
        var b = new BtfBuilder();
        uint i = b.Int("int", 4, BtfIntEncoding.Signed);
        b.Struct("pair", 8, ("a", i, 0, 0), ("b", i, 32, 0));
        b.Enum64("e", 8, false, ("X", 0x1_0000_0002UL));
        var little = BtfSpec.Parse(b.ToArray(bigEndian: false));
        var big = BtfSpec.Parse(b.ToArray(bigEndian: true));
        Assert.That(big.IsBigEndian, Is.True);
        Assert.That(BtfRawDump.ToText(big), Is.EqualTo(BtfRawDump.ToText(little)));
        Assert.That(big.FindComposite("pair").Members[1].BitOffset, Is.EqualTo(32));
    }

    private static void AssertSameText(byte[] actual, byte[] expected, string? what = null)
    {
        if (actual.AsSpan().SequenceEqual(expected)) return;
        int i = actual.AsSpan().CommonPrefixLength(expected);
        int lineStart = Math.Max(0, Array.LastIndexOf(expected, (byte)'\n', Math.Max(0, Math.Min(i, expected.Length - 1))) + 1);
        string Around(byte[] b) => System.Text.Encoding.UTF8.GetString(b, Math.Min(lineStart, b.Length), Math.Min(200, Math.Max(0, b.Length - lineStart)));
        Assert.Fail($"{what} dump differs from bpftool's at byte {i}:\n--- bpftool\n{Around(expected)}\n--- ours\n{Around(actual)}");
    }
}
