using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Asm;

/// <summary>The bpf_conformance corpus (../shared/conformance): every program assembles, matches its raw bytes and round-trips.</summary>
public class ConformanceCorpusTests
{
    private static IEnumerable<string> Programs() => ConformanceSuite.CaseNames(ConformanceSuite.Files());

    /// <summary>negative/invalid_*.data with an asm section: texts bpf_conformance's assembler rejects.</summary>
    private static IEnumerable<string> AssemblerNegatives() => ConformanceSuite.CaseNames(
        ConformanceSuite.Parsed("negative", f => Path.GetFileName(f.Path).StartsWith("invalid_", StringComparison.Ordinal) && f.Assembly is { } a && a.Trim().Length > 0).Select(f => f.Path));

    /// <summary>negative/*.data with a raw section: encodings with a non-zero unused field.</summary>
    private static IEnumerable<string> EncodingNegatives() => ConformanceSuite.CaseNames(
        ConformanceSuite.Parsed("negative", f => f.Raw is not null).Select(f => f.Path));

    [TestCaseSource(nameof(Programs))]
    public void AssemblesAndMatchesRawBytes(string name)
    {
        var file = ConformanceSuite.Require("", name);
        Assert.That(file.Assembly, Is.Not.Null, "no -- asm section");
        var program = ConformanceAssembler.Assemble(file.Assembly!, name);
        Assert.That(program.Instructions, Is.Not.Empty);
        if (file.Raw is byte[] raw)
            Assert.That(program.Encode(), Is.EqualTo(raw));
    }

    [TestCaseSource(nameof(Programs))]
    public void DisassemblyReassemblesToTheSameProgram(string name)
    {
        var file = ConformanceSuite.Require("", name);
        var program = ConformanceAssembler.Assemble(file.Assembly!, name).Instructions;
        foreach (bool labels in new[] { false, true })
        {
            string text = ConformanceFormatter.Disassemble(program, labels);
            Assert.That(ConformanceAssembler.Assemble(text, name).Instructions, Is.EqualTo(program), $"labels: {labels}\n{text}");
        }
    }

    /// <summary>Where the file names the error, our message carries the same phrase.</summary>
    [TestCaseSource(nameof(AssemblerNegatives))]
    public void NegativeAsmIsRejectedWithBpfConformancePhrase(string name)
    {
        var file = ConformanceSuite.Require("negative", name);
        var e = Assert.Throws<AssemblyException>(() => ConformanceAssembler.Assemble(file.Assembly!, name))!;
        if (!string.IsNullOrEmpty(file.ExpectedError))
            Assert.That(e.Diagnostics.Select(d => d.Message), Has.Some.Contains(file.ExpectedError));
    }

    [TestCaseSource(nameof(EncodingNegatives))]
    public void NegativeRawIsRejectedByDecode(string name)
    {
        var raw = ConformanceSuite.Require("negative", name).Raw!;
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
