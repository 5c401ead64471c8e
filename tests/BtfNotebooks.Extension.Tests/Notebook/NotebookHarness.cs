using System.Xml.Linq;
using BtfNotebooks.Extension;
using BtfNotebooks.Extension.Tests.Html;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using NUnit.Framework;

namespace BtfNotebooks.Extension.Tests.Notebook;

/// <summary>
/// A notebook in-process: a CompositeKernel with a C# kernel, the extension loaded, cells submitted as a user would
/// and their displayed HTML, text and errors collected.
/// </summary>
public sealed class NotebookHarness : IDisposable
{
    public CompositeKernel Kernel { get; }
    public NotebookSession Session { get; }

    public NotebookHarness()
    {
        Kernel = new CompositeKernel { new CSharpKernel() };
        Kernel.DefaultKernelName = "csharp";
        Session = BtfNotebooksKernelExtension.Load(Kernel);
        // What #r "nuget: BtfNotebooks.Extension" does in a real notebook: C# cells see the extension and Core.
        var references = string.Join('\n', new[] { typeof(NotebookSession), typeof(BtfNotebooks.Btf.BtfSpec) }.Select(t => $"#r \"{t.Assembly.Location}\""));
        var result = Kernel.SendAsync(new SubmitCode(references)).GetAwaiter().GetResult();
        if (result.Events.OfType<CommandFailed>().FirstOrDefault() is { } failed) throw new InvalidOperationException(failed.Message);
    }

    public async Task<CellResult> Run(string code)
    {
        var result = await Kernel.SendAsync(new SubmitCode(code));
        return new CellResult(code, result.Events);
    }

    /// <summary>Runs a cell that must succeed.</summary>
    public async Task<CellResult> Ok(string code)
    {
        var cell = await Run(code);
        Assert.That(cell.Error, Is.Null, $"cell failed:\n{code}");
        return cell;
    }

    /// <summary>Runs a cell that must fail; returns the error message.</summary>
    public async Task<string> Fails(string code)
    {
        var cell = await Run(code);
        Assert.That(cell.Error, Is.Not.Null, $"cell should have failed:\n{code}\nbut displayed:\n{cell.Html}{cell.Text}");
        return cell.Error!;
    }

    /// <summary>The completions the kernel offers for <paramref name="code"/> with the cursor at <paramref name="column"/> of line 0.</summary>
    public async Task<IReadOnlyList<string>> Completions(string code, int? column = null)
    {
        var result = await Kernel.SendAsync(new RequestCompletions(code, new LinePosition(0, column ?? code.Length)));
        var produced = result.Events.OfType<CompletionsProduced>().SingleOrDefault();
        Assert.That(produced, Is.Not.Null, $"no CompletionsProduced for '{code}': {string.Join(", ", result.Events.Select(e => e.GetType().Name))}");
        return [.. produced!.Completions.Select(c => c.InsertText ?? c.DisplayText)];
    }

    public const string Debian6154 = "debian-6.1.0-54-amd64";
    public const string Debian61 = "debian-6.1.0-56-amd64";
    public const string Ext4 = "debian-6.1.0-56-amd64.ext4";
    public const string NfConntrack = "debian-6.1.0-56-amd64.nf_conntrack";
    public const string Debian612 = "debian-6.12.117+deb12-amd64";
    public const string Debian612Arm = "debian-6.12.117+deb12-arm64";
    public const string Local618 = "local-6.18-amd64";

    /// <summary>A notebook with these shipped kernels loaded (by file, under their file names).</summary>
    public static async Task<NotebookHarness> With(params string[] kernels)
    {
        var nb = new NotebookHarness();
        foreach (var k in kernels) await nb.Ok($"#!btf-load {KernelFile(k)}");
        return nb;
    }

    public static string Data(params string[] parts) => Path.Combine([RepoRoot, .. parts]);

