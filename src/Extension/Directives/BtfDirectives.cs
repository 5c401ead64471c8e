using BtfNotebooks.Btf;
using BtfNotebooks.Btf.CDump;
using BtfNotebooks.Btf.Diff;
using BtfNotebooks.Btf.Drift;
using BtfNotebooks.Btf.Layout;
using BtfNotebooks.Extension.Charts;
using BtfNotebooks.Kernels;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Directives;
using static BtfNotebooks.Extension.DirectiveSupport;

namespace BtfNotebooks.Extension.Directives;

public sealed class BtfLoad : KernelDirectiveCommand
{
    public string? Path { get; set; }
    public string? Name { get; set; }
    public string? Base { get; set; }
    public string? Catalog { get; set; }
    public bool Help { get; set; }
}

public sealed class BtfKernels : KernelDirectiveCommand
{
    public bool Help { get; set; }
}

public sealed class BtfLayout : KernelDirectiveCommand
{
    public string? Type { get; set; }
    public string? Kernel { get; set; }
    public bool Help { get; set; }
}

public sealed class BtfDiff : KernelDirectiveCommand
{
    public string? Type { get; set; }
    public string? Kernels { get; set; }
    public bool Help { get; set; }
}

public sealed class BtfC : KernelDirectiveCommand
{
    public string? Type { get; set; }
    public string? Kernel { get; set; }
    public bool Deps { get; set; }
    public bool Help { get; set; }
}

public sealed class BtfDrift : KernelDirectiveCommand
{
    public string? Fields { get; set; }
    public string? Kernels { get; set; }
    public bool Help { get; set; }
}

/// <summary>The BTF magic commands: load kernels, list them, show layouts, diffs, C and drift charts.</summary>
internal static class BtfDirectives
{
    public static void Register(Kernel root, NotebookSession session)
    {
        var load = new KernelActionDirective("#!btf-load", "Load kernel BTF: raw or compressed blobs, ELF .BTF, split module BTF (--base), BTFHub archives, kernel images and .deb packages; or a folder of them with --catalog")
        {
            Parameters =
            [
                new KernelDirectiveParameter("--path", "File to load") { AllowImplicitName = true, TypeHint = "file" },
                new KernelDirectiveParameter("--name", "Name for the kernel (default: the file name without .btf/.xz/...)"),
                KernelParameter(session, "--base", "Loaded kernel a split (module) BTF builds on"),
                new KernelDirectiveParameter("--catalog", "Folder: load every kernel in it (MANIFEST.tsv and BTFHub's distro/version/arch layout give names)") { TypeHint = "file" },
                Help(),
            ],
        };
        root.AddDirective<BtfLoad>(load, (c, context) => Run(context, c, load, c.Help, () =>
        {
            if (c.Catalog is null == (c.Path is null))
                throw new NotebookException("give a file (#!btf-load PATH) or a folder (#!btf-load --catalog DIR), not both and not neither");
            if (c.Catalog is { } dir)
            {
                if (c.Name is not null || c.Base is not null) throw new NotebookException("--name and --base apply to one file, not to --catalog");
                var added = session.LoadFolder(Unquote(dir));
                Show(context, Renderers.Kernels(added, $"Loaded {added.Count} kernel(s) from {Unquote(dir)}"));
            }
            else
            {
                var entry = session.LoadKernel(Unquote(c.Path!), c.Name, c.Base);
                _ = entry.Spec; // parse now, so a bad file fails here and not in a later command
                Show(context, Renderers.Kernels([entry], $"Loaded {entry.Name}"));
            }
        }));

        var kernels = new KernelActionDirective("#!btf-kernels", "List the loaded kernels: name, release, arch, types, size") { Parameters = [Help()] };
        root.AddDirective<BtfKernels>(kernels, (c, context) => Run(context, c, kernels, c.Help, () =>
        {
            // Type counts and sizes need the BTF: parse what is not parsed yet (in parallel; the blob cache makes it cheap).
            var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
            Parallel.ForEach(session.Kernels, entry =>
            {
                try { _ = entry.Spec; }
                catch (Exception e) when (e is BtfFormatException or IOException or KernelCatalogException) { failures.Add($"{entry.Name}: {e.Message}"); }
            });
            Show(context, Renderers.Kernels(session.Kernels, null));
            if (!failures.IsEmpty) throw new NotebookException($"{failures.Count} kernel(s) could not be read: {string.Join("; ", failures.Order(StringComparer.Ordinal))}");
        }));

        var layout = new KernelActionDirective("#!btf-layout", "The layout of a struct or union as pahole shows it: offsets, sizes, bitfields, holes, padding, cachelines")
        {
            Parameters =
            [
                TypeParameter(session, "--type", "struct or union (task_struct, struct sk_buff, ...)"),
                KernelParameter(session, "--kernel", "Kernel to use (default: the only loaded one)"),
                Help(),
            ],
        };
        root.AddDirective<BtfLayout>(layout, (c, context) => Run(context, c, layout, c.Help, () =>
        {
            var kernel = c.Kernel is null ? session.OnlyKernel("--kernel") : session.Kernels.Get(c.Kernel);
            var result = StructLayout.Compute(kernel.Spec, Required(c.Type, "a type (#!btf-layout TYPE)"));
            Show(context, Renderers.Layout(result, kernel.Name));
        }));

        var diff = new KernelActionDirective("#!btf-diff", "A struct's layout in several kernels side by side: moved, added, removed, resized and retyped members marked")
        {
            Parameters =
            [
                TypeParameter(session, "--type", "struct or union"),
                KernelParameter(session, "--kernels", "Kernels to compare, comma separated; the first is the reference (default: all loaded vmlinux)"),
                Help(),
            ],
        };
        root.AddDirective<BtfDiff>(diff, (c, context) => Run(context, c, diff, c.Help, () =>
        {
            var selected = session.KernelsOrAll(List(c.Kernels), "--kernels");
            if (selected.Count < 2) throw new NotebookException($"a diff needs at least two kernels; {(selected.Count == 1 ? "only " + selected[0].Name + " is" : "none is")} selected");
            var result = LayoutDiff.Compute(Required(c.Type, "a type (#!btf-diff TYPE --kernels A,B)"), [.. selected.Select(k => (k.Name, k.Spec))]);
            Show(context, Renderers.Diff(result));
        }));

        var cdef = new KernelActionDirective("#!btf-c", "The C definition of a type, as bpftool btf dump format c prints it")
        {
            Parameters =
            [
                TypeParameter(session, "--type", "struct, union, enum, typedef or function name"),
                KernelParameter(session, "--kernel", "Kernel to use (default: the only loaded one)"),
                new KernelDirectiveParameter("--deps", "A compilable header: also every type the definition needs") { Flag = true },
                Help(),
            ],
        };
        root.AddDirective<BtfC>(cdef, (c, context) => Run(context, c, cdef, c.Help, () =>
        {
            var kernel = c.Kernel is null ? session.OnlyKernel("--kernel") : session.Kernels.Get(c.Kernel);
            var type = kernel.Spec.FindType(Required(c.Type, "a type (#!btf-c TYPE)"));
            string text = c.Deps ? CHeaderWriter.TypesToText(kernel.Spec, [type.Id]) : CHeaderWriter.Declaration(kernel.Spec, type.Id);
            Show(context, Renderers.C(text, $"{Required(c.Type, "")} in {kernel.Name}"));
        }));

        var drift = new KernelActionDirective("#!btf-drift", "Byte offsets of fields across kernels, in kernel version order: a chart (one line per field) and the table")
        {
            Parameters =
            [
                new KernelDirectiveParameter("--fields", "STRUCT.MEMBER[.MEMBER] or sizeof:STRUCT, several separated by spaces or commas") { AllowImplicitName = true },
                KernelParameter(session, "--kernels", "Kernels, comma separated (default: all loaded vmlinux)"),
                Help(),
            ],
        };
        root.AddDirective<BtfDrift>(drift, (c, context) => Run(context, c, drift, c.Help, () =>
        {
            var fields = DriftFieldsOf(c).Select(DriftField.Parse).ToList();
            if (fields.Count == 0) throw new NotebookException("name at least one field: #!btf-drift task_struct.pid");
            var selected = session.KernelsOrAll(List(c.Kernels), "--kernels").Order(KernelCatalog.VersionOrder).ToList();
            var table = DriftTable.Compute(fields, selected.Select(k => (k.Name, k.Spec)));
            Show(context, DriftChart.Html(table));
            Show(context, Renderers.Drift(table));
        }));
    }

