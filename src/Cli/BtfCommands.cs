using System.CommandLine;
using System.Diagnostics;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.CDump;
using BtfNotebooks.Btf.Layout;

namespace BtfNotebooks.Cli;

/// <summary>`btfnb btf dump|layout|stats`.</summary>
internal static class BtfCommands
{
    public static Command Create() => new("btf", "Read BTF in any form: raw, ELF, compressed, BTFHub archive, kernel image, .deb")
    {
        Dump(), Layout(), Stats(),
    };

    private static Argument<string> FileArgument() => new("FILE") { Description = "BTF file (raw, ELF .BTF, gz/xz/zst, BTFHub tar.xz, bzImage/Image, linux-image .deb)" };

    private static Option<string?> BaseOption() => new("--base", "-B") { Description = "base BTF for split (module) BTF" };

    private static Command Dump()
    {
        var file = FileArgument();
        var baseOpt = BaseOption();
        var format = new Option<string>("--format") { Description = "raw (like `bpftool btf dump file`) or c (a header like `format c`)", DefaultValueFactory = _ => "raw" };
        format.AcceptOnlyFromAmong("raw", "c");
        var cmd = new Command("dump", "Print every type, byte-identical to bpftool, or a C header") { file, baseOpt, format };
        cmd.SetAction(CliErrors.Action(pr =>
        {
            var spec = KernelFiles.Load(pr.GetValue(file)!, pr.GetValue(baseOpt));
            using var stdout = Console.OpenStandardOutput();
            if (pr.GetValue(format) == "c")
            {
                using var writer = new StreamWriter(stdout, new System.Text.UTF8Encoding(false), 1 << 16);
                CHeaderWriter.Write(spec, writer);
            }
            else
            {
                BtfRawDump.Write(spec, stdout);
            }
            return 0;
        }));
        return cmd;
    }

    private static Command Layout()
    {
        var file = FileArgument();
        var type = new Argument<string>("TYPE") { Description = "struct or union: 'task_struct', 'struct sk_buff', 'union bpf_attr', or a typedef of one" };
        var baseOpt = BaseOption();
        var json = new Option<bool>("--json") { Description = "members with path, offset_bits, size_bits, bitfield; holes, padding, size" };
        var cmd = new Command("layout", "Show a struct's layout as pahole does: offsets, sizes, holes, padding, cachelines") { file, type, baseOpt, json };
        cmd.SetAction(CliErrors.Action(pr =>
        {
            var spec = KernelFiles.Load(pr.GetValue(file)!, pr.GetValue(baseOpt));
            var layout = StructLayout.Compute(spec, spec.FindComposite(pr.GetValue(type)!));
            Console.Out.Write(pr.GetValue(json) ? layout.ToJson() + "\n" : layout.ToText());
            return 0;
        }));
        return cmd;
    }

    private static Command Stats()
    {
        var file = FileArgument();
        var baseOpt = BaseOption();
        var cmd = new Command("stats", "Types per kind, string bytes, time to parse and index") { file, baseOpt };
        cmd.SetAction(CliErrors.Action(pr =>
        {
            var path = pr.GetValue(file)!;
            var baseSpec = pr.GetValue(baseOpt) is { } b ? BtfSpec.Load(b) : null;
            var sw = Stopwatch.StartNew();
            var blob = BtfNotebooks.Btf.Containers.BtfContainer.ExtractFile(path);
            var raw = blob.Span.ToArray(); // exactly the blob, as a raw file would give it
            var extract = sw.Elapsed;
            // best of several parses: the figure is the parser's, not a cold thread pool's
            var best = TimeSpan.MaxValue;
            BtfSpec spec = null!;
            for (int i = 0; i < 7; i++)
            {
                sw.Restart();
                spec = BtfSpec.Parse(raw, baseSpec, path);
                best = sw.Elapsed < best ? sw.Elapsed : best;
            }
            var o = Console.Out;
            o.WriteLine($"file:           {path}");
            o.WriteLine($"found:          {blob.Origin}");
            o.WriteLine($"byte order:     {(spec.IsBigEndian ? "big-endian" : "little-endian")}");
            o.WriteLine($"raw size:       {spec.RawSize} bytes (types {spec.Header.TypeLength}, strings {spec.Header.StringLength})");
            o.WriteLine($"types:          {spec.LocalTypeCount} (IDs {spec.FirstTypeId}..{spec.TypeCount - 1}){(spec.Base is null ? "" : $", split on a base of {spec.Base.TypeCount - 1}")}");
            foreach (var g in spec.LocalTypes.GroupBy(t => t.Kind).OrderBy(g => g.Key))
                o.WriteLine($"  {g.Key.ToBpftoolName(),-12}{g.Count(),8}");
            o.WriteLine($"string bytes:   {spec.LocalStringLength}");
            o.WriteLine($"pointer size:   {spec.PointerSize}");
            o.WriteLine($"read+unwrap:    {extract.TotalMilliseconds:F2} ms");
            o.WriteLine($"parse+index:    {best.TotalMilliseconds:F2} ms (best of 7)");
            o.WriteLine($"memory:         {spec.RetainedBytes} bytes retained ({(double)spec.RetainedBytes / spec.RawSize:F2}x raw)");
            return 0;
        }));
        return cmd;
    }
}
