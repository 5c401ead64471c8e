using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Asm;

/// <summary>The bpf_conformance test corpus (/work/shared/conformance): every program assembles, matches its raw bytes and round-trips.</summary>
public class ConformanceCorpusTests
{
    private static IEnumerable<string> Programs() => WithPlaceholder(ConformanceDataFile.Names());

    private static IEnumerable<string> NegativeFiles() => WithPlaceholder(ConformanceDataFile.Names("negative"));

    // NUnit reports a source that yields nothing as an error, so an absent corpus yields one case that is ignored.
    private static IEnumerable<string> WithPlaceholder(IEnumerable<string> names)
    {
        bool any = false;
        foreach (string name in names)
        {
            any = true;
            yield return name;
        }
        if (!any) yield return "(corpus absent)";
    }

    private static ConformanceDataFile Load(string subdirectory, string name)
    {
        string path = Path.Combine(ConformanceDataFile.Directory, subdirectory, name);
        if (!File.Exists(path)) Assert.Ignore($"{ConformanceDataFile.Directory} is not present");
        return ConformanceDataFile.Read(path);
    }

    [TestCaseSource(nameof(Programs))]
    public void AssemblesAndMatchesRawBytes(string name)
    {
        var file = Load("", name);
        Assert.That(file.Asm, Is.Not.Null, "no -- asm section");
        var program = ConformanceAssembler.Assemble(file.Asm!, name);
        Assert.That(program.Instructions, Is.Not.Empty);
        if (file.Raw() is byte[] raw)
            Assert.That(program.Encode(), Is.EqualTo(raw));
    }

    [TestCaseSource(nameof(Programs))]
    public void DisassemblyReassemblesToTheSameProgram(string name)
    {
        var file = Load("", name);
        var program = ConformanceAssembler.Assemble(file.Asm!, name).Instructions;
        foreach (bool labels in new[] { false, true })
        {
            string text = ConformanceFormatter.Disassemble(program, labels);
            Assert.That(ConformanceAssembler.Assemble(text, name).Instructions, Is.EqualTo(program), $"labels: {labels}\n{text}");
        }
    }

    /// <summary>
    /// negative/invalid_*.data are texts bpf_conformance's assembler rejects; where the file names the error, our
    /// message carries the same phrase. invalid_unknown_directive's asm section is empty (its "-- Unknown directive"
    /// line starts another section), so there is nothing to reject.
    /// </summary>
    [TestCaseSource(nameof(NegativeFiles))]
    public void NegativeAsmIsRejectedWithBpfConformancePhrase(string name)
    {
        var file = Load("negative", name);
        if (file.Asm is null || !name.StartsWith("invalid_", StringComparison.Ordinal) || file.Asm.Trim().Length == 0)
            Assert.Ignore("not an assembler-negative test");
        var e = Assert.Throws<AssemblyException>(() => ConformanceAssembler.Assemble(file.Asm!, name))!;
        if (file.Error is string phrase)
            Assert.That(e.Diagnostics.Select(d => d.Message), Has.Some.Contains(phrase));
    }

    /// <summary>negative/*.data with a <c>-- raw</c> section are encodings with a non-zero unused field: Decode names slot and reason.</summary>
    [TestCaseSource(nameof(NegativeFiles))]
    public void NegativeRawIsRejectedByDecode(string name)
    {
        var file = Load("negative", name);
        if (file.Raw() is not byte[] raw) { Assert.Ignore("no -- raw section"); return; }
        var e = Assert.Throws<BpfEncodingException>(() => InstructionCodec.Decode(raw, source: name))!;
        Assert.That(e.Errors, Is.Not.Empty);
        Assert.That(e.Errors.All(err => err.Slot >= 0 && err.Slot < raw.Length / 8 && err.Reason.Length > 0));
        // The disassembler still shows the rejected slot, as a line that does not assemble.
        var insns = InstructionCodec.Decode(raw, validate: false);
        string text = ConformanceFormatter.Disassemble(insns, labels: false);
        Assert.That(text, Does.Contain(".invalid"));
        Assert.Throws<AssemblyException>(() => ConformanceAssembler.Assemble(text, name));
    }
}
