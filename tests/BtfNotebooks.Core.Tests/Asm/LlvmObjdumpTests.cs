using System.Text;
using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Asm;

/// <summary>
/// llvm-objdump-19 listings of clang-built objects re-assemble to each section's exact bytes: C programs in
/// Data/bpf/objdump compiled for both byte orders and several -mcpu levels, listed with and without relocations.
/// </summary>
public class LlvmObjdumpTests
{
    private static readonly string DataDir = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "bpf", "objdump");

    // v2 has neither 32-bit atomics nor signed division; v3 no signed division.
    private static readonly (string File, string[] Cpus)[] Programs =
    [
        ("calls_and_loops.c", ["v2", "v3", "v4"]),
        ("maps_and_atomics.c", ["v3", "v4"]),
        ("v4_alu.c", ["v4"]),
    ];

    private static IEnumerable<TestCaseData> Cases() =>
        from p in Programs
        from cpu in p.Cpus
        from target in new[] { "bpfel", "bpfeb" }
        from listing in new[] { "-d", "-d -r", "-d --mcpu=v4" }
        select new TestCaseData(p.File, cpu, target, listing).SetArgDisplayNames(p.File, cpu, target, listing);

    [TestCaseSource(nameof(Cases))]
    public void ListingReassemblesToTheSectionBytes(string file, string cpu, string target, string listing)
    {
        string clang = ExternalTool.Require("clang-19");
        string objdump = ExternalTool.Require("llvm-objdump-19");
        string objcopy = ExternalTool.Require("llvm-objcopy-19");
        string obj = Path.Combine(Path.GetTempPath(), $"btfnb-{Guid.NewGuid():N}.o");
        try
        {
            var compiled = ExternalTool.Run(clang, "-O2", "-g", "-target", target, $"-mcpu={cpu}", "-c", Path.Combine(DataDir, file), "-o", obj);
            Assert.That(compiled.Exit, Is.Zero, compiled.Stderr);
            var dumped = ExternalTool.Run(objdump, [.. listing.Split(' '), obj]);
            Assert.That(dumped.Exit, Is.Zero, dumped.Stderr);
            var sections = SplitSections(Encoding.UTF8.GetString(dumped.Stdout));
            Assert.That(sections, Is.Not.Empty);
            var order = target == "bpfeb" ? ByteOrder.BigEndian : ByteOrder.LittleEndian;
            foreach (var (name, text) in sections)
            {
                string bin = obj + "." + name.Replace('/', '_') + ".bin";
                var copied = ExternalTool.Run(objcopy, "-O", "binary", $"--only-section={name}", obj, bin);
                Assert.That(copied.Exit, Is.Zero, copied.Stderr);
                byte[] expected = File.ReadAllBytes(bin);
                File.Delete(bin);
                var program = Assembler.Assemble(text, AsmSyntax.Llvm, source: name);
                Assert.That(program.Encode(order), Is.EqualTo(expected), $"section {name}:\n{text}");
                Assert.That(Assembler.DetectSyntax(text), Is.EqualTo(AsmSyntax.Llvm));
                // And this formatter's own listing of the section re-assembles to the same bytes.
                var again = Assembler.Assemble(Disassembler.Disassemble(program.Instructions, AsmSyntax.Llvm, labels: true), AsmSyntax.Llvm);
                Assert.That(again.Encode(order), Is.EqualTo(expected), $"section {name}, re-listed");
            }
        }
        finally
        {
            File.Delete(obj);
        }
    }

    /// <summary>The listing of each "Disassembly of section NAME:" up to the next, header lines included.</summary>
    private static List<(string Name, string Text)> SplitSections(string listing)
    {
        var sections = new List<(string, string)>();
        string? name = null;
        var text = new StringBuilder();
        foreach (var line in listing.Split('\n'))
        {
            const string header = "Disassembly of section ";
            if (line.StartsWith(header, StringComparison.Ordinal))
            {
                if (name is not null) sections.Add((name, text.ToString()));
                name = line[header.Length..].TrimEnd(':', '\r');
                text.Clear();
            }
            text.Append(line).Append('\n');
        }
        if (name is not null) sections.Add((name, text.ToString()));
        return sections;
    }
}
