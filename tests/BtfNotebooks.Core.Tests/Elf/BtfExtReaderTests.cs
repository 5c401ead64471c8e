using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using BtfNotebooks.Btf;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.BtfExt;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Elf;

/// <summary>
/// The C programs of Data/bpf/btfext compiled with clang-19 for the .BTF.ext tests (ignored where clang-19 or
/// libbpf-dev's headers are missing).
/// </summary>
public static class BtfExtObjects
{
    public static readonly string[] Targets = ["bpf", "bpfeb"];
    public static readonly string[] Cpus = ["v2", "v3", "v4"];

    public static IEnumerable<TestCaseData> AllBuilds() =>
        from t in Targets from c in Cpus select new TestCaseData(t, c).SetArgDisplayNames(t, c);

    public static string SourcePath(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "bpf", "btfext", name);

    /// <summary>Compiles Data/bpf/btfext/<paramref name="name"/> with -O2 -g.</summary>
    public static ExternalTool.TempFile Compile(string name, string target = "bpf", string cpu = "v3")
    {
        if (!File.Exists("/usr/include/bpf/bpf_core_read.h")) Assert.Ignore("libbpf-dev (bpf/bpf_core_read.h) is not installed (CI installs it)");
        string[] flags = ["-O2", "-g", $"-mcpu={cpu}"];
        return ClangBpf.Compile(File.ReadAllText(SourcePath(name)), target, flags);
    }
}

/// <summary>
/// The .BTF.ext of clang-built objects (both byte orders, cpu v2..v4) read by <see cref="BpfObjectFile.BtfExt"/>,
/// checked against llvm-objdump-19's CO-RE annotations, the instructions the records point at, the object's
/// functions and the C source.
/// </summary>
public class BtfExtReaderTests
{
    private const string Source = "core-kinds.c";

    /// <summary>One <c>CO-RE &lt;kind&gt; [id] ...</c> line of <c>llvm-objdump-19 -dr</c>.</summary>
    private sealed record ObjdumpCoreRelocation(string Section, int Offset, string Kind, uint TypeId, string Description);

    private static readonly Regex CoreLine = new(@"^\s+([0-9a-f]+):\s+CO-RE <(\w+)> \[(\d+)\] (.*)$");

