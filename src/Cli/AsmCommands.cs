using System.CommandLine;
using System.Text;
using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Elf;

namespace BtfNotebooks.Cli;

/// <summary>`btfnb asm` and `btfnb disasm`.</summary>
internal static class AsmCommands
{
    private static Option<string?> SyntaxOption() => new("--syntax") { Description = "conformance (mov32 %r0, 1) or llvm (w0 = 1); asm detects it when omitted, disasm defaults to llvm" };

    public static Command CreateAsm()
    {
        var file = new Argument<string>("FILE") { Description = "assembly text in either syntax" };
        var output = new Option<string?>("--output", "-o") { Description = "write the encoded program here (8 bytes per slot); without it, print one slot per line in hex" };
        var syntax = SyntaxOption();
        var bigEndian = new Option<bool>("--big-endian") { Description = "encode for a big-endian target (bpfeb)" };
        var cmd = new Command("asm", "Assemble BPF text; every error is reported with line and column") { file, output, syntax, bigEndian };
        cmd.SetAction(CliErrors.Action(pr =>
        {
            string path = pr.GetValue(file)!;
            var program = Assembler.Assemble(File.ReadAllText(path), ProgramFiles.ParseSyntax(pr.GetValue(syntax)), path);
            var bytes = program.Encode(pr.GetValue(bigEndian) ? ByteOrder.BigEndian : ByteOrder.LittleEndian);
            if (pr.GetValue(output) is { } o)
            {
                File.WriteAllBytes(o, bytes);
                Console.Error.WriteLine($"asm: {program.Instructions.Count} instructions, {bytes.Length / 8} slots ({program.Syntax} syntax) -> {o}");
            }
            else
            {
                var sb = new StringBuilder();
                for (int at = 0; at < bytes.Length; at += 8)
                    sb.AppendLine(string.Join(' ', bytes.Skip(at).Take(8).Select(b => b.ToString("x2"))));
                Console.Out.Write(sb.ToString());
            }
            return 0;
        }));
        return cmd;
    }

    public static Command CreateDisasm()
    {
        var file = new Argument<string>("FILE") { Description = "raw instructions (.bin) or a BPF ELF object" };
        var syntax = SyntaxOption();
        var section = new Option<string?>("--section", "-s") { Description = "only this ELF section" };
        var noLabels = new Option<bool>("--no-labels") { Description = "relative branch targets (+3) instead of labels" };
        var bigEndian = new Option<bool>("--big-endian") { Description = "raw input is big-endian (ELF objects say so themselves)" };
        var cmd = new Command("disasm", "Disassemble raw instructions or an ELF object's code sections; the text re-assembles to the same bytes") { file, syntax, section, noLabels, bigEndian };
        cmd.SetAction(CliErrors.Action(pr =>
        {
            string path = pr.GetValue(file)!;
            var s = ProgramFiles.ParseSyntax(pr.GetValue(syntax)) ?? AsmSyntax.Llvm;
            bool labels = !pr.GetValue(noLabels);
            string comment = s == AsmSyntax.Conformance ? "#" : ";";
            var bytes = File.ReadAllBytes(path);
            if (ProgramFiles.Detect(bytes, path) != ProgramFileKind.Elf)
            {
                if (pr.GetValue(section) is not null) throw new CliException($"--section applies to ELF objects; {path} is raw instructions");
                var program = InstructionCodec.Decode(bytes, pr.GetValue(bigEndian) ? ByteOrder.BigEndian : ByteOrder.LittleEndian, validate: false, source: path);
                Console.Out.Write(Disassembler.Disassemble(program, s, labels));
                return 0;
            }
            var obj = BpfObjectFile.Parse(bytes, path);
            var programs = obj.Programs.Where(p => pr.GetValue(section) is not { } only || p.SectionName == only).ToList();
            if (programs.Count == 0)
                throw new CliException($"{path} has no code in section '{pr.GetValue(section)}'; sections with code: {string.Join(", ", obj.Programs.Select(p => p.SectionName).Distinct())}");
            var output = new StringBuilder();
            foreach (var p in programs)
            {
                output.AppendLine($"{comment} section {p.SectionName}, function {p.Name} (slots {p.SlotOffset}..{p.SlotOffset + p.SlotCount - 1})");
                output.Append(Disassembler.Disassemble(p.Instructions, s, labels));
                output.AppendLine();
            }
            Console.Out.Write(output.ToString());
            return 0;
        }));
        return cmd;
    }
}
