using System.Text;
using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Elf;

namespace BtfNotebooks.Cli;

/// <summary>What a program file turned out to be.</summary>
internal enum ProgramFileKind
{
    Elf,
    Raw,
    Assembly,
}

/// <summary>A program read from a file: instructions, and for ELF objects the section its context follows.</summary>
internal sealed record LoadedProgram(IReadOnlyList<Instruction> Instructions, ProgramFileKind Kind, string? Section, string Description, ByteOrder ByteOrder = ByteOrder.LittleEndian);

/// <summary>Tells ELF objects, raw instruction bytes and assembly text apart by content, and loads each.</summary>
internal static class ProgramFiles
{
    public static ProgramFileKind Detect(byte[] bytes, string path)
    {
        if (BpfObjectFile.IsElf(bytes)) return ProgramFileKind.Elf;
        if (path.EndsWith(".bin", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".o", StringComparison.OrdinalIgnoreCase)) return ProgramFileKind.Raw;
        // Text has no NUL bytes and is valid UTF-8; encoded instructions almost always contain NULs.
        if (bytes.AsSpan().IndexOf((byte)0) >= 0) return ProgramFileKind.Raw;
        try
        {
            new UTF8Encoding(false, true).GetString(bytes);
            return ProgramFileKind.Assembly;
        }
        catch (DecoderFallbackException)
        {
            return ProgramFileKind.Raw;
        }
    }

    public static AsmSyntax? ParseSyntax(string? value) => value switch
    {
        null => null,
        "conformance" or "ubpf" => AsmSyntax.Conformance,
        "llvm" or "kernel" => AsmSyntax.Llvm,
        _ => throw new CliException($"unknown syntax '{value}' (expected conformance or llvm)"),
    };

    /// <summary>Loads the program to run from <paramref name="path"/> (for ELF, the one <paramref name="section"/> names).</summary>
    public static LoadedProgram Load(string path, string? section, AsmSyntax? syntax)
    {
        var bytes = File.ReadAllBytes(path);
        switch (Detect(bytes, path))
        {
            case ProgramFileKind.Elf:
            {
                var obj = BpfObjectFile.Parse(bytes, path);
                var program = PickProgram(obj, section, path);
                return new LoadedProgram(obj.LinkProgram(program.Name), ProgramFileKind.Elf, program.SectionName, $"{path} {program.SectionName}/{program.Name}", obj.ByteOrder);
            }
            case ProgramFileKind.Raw:
                if (section is not null) throw new CliException($"--section applies to ELF objects; {path} is raw instructions");
                // Raw slots carry no byte order; the VM runs little-endian programs.
                return new LoadedProgram(InstructionCodec.Decode(bytes, ByteOrder.LittleEndian, validate: true, source: path), ProgramFileKind.Raw, null, path);
            default:
                if (section is not null) throw new CliException($"--section applies to ELF objects; {path} is assembly text");
                var assembled = Assembler.Assemble(Encoding.UTF8.GetString(bytes), syntax, path);
                return new LoadedProgram(assembled.Instructions, ProgramFileKind.Assembly, null, path);
        }
    }

    /// <summary>The entry program a --section (or program name) selects; without one, the only entry program.</summary>
    public static BpfObjectProgram PickProgram(BpfObjectFile obj, string? section, string path)
    {
        var entries = obj.Programs.Where(p => !p.IsSubprogram).ToList();
        string list = string.Join(", ", entries.Select(p => $"{p.SectionName} ({p.Name})"));
        if (section is null)
        {
            return entries.Count switch
            {
                1 => entries[0],
                0 => throw new CliException($"{path} has no entry programs (only .text subprograms)"),
                _ => throw new CliException($"{path} has {entries.Count} programs; choose one with --section: {list}"),
            };
        }
        var matches = entries.Where(p => p.SectionName == section).ToList();
        if (matches.Count == 0) matches = entries.Where(p => p.Name == section).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new CliException($"{path} has no program in section or named '{section}'; programs: {list}"),
            _ => throw new CliException($"section '{section}' of {path} holds {matches.Count} programs; name one: {string.Join(", ", matches.Select(p => p.Name))}"),
        };
    }
}