    private static List<ObjdumpCoreRelocation> ObjdumpCoreRelocations(string path)
    {
        var text = Encoding.UTF8.GetString(ClangBpf.Llvm("llvm-objdump-19", "-dr", path));
        var result = new List<ObjdumpCoreRelocation>();
        string section = "";
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("Disassembly of section ", StringComparison.Ordinal)) section = line["Disassembly of section ".Length..].TrimEnd(':');
            else if (CoreLine.Match(line) is { Success: true } m)
                result.Add(new(section, int.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture), m.Groups[2].Value,
                    uint.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), m.Groups[4].Value));
        }
        return result;
    }

    [TestCaseSource(typeof(BtfExtObjects), nameof(BtfExtObjects.AllBuilds))]
    public void CoreRelocationsAgreeWithObjdump(string target, string cpu)
    {
        using var o = BtfExtObjects.Compile(Source, target, cpu);
        var obj = BpfObjectFile.Load(o.Path);
        var ext = obj.BtfExt!;
        var btf = obj.Btf!;
        var expected = ObjdumpCoreRelocations(o.Path);
        Assert.That(expected, Has.Count.GreaterThan(25), "the program has many CO-RE relocations");
        Assert.That(ext.CoreRelocations, Has.Count.EqualTo(expected.Count));
        Assert.That(ext.IsBigEndian, Is.EqualTo(target == "bpfeb"));

        // objdump lists each section's relocations by offset; the records are in file order, also by offset.
        var ours = ext.CoreRelocations.OrderBy(r => r.Section, StringComparer.Ordinal).ThenBy(r => r.InstructionOffset).ToList();
        var theirs = expected.OrderBy(r => r.Section, StringComparer.Ordinal).ThenBy(r => r.Offset).ToList();
        for (int i = 0; i < ours.Count; i++)
        {
            var (r, e) = (ours[i], theirs[i]);
            Assert.That((r.Section, r.InstructionOffset, r.Kind.LibbpfName(), r.TypeId), Is.EqualTo((e.Section, e.Offset, e.Kind, e.TypeId)), $"record {r}");
            if (r.Kind.IsFieldBased())
                Assert.That(e.Description, Does.EndWith($"({r.Access})"), $"record {r}");
            else if (r.Kind.IsEnumValueBased())
            {
                // objdump names the enumerator; the record holds its index in the enum.
                var enumerator = btf[r.TypeId].EnumValues[int.Parse(r.Access, CultureInfo.InvariantCulture)];
                Assert.That(e.Description, Does.Contain($"::{enumerator.Name} = "), $"record {r}");
            }
            else Assert.That(r.Access, Is.EqualTo("0"), $"type-based record {r}");
        }
        Assert.That(ext.CoreRelocations.Select(r => r.Kind).Distinct(), Is.EquivalentTo(Enum.GetValues<CoreRelocationKind>()), "the program uses every kind");
    }

    [TestCaseSource(typeof(BtfExtObjects), nameof(BtfExtObjects.AllBuilds))]
    public void EachRecordPointsAtAnInstructionLibbpfCanPatch(string target, string cpu)
    {
        using var o = BtfExtObjects.Compile(Source, target, cpu);
        var obj = BpfObjectFile.Load(o.Path);
        foreach (var r in obj.BtfExt!.CoreRelocations)
        {
            var code = obj.SectionData(obj.FindSection(r.Section)!).Span;
            byte opcode = code[r.InstructionOffset];
            int cls = opcode & 7, op = opcode & 0xf0;
            bool aluImmediate = cls is 4 or 7 && (opcode & 8) == 0;   // BPF_ALU/ALU64 with BPF_K
            bool memory = cls is 1 or 2 or 3;                         // BPF_LDX, BPF_ST, BPF_STX
            bool loadImm64 = opcode == 0x18;
            bool ok = r.Kind switch
            {
                CoreRelocationKind.FieldByteOffset => memory || aluImmediate,
                CoreRelocationKind.FieldLShiftU64 => aluImmediate && op is 0x60 or 0xb0,           // lsh, or mov of the constant
                CoreRelocationKind.FieldRShiftU64 => aluImmediate && op is 0x70 or 0xc0 or 0xb0,   // rsh, arsh, or mov
                _ => aluImmediate || loadImm64,
            };
            Assert.That(ok, $"{r}: opcode 0x{opcode:x2} at {r.Section}+{r.InstructionOffset}");
            Assert.That(r.InstructionSlot * 8, Is.EqualTo(r.InstructionOffset));
        }
    }

    [TestCaseSource(typeof(BtfExtObjects), nameof(BtfExtObjects.AllBuilds))]
    public void RecordsAreInFileOrderAndSplitBySection(string target, string cpu)
    {
        using var o = BtfExtObjects.Compile(Source, target, cpu);
        var ext = BpfObjectFile.Load(o.Path).BtfExt!;
        var sections = ext.CoreRelocations.Select(r => r.Section).Distinct().ToList();
        Assert.That(sections, Is.EquivalentTo(new[] { ".text", "kprobe/fields", "tp/types" }));
        foreach (var s in sections)
        {
            var records = ext.CoreRelocationsFor(s);
            Assert.That(records, Is.EqualTo(ext.CoreRelocations.Where(r => r.Section == s)));
            Assert.That(records.Select(r => r.Index), Is.EqualTo(Enumerable.Range(0, records.Count)), "Index is the position in the section's block");
        }
        Assert.That(ext.CoreRelocationsFor("xdp"), Is.Empty);
    }

    [TestCaseSource(typeof(BtfExtObjects), nameof(BtfExtObjects.AllBuilds))]
    public void FuncInfoNamesEveryFunctionAtItsStart(string target, string cpu)
    {
        using var o = BtfExtObjects.Compile(Source, target, cpu);
        var obj = BpfObjectFile.Load(o.Path);
        var funcs = obj.BtfExt!.FuncInfos.Values.SelectMany(f => f)
            .Select(f => (f.Section, f.InstructionSlot, obj.Btf![f.TypeId].Kind, obj.Btf[f.TypeId].Name));
        var programs = obj.Programs.Select(p => (p.SectionName, p.SlotOffset, BtfKind.Func, p.Name));
        Assert.That(funcs, Is.EquivalentTo(programs));
    }

    [TestCaseSource(typeof(BtfExtObjects), nameof(BtfExtObjects.AllBuilds))]
    public void LineInfoQuotesTheSource(string target, string cpu)
    {
        using var o = BtfExtObjects.Compile(Source, target, cpu);
        var obj = BpfObjectFile.Load(o.Path);
        var source = File.ReadAllLines(BtfExtObjects.SourcePath(Source));
        var lines = obj.BtfExt!.LineInfos;
        Assert.That(lines.Keys, Is.EquivalentTo(obj.Programs.Select(p => p.SectionName).Distinct()));
        foreach (var (section, records) in lines)
        {
            var size = (int)obj.FindSection(section)!.Size;
            Assert.That(records.Select(l => l.InstructionOffset), Is.Ordered, section);
            foreach (var l in records)
            {
                // ClangBpf compiles a temporary copy, so the file name is that copy's.
                Assert.That(l.FileName, Does.EndWith(".c"));
                Assert.That(l.Line, Is.InRange(1u, (uint)source.Length), $"{l}");
                Assert.That(l.SourceLine, Is.EqualTo(source[l.Line - 1]), $"{l}");
                Assert.That(l.Column, Is.InRange(0u, (uint)source[l.Line - 1].Length + 1), $"{l}");
                Assert.That(l.InstructionOffset, Is.LessThan(size));
            }
        }
    }

    [Test]
    public void WithoutDebugInfoThereIsNeitherBtfNorBtfExt()
    {
        // CO-RE builtins need -g, so this is the plain sample object.
        using var o = ClangBpf.Compile(SampleObject.Source, "bpf", "-O2", "-mcpu=v3");
        var obj = BpfObjectFile.Load(o.Path);
        Assert.That((obj.Btf, obj.BtfExt), Is.EqualTo(((BtfSpec?)null, (BtfExtInfo?)null)));
    }

    [Test]
    public void ObjectWithoutCoreHasFuncAndLineInfoOnly()
    {
        using var o = ClangBpf.Compile(SampleObject.Source);
        var obj = BpfObjectFile.Load(o.Path);
        Assert.That(obj.BtfExt!.CoreRelocations, Is.Empty);
        Assert.That(obj.BtfExt.FuncInfos.Values.Sum(f => f.Count), Is.EqualTo(obj.Programs.Count));
        Assert.That(obj.BtfExt.LineInfos, Is.Not.Empty);
    }

    [TestCase("0:1:2", null)]
    [TestCase("0", null)]
    [TestCase("2147483647", null)]
    [TestCase("", "is empty")]
    [TestCase(":1", "has an empty number (a leading, trailing or doubled ':')")]
    [TestCase("1:", "has an empty number (a leading, trailing or doubled ':')")]
    [TestCase("1::2", "has an empty number (a leading, trailing or doubled ':')")]
    [TestCase("0:-1", "has '-1', which is not a non-negative decimal number")]
    [TestCase("0: 1", "has ' 1', which is not a non-negative decimal number")]
    [TestCase("0:2147483648", "has 2147483648, which does not fit an int")]
    public void AccessStringSyntax(string access, string? problem) =>
        Assert.That(CoreAccessString.Problem(access), Is.EqualTo(problem));

    [Test]
    public void AccessStringLengthLimit()
    {
        Assert.That(CoreAccessString.Problem(string.Join(':', Enumerable.Repeat("0", 64))), Is.Null);
        Assert.That(CoreAccessString.Problem(string.Join(':', Enumerable.Repeat("0", 65))), Is.EqualTo("has more than 64 numbers"));
        Assert.That(CoreAccessString.Parse("0:12:3"), Is.EqualTo(new[] { 0, 12, 3 }));
    }
}
