using System.Text;
using System.Text.RegularExpressions;
using BtfNotebooks.Asm;
using BtfNotebooks.Elf;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Elf;

/// <summary>
/// Programs, their slots and instruction bytes as <c>llvm-objdump-19 -d</c> shows them, and section bytes as
/// <c>llvm-objcopy-19 -O binary -j SEC</c> extracts them.
/// </summary>
public partial class ObjdumpAgreementTests
{
    [TestCase("bpf")]
    [TestCase("bpfeb")]
    public void ProgramsAreTheFunctionsObjdumpDisassembles(string target)
    {
        using var o = ClangBpf.Compile(SampleObject.Source, target);
        var obj = BpfObjectFile.Load(o.Path);
        var expected = Disassemble(o.Path);

        Assert.That(obj.Programs.Select(p => (p.SectionName, p.Name)), Is.EquivalentTo(expected.Keys));
        Assert.That(obj.Programs.Select(p => p.Name), Is.EquivalentTo(SampleObject.EntryPrograms.Concat(SampleObject.Subprograms)));
        foreach (var p in obj.Programs)
        {
            var slots = expected[(p.SectionName, p.Name)];
            Assert.That(p.SlotOffset, Is.EqualTo(slots[0].Slot), $"{p.Name} starts where objdump's listing does");
            Assert.That(p.SlotCount, Is.EqualTo(slots[^1].Slot + slots[^1].Bytes.Length / 8 - slots[0].Slot), $"{p.Name} slot count");
            Assert.That(p.Instructions.Select(i => InstructionCodec.Encode([i], obj.ByteOrder)), Is.EqualTo(slots.Select(s => s.Bytes)),
                $"{p.Name}: each decoded instruction re-encodes to objdump's bytes");
            Assert.That(p.IsSubprogram, Is.EqualTo(SampleObject.Subprograms.Contains(p.Name)));
            Assert.That(p.Symbol.Name, Is.EqualTo(p.Name));
        }
    }

    [TestCase("bpf")]
    [TestCase("bpfeb")]
    public void SectionBytesAndInstructionsAreThoseObjcopyExtracts(string target)
    {
        using var o = ClangBpf.Compile(SampleObject.Source, target);
        var obj = BpfObjectFile.Load(o.Path);
        // objcopy -O binary copies only allocated sections, so .BTF and the like cannot be checked this way.
        foreach (var name in new[] { ".text", "xdp", "socket", "tc", "license" })
        {
            using var bin = new ExternalTool.TempFile(o.Path + "." + name.TrimStart('.') + ".bin");
            ClangBpf.Llvm("llvm-objcopy-19", "-O", "binary", "-j", name, o.Path, bin.Path);
            var expected = File.ReadAllBytes(bin.Path);
            Assert.That(obj.SectionData(obj.FindSection(name)!).ToArray(), Is.EqualTo(expected), name);
            if (name != "license")
                Assert.That(InstructionCodec.Encode(obj.SectionInstructions(name), obj.ByteOrder), Is.EqualTo(expected), $"{name} instructions re-encode to the section");
        }
    }

    [TestCase("bpf")]
    [TestCase("bpfeb")]
    public void LicenseIsTheLicenseSectionUpToItsNul(string target)
    {
        using var o = ClangBpf.Compile(SampleObject.Source, target);
        Assert.That(BpfObjectFile.Load(o.Path).License, Is.EqualTo("Dual BSD/GPL"));
    }

    [Test]
    public void ObjectWithoutLicenseSectionHasNone()
    {
        using var o = ClangBpf.Compile("__attribute__((section(\"xdp\"), used)) int f(void *c) { return 2; }");
        var obj = BpfObjectFile.Load(o.Path);
        Assert.That(obj.License, Is.Null);
        Assert.That(obj.Programs.Single().Instructions, Has.Count.EqualTo(2));
    }

    /// <summary>Objdump's listing: per (section, function), each instruction's slot and raw bytes (16 for lddw).</summary>
    private static Dictionary<(string Section, string Function), List<(int Slot, byte[] Bytes)>> Disassemble(string path)
    {
        var result = new Dictionary<(string, string), List<(int, byte[])>>();
        string? section = null;
        List<(int, byte[])>? current = null;
        foreach (var line in Encoding.UTF8.GetString(ClangBpf.Llvm("llvm-objdump-19", "-d", path)).Split('\n'))
        {
            if (SectionLine().Match(line) is { Success: true } s) section = s.Groups[1].Value;
            else if (FunctionLine().Match(line) is { Success: true } f) result[(section!, f.Groups[1].Value)] = current = [];
            else if (InstructionLine().Match(line) is { Success: true } i)
                current!.Add((int.Parse(i.Groups[1].Value), Convert.FromHexString(i.Groups[2].Value.Replace(" ", ""))));
        }
        return result;
    }

    [GeneratedRegex(@"^Disassembly of section (.+):$")]
    private static partial Regex SectionLine();

    [GeneratedRegex(@"^[0-9a-f]{16} <(.+)>:$")]
    private static partial Regex FunctionLine();

    [GeneratedRegex(@"^\s+(\d+):\t((?:[0-9a-f]{2} )*[0-9a-f]{2})\t")]
    private static partial Regex InstructionLine();
}
