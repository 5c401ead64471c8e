using System.Collections.Concurrent;
using System.Xml.Linq;
using BtfNotebooks.Btf;
using NUnit.Framework;

namespace BtfNotebooks.Extension.Tests.Html;

/// <summary>
/// What the HTML tests share: the shipped kernels (found by walking up to the folder holding BtfNotebooks.sln, since
/// this project copies no data files) and a strict parse of a fragment as XML, which is how the tests read it.
/// </summary>
public static class HtmlTestSupport
{
    public const string Debian61 = "debian-6.1.0-56-amd64";
    public const string Debian612 = "debian-6.12.117+deb12-amd64";
    public const string Local618 = "local-6.18-amd64";

    private static readonly ConcurrentDictionary<string, BtfSpec> Specs = new();

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>A kernel shipped in data/kernels, parsed once per test run.</summary>
    public static BtfSpec Kernel(string name) =>
        Specs.GetOrAdd(name, n => BtfSpec.Load(Path.Combine(RepoRoot, "data", "kernels", n + ".btf.xz")));

    /// <summary>
    /// The fragment inside a root element, parsed as XML: it must be well formed. Checks what every fragment
    /// promises: one root div with the scoping class and exactly one style element.
    /// </summary>
    public static XElement Parse(string fragment)
    {
        XDocument doc;
        try { doc = XDocument.Parse("<root>" + fragment + "</root>", LoadOptions.PreserveWhitespace); }
        catch (System.Xml.XmlException e) { throw new AssertionException($"not well-formed: {e.Message}\n{fragment}"); }
        var root = doc.Root!;
        Assert.That(root.Elements().Count(), Is.EqualTo(1), "one root element");
        var div = root.Elements().Single();
        Assert.That(div.Name.LocalName, Is.EqualTo("div"));
        Assert.That(ClassesOf(div), Does.Contain("btfnb"));
        Assert.That(div.Descendants("style").Count(), Is.EqualTo(1), "one style block per fragment");
        var style = div.Descendants("style").Single().Value;
        foreach (var rule in style.Split('}', StringSplitOptions.RemoveEmptyEntries))
        {
            var selectors = rule[..rule.IndexOf('{')];
            foreach (var selector in selectors.Split(','))
                Assert.That(selector.Trim(), Does.StartWith(".btfnb"), $"rule '{rule}' is not scoped");
        }
        return div;
    }

    public static string[] ClassesOf(XElement e) => ((string?)e.Attribute("class") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public static bool HasClass(this XElement e, string cls) => ClassesOf(e).Contains(cls);

    public static IEnumerable<XElement> WithClass(this XElement e, string element, string cls) =>
        e.Descendants(element).Where(x => x.HasClass(cls));

    /// <summary>The text a reader sees (entities decoded).</summary>
    public static string Text(this XElement e) => e.Value;

    public static IReadOnlyList<string> CellTexts(this XElement row) => row.Elements().Where(c => c.Name.LocalName is "td" or "th").Select(c => c.Value).ToList();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BtfNotebooks.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (BtfNotebooks.sln) above " + TestContext.CurrentContext.TestDirectory);
    }
}