    /// <summary>
    /// The fields of <c>#!btf-drift</c>. The directive parser binds one bare value to the implicit parameter and drops
    /// the rest, so "#!btf-drift task_struct.pid file.f_path" is read from the cell's own directive line.
    /// </summary>
    private static IReadOnlyList<string> DriftFieldsOf(BtfDrift command)
    {
        var fromParser = List(Unquote(command.Fields ?? ""));
        if (command.Parent is not SubmitCode cell) return fromParser;
        var lines = cell.Code.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("#!btf-drift", StringComparison.Ordinal) &&
            (l.Length == "#!btf-drift".Length || char.IsWhiteSpace(l["#!btf-drift".Length]))).ToList();
        if (lines.Count != 1) return fromParser;
        var fields = new List<string>();
        var tokens = Tokens(lines[0]["#!btf-drift".Length..]);
        for (int i = 0; i < tokens.Count; i++)
        {
            if (tokens[i] is "--kernels") { i++; continue; }
            if (tokens[i] is "--help") continue;
            if (tokens[i] is "--fields") { if (++i < tokens.Count) fields.AddRange(List(tokens[i])); continue; }
            fields.AddRange(List(tokens[i]));
        }
        return fields;
    }

    private static List<string> Tokens(string text)
    {
        var tokens = new List<string>();
        var current = new System.Text.StringBuilder();
        bool quoted = false, any = false;
        foreach (char ch in text)
        {
            if (ch == '"') { quoted = !quoted; any = true; continue; }
            if (char.IsWhiteSpace(ch) && !quoted)
            {
                if (any) tokens.Add(current.ToString());
                current.Clear();
                any = false;
                continue;
            }
            current.Append(ch);
            any = true;
        }
        if (any) tokens.Add(current.ToString());
        return tokens;
    }

    private static string Required(string? value, string what) =>
        string.IsNullOrWhiteSpace(value) ? throw new NotebookException($"missing {what}") : Unquote(value);

    internal static string Unquote(string value) => value.Trim().Trim('"');
}
