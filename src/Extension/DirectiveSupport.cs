using System.Text;
using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.CoRe;
using BtfNotebooks.Elf;
using BtfNotebooks.Vm;
using Microsoft.AspNetCore.Html;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Directives;

namespace BtfNotebooks.Extension;

/// <summary>Shared pieces of the magic commands: parameters with completions, help, and turning failures into messages.</summary>
internal static class DirectiveSupport
{
    public const string HtmlMime = "text/html";

    public static KernelDirectiveParameter Help() => new("--help", "Show what this command does and its parameters") { Flag = true };

    public static KernelDirectiveParameter KernelParameter(NotebookSession session, string name, string description, bool implicitName = false) =>
        new KernelDirectiveParameter(name, description) { AllowImplicitName = implicitName }
            .AddCompletions(() => session.Kernels.Select(e => e.Name));

    public static KernelDirectiveParameter ProgramParameter(NotebookSession session, string name, string description, bool implicitName = false) =>
        new KernelDirectiveParameter(name, description) { AllowImplicitName = implicitName }
            .AddCompletions(() => session.Programs.Keys.Order(StringComparer.Ordinal));

    /// <summary>Struct, union, enum and typedef names of the loaded kernels (the first few kernels are enough: names rarely differ).</summary>
    public static KernelDirectiveParameter TypeParameter(NotebookSession session, string name, string description, bool implicitName = true) =>
        new KernelDirectiveParameter(name, description) { AllowImplicitName = implicitName }
            .AddCompletions(() => session.TypeNameCompletions());

    /// <summary>
    /// Runs a command body: <c>--help</c> shows the directive's help instead; a failure the user can act on becomes a
    /// failed command with a message naming what is wrong (the kernel keeps working).
    /// </summary>
    public static async Task Run(KernelInvocationContext context, KernelCommand command, KernelActionDirective? directive, bool help, Func<Task> body,
        string? assemblyText = null)
    {
        if (help && directive is not null)
        {
            context.DisplayAs(HelpText(directive), "text/markdown");
            return;
        }
        try
        {
            await body();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Assembly errors also get a table pointing at each line and column of the cell.
            if (e is AssemblyException assembly && assemblyText is not null)
                Show(context, Renderers.AssemblyErrors(assembly, assemblyText));
            context.Fail(command, null, Message(e));
        }
    }

    public static Task Run(KernelInvocationContext context, KernelCommand command, KernelActionDirective directive, bool help, Action body) =>
        Run(context, command, directive, help, () => { body(); return Task.CompletedTask; });

    public static void Show(KernelInvocationContext context, string html) => KernelInvocationContextExtensions.Display(context, new HtmlString(html), HtmlMime);

    /// <summary>The message for a failure: the library's own precise text, with the kind of input named.</summary>
    public static string Message(Exception e) => e switch
    {
        NotebookException or ArgumentException or KeyNotFoundException => e.Message,
        FileNotFoundException f => $"file not found: {f.FileName ?? f.Message}",
        DirectoryNotFoundException => e.Message,
        BtfFormatException or BtfLookupException => e.Message,
        ElfFormatException => e.Message,
        AssemblyException a => a.Message,
        BpfEncodingException => e.Message,
        BpfRuntimeException r => $"the program faulted: {r.Message}",
        CoreRelocationException => e.Message,
        Kernels.KernelCatalogException or Kernels.KernelObjectException => e.Message,
        IOException or UnauthorizedAccessException => e.Message,
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    public static string HelpText(KernelActionDirective directive)
    {
        var text = new StringBuilder();
        text.Append("**`").Append(directive.Name).Append("`** — ").Append(directive.Description).Append("\n\n");
        foreach (var p in directive.Parameters)
        {
            text.Append("- `").Append(p.AllowImplicitName ? $"[{p.Name}] VALUE" : p.Flag ? p.Name : $"{p.Name} VALUE").Append('`');
            if (p.Required) text.Append(" (required)");
            text.Append(": ").Append(p.Description).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Comma- or space-separated list parameter ("a,b c") into its items.</summary>
    public static IReadOnlyList<string> List(string? value) =>
        value is null ? [] : value.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static AsmSyntax? Syntax(string? value) => value?.ToLowerInvariant() switch
    {
        null or "" => null,
        "llvm" => AsmSyntax.Llvm,
        "conformance" or "ubpf" => AsmSyntax.Conformance,
        _ => throw new NotebookException($"--syntax is llvm or conformance, not '{value}'"),
    };

    /// <summary>A name a C# cell can use as a variable: letters, digits and _, not starting with a digit, not a keyword ("int", "fixed").</summary>
    public static bool IsIdentifier(string name) =>
        name.Length > 0 && (char.IsLetter(name[0]) || name[0] == '_') && name.All(c => char.IsLetterOrDigit(c) || c == '_') &&
        Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) == Microsoft.CodeAnalysis.CSharp.SyntaxKind.None;
}
