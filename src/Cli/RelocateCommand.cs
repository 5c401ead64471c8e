using System.CommandLine;
using System.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.CoRe;
using BtfNotebooks.CoRe.Assembly;
using BtfNotebooks.CoRe.Matrix;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.BtfExt;

namespace BtfNotebooks.Cli;

/// <summary>`btfnb relocate OBJ --target [NAME=]FILE ...`: every CO-RE record of an object, relocated against each target as libbpf would.</summary>
internal static class RelocateCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("OBJ") { Description = "a BPF ELF object with .BTF.ext, or an assembly file with %core operands (needs --against)" };
        var targets = new Option<string[]>("--target", "-t") { Description = "[NAME=]FILE target BTF (vmlinux, raw or compressed, ELF .BTF, ...); repeatable", Required = true, AllowMultipleArgumentsPerToken = true };
        var baseFile = new Option<string?>("--base") { Description = "base BTF for split (module) targets" };
        var program = new Option<string?>("--program", "-p") { Description = "relocate only this program (others are not loaded, as with libbpf's autoload off)" };
        var format = new Option<string>("--format") { Description = "text (per target, failures explained), tsv (one row per target and record), matrix (records x targets) or matrix-tsv", DefaultValueFactory = _ => "text" };
        var against = new Option<string?>("--against") { Description = "reference kernel BTF an assembly file's %core operands are resolved against" };
        var cmd = new Command("relocate", "Relocate an object's CO-RE records against kernels exactly like libbpf; explain every decision") { file, targets, baseFile, program, format, against };
        cmd.SetAction(CliErrors.Action(pr =>
        {
            string fmt = pr.GetValue(format)!;
            if (fmt is not ("text" or "tsv" or "matrix" or "matrix-tsv")) throw new CliException($"--format is text, tsv, matrix or matrix-tsv, not '{fmt}'");
            var (local, records, programs) = LoadObject(pr.GetValue(file)!, pr.GetValue(against), pr.GetValue(baseFile));
            if (pr.GetValue(program) is { } only)
            {
                if (!programs.Any(p => p.Name == only))
                    throw new CliException($"no program '{only}' (programs: {string.Join(", ", programs.Select(p => p.Name))})");
                programs = programs.Select(p => p.Name == only || p.Section == BpfObjectProgram.SubprogramSection ? p : p with { Autoload = false }).ToList();
            }
            // Targets load in parallel (a split module on its --base); each column is one libbpf-equivalent relocation.
            var files = pr.GetValue(targets)!.Select(t => ParseTarget(t, pr.GetValue(baseFile))).ToList();
            foreach (var f in files)
                if (!File.Exists(f.Path)) throw new FileNotFoundException($"no such file: {f.Path}", f.Path);
            var loaded = CoreMatrixTargetLoader.Load(files, cache: BtfNotebooks.Btf.Containers.BtfBlobCache.FromEnvironment());
            var matrix = CoreMatrix.Build(local, records, programs, loaded);

            var output = new StringBuilder();
            // With --program, only that program's records are shown (TsvRows follows Records one to one).
            bool Shown(CoreRecordReport r) => pr.GetValue(program) is not { } p || r.Program == p;
            switch (fmt)
            {
                case "matrix": output.Append(matrix.ToText()); break;
                case "matrix-tsv": output.Append(matrix.ToTsv()); break;
                case "tsv":
                    output.AppendLine(CoreRelocationReport.TsvHeader);
                    foreach (var report in matrix.Reports)
                        foreach (var (record, line) in report.Records.Zip(report.TsvRows()))
                            if (Shown(record)) output.AppendLine(line);
                    break;
                default:
                    foreach (var report in matrix.Reports) AppendText(output, report, [.. report.Records.Where(Shown)]);
                    break;
            }
            Console.Out.Write(output.ToString());
            return 0;
        }));
        return cmd;
    }

    private static (BtfSpec Local, IReadOnlyList<CoreRelocationRecord> Records, List<CoreProgram> Programs) LoadObject(string path, string? against, string? basePath)
    {
        var bytes = File.ReadAllBytes(path);
        if (ProgramFiles.Detect(bytes, path) == ProgramFileKind.Elf)
        {
            if (against is not null) throw new CliException($"--against is for assembly files; {path} is an ELF object with its own .BTF");
            var obj = BpfObjectFile.Parse(bytes, path);
            var btf = obj.Btf ?? throw new CliException($"{path} has no .BTF section: nothing to relocate");
            var ext = obj.BtfExt ?? throw new CliException($"{path} has no .BTF.ext section: no CO-RE records");
            return (btf, ext.CoreRelocations, obj.Programs.Select(CoreProgram.FromObject).ToList());
        }
        if (against is null) throw new CliException($"{path} is assembly text: give --against KERNEL to resolve its %core operands");
        var reference = BtfSpec.Load(against, basePath is null ? null : BtfSpec.Load(basePath));
        var assembly = CoreAssembler.Assemble(Encoding.UTF8.GetString(bytes), reference, source: path);
        var local = BtfSpec.Parse(assembly.LocalBtf, source: $"local BTF of {path}");
        return (local, assembly.Records, [CoreProgram.FromInstructions(assembly.Section, assembly.Name, 0, assembly.Instructions)]);
    }

    /// <summary>"NAME=FILE", or FILE named after its file name (<see cref="CoreMatrixTargetFile.NameOf"/>).</summary>
    private static CoreMatrixTargetFile ParseTarget(string text, string? basePath)
    {
        int eq = text.IndexOf('=');
        if (eq == 0 || eq == text.Length - 1) throw new CliException($"bad --target '{text}': expected NAME=FILE or FILE");
        return eq > 0 ? new CoreMatrixTargetFile(text[(eq + 1)..], basePath, text[..eq]) : new CoreMatrixTargetFile(text, basePath);
    }

    private static void AppendText(StringBuilder output, CoreRelocationReport report, List<CoreRecordReport> rows)
    {
        int Count(CoreRelocationStatus s) => rows.Count(r => r.Status == s);
        output.AppendLine($"== {report.Target}: {rows.Count} record(s): {Count(CoreRelocationStatus.Ok)} ok, {Count(CoreRelocationStatus.Poison)} poisoned, {Count(CoreRelocationStatus.Error)} error{(report.Succeeded ? "" : " (libbpf would fail the load)")}");
        foreach (var r in rows)
        {
            output.Append("  ").AppendLine(r.ToString());
            if (r.Status is not (CoreRelocationStatus.Poison or CoreRelocationStatus.Error)) continue;
            // Failures and poison: show every candidate and why it did (not) match.
            if (r.Candidates.Count == 0) output.AppendLine("      no candidate with this name in the target");
            foreach (var c in r.Candidates) output.Append("      candidate ").AppendLine(c.ToString());
        }
    }
}