    public static string KernelFile(string name) => Data("data", "kernels", name + ".btf.xz");

    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BtfNotebooks.sln"))) return dir.FullName;
        throw new InvalidOperationException("BtfNotebooks.sln not found above the test directory");
    }

    private readonly List<string> _temps = [];

    /// <summary>A temporary file holding <paramref name="bytes"/>, deleted when the notebook is disposed.</summary>
    public string Temp(byte[] bytes, string suffix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"btfnb-nb-{Guid.NewGuid():N}{suffix}");
        File.WriteAllBytes(path, bytes);
        _temps.Add(path);
        return path;
    }

    public void Dispose()
    {
        Kernel.Dispose();
        foreach (var t in _temps)
        {
            try { File.Delete(t); } catch (IOException) { }
        }
    }
}

public sealed class CellResult(string code, IReadOnlyList<KernelEvent> events)
{
    public string Code { get; } = code;
    public IReadOnlyList<KernelEvent> Events { get; } = events;

    /// <summary>All text/html shown by the cell, concatenated.</summary>
    public string Html => string.Concat(Formatted("text/html"));

    /// <summary>All text/plain and text/markdown shown by the cell.</summary>
    public string Text => string.Concat(Formatted("text/plain").Concat(Formatted("text/markdown")));

    public string? Error => Events.OfType<CommandFailed>().FirstOrDefault()?.Message;

    /// <summary>Each text/html value the cell displayed, in order.</summary>
    public IReadOnlyList<string> HtmlParts => [.. Formatted("text/html")];

    /// <summary>
    /// Every HTML fragment the cell showed (the root divs of class btfnb), each parsed strictly as XML with
    /// <see cref="HtmlTestSupport.Parse"/>. Parts that carry a script (the drift chart) are not XML and are left out.
    /// </summary>
    public IReadOnlyList<XElement> Fragments()
    {
        var list = new List<XElement>();
        foreach (var part in HtmlParts.Where(p => !p.Contains("<script", StringComparison.OrdinalIgnoreCase)))
        {
            XDocument doc;
            try { doc = XDocument.Parse("<root>" + part + "</root>", LoadOptions.PreserveWhitespace); }
            catch (System.Xml.XmlException e) { throw new AssertionException($"not well-formed: {e.Message}\n{part}"); }
            // A fragment may sit inside a wrapper (the program's "conformance syntax" details): take the outermost ones.
            var roots = doc.Root!.Descendants("div").Where(d => d.HasClass("btfnb") && !d.Ancestors("div").Any(a => a.HasClass("btfnb")));
            foreach (var div in roots) list.Add(HtmlTestSupport.Parse(div.ToString(SaveOptions.DisableFormatting)));
        }
        return list;
    }

    /// <summary>The one fragment of kind <paramref name="kind"/> (class btfnb-KIND).</summary>
    public XElement Fragment(string kind)
    {
        var found = Fragments().Where(f => f.HasClass("btfnb-" + kind)).ToList();
        Assert.That(found, Has.Count.EqualTo(1), $"one btfnb-{kind} fragment; the cell showed: {string.Join(", ", Fragments().Select(f => (string?)f.Attribute("class")))}");
        return found[0];
    }

    private IEnumerable<string> Formatted(string mime) =>
        Events.OfType<DisplayEvent>().SelectMany(e => e.FormattedValues).Where(v => v.MimeType == mime).Select(v => v.Value);
}

/// <summary>Reading the fragments a cell shows.</summary>
public static class NotebookHtml
{
    /// <summary>The text of the fragment's first title.</summary>
    public static string Title(this XElement fragment) => fragment.Descendants("div").First(d => d.HasClass("title")).Value;

    /// <summary>What a reader sees: the fragment's text without its style sheet.</summary>
    public static string Shown(this XElement fragment) =>
        string.Concat(fragment.DescendantNodes().OfType<XText>().Where(t => t.Parent?.Name.LocalName != "style").Select(t => t.Value));
}
