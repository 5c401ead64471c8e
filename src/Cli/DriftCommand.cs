using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Drift;

namespace BtfNotebooks.Cli;

/// <summary>`btfnb drift FIELD... --kernel [NAME=]FILE ...`: where fields sit in each kernel.</summary>
internal static class DriftCommand
{
    public static Command Create()
    {
        var fields = new Argument<string[]>("FIELD") { Description = "STRUCT.MEMBER[.MEMBER...] (through anonymous members) or sizeof:STRUCT", Arity = ArgumentArity.OneOrMore };
        var kernels = new Option<string[]>("--kernel", "-k") { Description = "[NAME=]FILE; the row is NAME, or the file name without directories", Required = true, AllowMultipleArgumentsPerToken = true };
        var tsv = new Option<bool>("--tsv") { Description = "tab-separated, the shape of DRIFT.tsv" };
        var html = new Option<string?>("--html") { Description = "write an HTML table to this file" };
        var cmd = new Command("drift", "Byte offsets (or bit:size for bitfields, - when absent) of fields across kernels") { fields, kernels, tsv, html };
        cmd.Validators.Add(r =>
        {
            if (r.GetValue(tsv) && r.GetValue(html) is not null) r.AddError("--tsv and --html exclude each other");
        });
        cmd.SetAction(CliErrors.Action(pr =>
        {
            List<DriftField> parsed;
            try { parsed = pr.GetValue(fields)!.Select(DriftField.Parse).ToList(); }
            catch (ArgumentException e) { throw new CliException(e.Message); }
            var named = pr.GetValue(kernels)!.Select(KernelFiles.ParseNamed).ToList();
            var specs = LoadAll(named);
            var table = DriftTable.Compute(parsed, named.Select((k, i) => (k.Name, specs[i])));
            // A field no kernel has is a typo, not drift: say why instead of printing a column of dashes.
            for (int f = 0; f < parsed.Count; f++)
                if (table.Rows.All(r => !r.Values[f].Present))
                    throw new CliException($"field '{parsed[f].Text}' exists in none of the {table.Rows.Count} kernels: {table.Rows[0].Values[f].AbsentReason}");
            if (pr.GetValue(html) is { } htmlPath)
            {
                File.WriteAllText(htmlPath, ToHtml(table));
                Console.Error.WriteLine($"drift: wrote {htmlPath}");
            }
            else
            {
                Console.Out.Write(pr.GetValue(tsv) ? table.ToTsv() : table.ToText());
            }
            return 0;
        }));
        return cmd;
    }

    /// <summary>Loads kernels two at a time (decompression dominates), reporting progress on stderr for long runs.</summary>
    private static BtfSpec[] LoadAll(List<(string Name, string Path)> kernels)
    {
        foreach (var (_, path) in kernels)
            if (!File.Exists(path)) throw new FileNotFoundException($"no such file: {path}", path);
        var result = new BtfSpec[kernels.Count];
        int done = 0;
        bool progress = kernels.Count > 3;
        var sw = Stopwatch.StartNew();
        var errors = new ConcurrentQueue<Exception>();
        var cache = BtfNotebooks.Btf.Containers.BtfBlobCache.FromEnvironment(); // decompress each kernel once, across runs
        Parallel.For(0, kernels.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, i =>
        {
            try
            {
                result[i] = BtfSpec.Load(kernels[i].Path, cache: cache);
                int n = Interlocked.Increment(ref done);
                if (progress) Console.Error.WriteLine($"drift: [{n}/{kernels.Count}] {kernels[i].Name} ({sw.ElapsedMilliseconds} ms)");
            }
            catch (Exception e) { errors.Enqueue(e); }
        });
        if (!errors.IsEmpty) throw errors.First();
        return result;
    }

    private static string ToHtml(DriftTable table)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>BTF drift</title><style>")
          .Append("body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}")
          .Append("td:first-child,th:first-child{text-align:left}.moved{background:#fff3c4}.absent{color:#999;background:#eee}.bitfield{font-style:italic}")
          .Append("</style></head><body>\n<h1>Field offsets across kernels</h1>\n<p>Byte offsets; <i>bit:size</i> for bitfields; - when absent. Highlighted: differs from the first kernel.</p>\n<table>\n<tr><th>kernel</th>");
        foreach (var f in table.Fields) sb.Append("<th>").Append(WebUtility.HtmlEncode(f.Text)).Append("</th>");
        sb.Append("</tr>\n");
        var first = table.Rows.Count > 0 ? table.Rows[0].Values : [];
        foreach (var (kernel, values) in table.Rows)
        {
            sb.Append("<tr><td>").Append(WebUtility.HtmlEncode(kernel)).Append("</td>");
            for (int i = 0; i < values.Length; i++)
            {
                var v = values[i];
                string cls = !v.Present ? "absent" : v.IsBitfield ? "bitfield" : "";
                if (v.Present && !v.Equals(first[i])) cls += " moved";
                string title = v.Present && !v.IsBitfield && v.Size > 0 ? $" title=\"{v.Size} bytes\"" : "";
                sb.Append("<td class=\"").Append(cls.Trim()).Append('"').Append(title).Append('>').Append(WebUtility.HtmlEncode(v.ToString())).Append("</td>");
            }
            sb.Append("</tr>\n");
        }
        sb.Append("</table>\n</body></html>\n");
        return sb.ToString();
    }
}
