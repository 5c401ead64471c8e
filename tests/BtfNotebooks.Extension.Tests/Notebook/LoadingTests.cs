using System.Xml.Linq;
using BtfNotebooks.Extension.Tests.Html;
using Microsoft.DotNet.Interactive;
using NUnit.Framework;
using static BtfNotebooks.Extension.Tests.Notebook.NotebookHarness;

namespace BtfNotebooks.Extension.Tests.Notebook;

/// <summary>
/// Loading the extension and kernels: <c>BtfNotebooksKernelExtension.Load</c>, <c>#!btf-load PATH [--name] [--base]</c>,
/// <c>#!btf-load --catalog DIR</c> and <c>#!btf-kernels</c>, with their bad inputs. Facts from data/kernels/MANIFEST.tsv.
/// </summary>
public class LoadingTests
{
    private static readonly string[] Directives =
        ["#!btf-load", "#!btf-kernels", "#!btf-layout", "#!btf-diff", "#!btf-c", "#!btf-drift", "#!bpf-load-elf", "#!bpf-relocate", "#!bpf-run"];

    /// <summary>The rows of the kernels table, by kernel name: name, release, arch, flavour, types, BTF bytes, file bytes, base, file.</summary>
    private static Dictionary<string, IReadOnlyList<string>> KernelRows(CellResult cell) =>
        cell.Fragment("kernels").Descendants("tbody").Single().Elements("tr")
            .ToDictionary(r => (string)r.Attribute("data-kernel")!, r => r.CellTexts());

    [Test]
    public async Task Loading_the_extension_twice_changes_nothing()
    {
        using var nb = new NotebookHarness();
        var session = BtfNotebooksKernelExtension.Load(nb.Kernel);
        Assert.That(session, Is.SameAs(nb.Session), "one session per root kernel");
        // Loaded through a child kernel, as #r "nuget:..." in a C# cell would, and through IKernelExtension.
        Assert.That(BtfNotebooksKernelExtension.Load(nb.Kernel.FindKernelByName("csharp")!), Is.SameAs(nb.Session));
        await new BtfNotebooksKernelExtension().OnLoadAsync(nb.Kernel);

        foreach (var name in Directives)
            Assert.That(nb.Kernel.KernelInfo.SupportedDirectives.Count(d => d.Name == name), Is.EqualTo(1), name);
        Assert.That(nb.Kernel.ChildKernels.Count(k => k is BpfKernel), Is.EqualTo(1), "one #!bpf kernel");

        // From a cell, the second load says so.
        var again = await nb.Ok("BtfNotebooks.Extension.BtfNotebooksKernelExtension.Load(Microsoft.DotNet.Interactive.KernelInvocationContext.Current.HandlingKernel.RootKernel);");
        Assert.That(again.Text, Does.Contain("already loaded"));

        // And every kind of cell still works once.
        var load = await nb.Ok($"#!btf-load {KernelFile(Debian61)}");
        Assert.That(KernelRows(load).Keys, Is.EqualTo(new[] { Debian61 }));
        var layout = await nb.Ok("#!btf-layout file");
        Assert.That(layout.Fragments().Count(f => f.HasClass("btfnb-layout")), Is.EqualTo(1), "the layout shown once, not once per load");
        await nb.Ok("#!bpf --name p\nr0 = 1\nexit");
        await nb.Ok("#!bpf-run p");
    }

    [Test]
    public async Task A_compressed_kernel_loads_under_its_file_name_with_the_manifests_facts()
    {
        using var nb = new NotebookHarness();
        var cell = await nb.Ok($"#!btf-load {KernelFile(Debian61)}");
        var row = KernelRows(cell)[Debian61];
        Assert.That(row.Take(4), Is.EqualTo(new[] { Debian61, "6.1.0-56-amd64", "amd64", "generic" }));
        Assert.That(row[4], Is.EqualTo("100750"), "types, parsed at load (MANIFEST.tsv: 100750)");
        Assert.That(row[5], Is.EqualTo("4359789"), "raw BTF bytes (MANIFEST.tsv raw_size)");
        Assert.That(row[6], Is.EqualTo("1046680"), "file bytes (MANIFEST.tsv xz_size)");
        Assert.That(row[7], Is.Empty, "no base");
        Assert.That(cell.Fragment("kernels").Title(), Is.EqualTo($"Loaded {Debian61}"));
        Assert.That(nb.Session.Kernels.Names, Is.EqualTo(new[] { Debian61 }));
    }

    [Test]
    public async Task Name_gives_the_kernel_another_name()
    {
        using var nb = new NotebookHarness();
        var cell = await nb.Ok($"#!btf-load {KernelFile(Local618)} --name k618");
        Assert.That(KernelRows(cell).Keys, Is.EqualTo(new[] { "k618" }));
        Assert.That(KernelRows(cell)["k618"][1], Is.EqualTo("6.18.44-fc-v669"));
        await nb.Ok("#!btf-layout task_struct --kernel k618");
    }

    [Test]
    public async Task A_split_module_loads_on_the_base_named_with_base()
    {
        using var nb = new NotebookHarness();
        await nb.Ok($"#!btf-load {KernelFile(Debian61)} --name vmlinux61");
        var cell = await nb.Ok($"#!btf-load {KernelFile(Ext4)} --name ext4 --base vmlinux61");
        var row = KernelRows(cell)["ext4"];
        Assert.That(row[7], Is.EqualTo("vmlinux61"), "base column");
        Assert.That(row[4], Is.EqualTo("2928"), "the module's own types (MANIFEST.tsv: 2928)");
        Assert.That(row[1], Is.EqualTo("6.1.0-56-amd64"));
        // The module's types see the base's: ext4_sb_info exists only in ext4.ko.
        var layout = await nb.Ok("#!btf-layout ext4_sb_info --kernel ext4");
        Assert.That(layout.Fragment("layout").Shown(), Does.Contain("s_es"));
        Assert.That(await nb.Fails("#!btf-layout ext4_sb_info --kernel vmlinux61"), Does.Contain("ext4_sb_info"));
    }

    [Test]
    public async Task A_split_module_without_base_finds_it_from_the_manifest()
    {
        using var nb = new NotebookHarness();
        await nb.Ok($"#!btf-load {KernelFile(Debian61)}");
        var cell = await nb.Ok($"#!btf-load {KernelFile(NfConntrack)}");
        Assert.That(KernelRows(cell)[NfConntrack][7], Is.EqualTo(Debian61));
        var layout = await nb.Ok($"#!btf-layout nf_conn --kernel {NfConntrack}");
        Assert.That(layout.Fragment("layout").Shown(), Does.Contain("ct_general"));
    }

    [Test]
    public async Task A_split_module_whose_base_is_not_loaded_fails_naming_the_base()
    {
        using var nb = new NotebookHarness();
        var error = await nb.Fails($"#!btf-load {KernelFile(Ext4)}");
        Assert.That(error, Does.Contain("split BTF").And.Contain("debian-6.1.0-56-amd64.btf.xz"));
        Assert.That(nb.Session.Kernels.Count, Is.Zero);
        Assert.That(await nb.Fails($"#!btf-load {KernelFile(Ext4)} --base nope"), Does.Contain("no kernel named 'nope'"));
    }

    [Test]
    public async Task Loading_the_same_file_again_is_harmless()
    {
        using var nb = new NotebookHarness();
        var first = await nb.Ok($"#!btf-load {KernelFile(Debian61)}");
        var second = await nb.Ok($"#!btf-load {KernelFile(Debian61)}");
        Assert.That(KernelRows(second), Is.EqualTo(KernelRows(first)));
        await nb.Ok($"#!btf-load {KernelFile(Local618)} --name k");
        await nb.Ok($"#!btf-load {KernelFile(Local618)} --name k");
        await nb.Ok($"#!btf-load {KernelFile(Local618)}"); // no name: the entry already there
        Assert.That(nb.Session.Kernels.Names, Is.EqualTo(new[] { Debian61, "k" }));
    }

    [Test]
    public async Task Reloading_under_the_same_name_in_another_case_is_the_same_kernel()
    {
        using var nb = new NotebookHarness();
        await nb.Ok($"#!btf-load {KernelFile(Debian61)} --name Six");
        var again = await nb.Ok($"#!btf-load {KernelFile(Debian61)} --name six");
        Assert.That(KernelRows(again).Keys, Is.EqualTo(new[] { "Six" }), "names are compared ignoring case, as --kernel finds them");
        Assert.That(nb.Session.Kernels.Names, Is.EqualTo(new[] { "Six" }));
        await nb.Ok("#!btf-layout file --kernel SIX");
    }

    [Test]
    public async Task Paths_with_spaces_are_quoted()
    {
        using var nb = new NotebookHarness();
        var dir = Directory.CreateTempSubdirectory("btfnb nb ");
        try
        {
            string file = Path.Combine(dir.FullName, "my kernel.btf.xz");
            File.Copy(KernelFile(Local618), file);
            var cell = await nb.Ok($"#!btf-load \"{file}\"");
            Assert.That(KernelRows(cell).Keys, Is.EqualTo(new[] { "my kernel" }));
            await nb.Ok("#!btf-layout task_struct --kernel \"my kernel\"");
            var catalog = await nb.Ok($"#!btf-load --catalog \"{dir.FullName}\"");
            Assert.That(KernelRows(catalog).Keys, Is.EqualTo(new[] { "my kernel" }), "the same file: kept");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Test]
    public async Task A_taken_name_with_another_file_fails()
    {
        using var nb = new NotebookHarness();
        await nb.Ok($"#!btf-load {KernelFile(Debian61)} --name k");
        var error = await nb.Fails($"#!btf-load {KernelFile(Local618)} --name k");
        Assert.That(error, Does.Contain("already has a kernel named 'k'").And.Contain("local-6.18-amd64.btf.xz"));
        Assert.That(nb.Session.Kernels.Names, Is.EqualTo(new[] { "k" }));
        Assert.That(nb.Session.Kernels["k"].Release, Is.EqualTo("6.1.0-56-amd64"), "the first file keeps the name");
    }

    [Test]
    public async Task A_missing_file_fails_naming_it()
    {
        using var nb = new NotebookHarness();
        string path = Path.Combine(Path.GetTempPath(), $"btfnb-no-such-{Guid.NewGuid():N}.btf");
        Assert.That(await nb.Fails($"#!btf-load {path}"), Does.Contain("not found").And.Contain(path));
        Assert.That(nb.Session.Kernels.Count, Is.Zero);
    }

    [TestCase(new byte[] { 0x9f, 0xeb, 0x01, 0x00, 0x18, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0 },
        "offset 0x8 (8): type section offset 65535 is not 4-byte aligned", TestName = "BTF magic with a bad header")]
    [TestCase(new byte[] { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, "offset 0x0 (0): not BTF: unrecognised content (first bytes: de ad be ef",
        TestName = "garbage bytes")]
    public async Task A_malformed_file_fails_saying_what_is_wrong_and_is_not_kept(byte[] bytes, string expected)
    {
        using var nb = new NotebookHarness();
        string path = nb.Temp(bytes, ".btf");
        var error = await nb.Fails($"#!btf-load {path} --name bad");
        Assert.That(error, Is.EqualTo($"{path}, {expected}").Or.StartWith($"{path}, {expected}"));

        // The broken file is not left in the catalog: the notebook behaves as if the cell had not run.
        Assert.That(nb.Session.Kernels.Names, Is.Empty);
        var kernels = await nb.Ok("#!btf-kernels");
        Assert.That(KernelRows(kernels), Is.Empty);
        await nb.Ok($"#!btf-load {KernelFile(Debian61)} --name bad");
        await nb.Ok("#!btf-layout file");
    }

    [Test]
    public async Task A_malformed_file_that_is_fixed_can_be_loaded_again()
    {
        using var nb = new NotebookHarness();
        string path = nb.Temp([1, 2, 3, 4, 5, 6, 7, 8], ".btf.xz");
        await nb.Fails($"#!btf-load {path}");
        File.Copy(KernelFile(Local618), path, overwrite: true);
        var cell = await nb.Ok($"#!btf-load {path}");
        string name = Path.GetFileName(path)[..^".btf.xz".Length];
        Assert.That(KernelRows(cell)[name][4], Is.EqualTo("126610"));
        Assert.That(nb.Session.Kernels.Names, Is.EqualTo(new[] { name }));
    }

    [TestCase("#!btf-load {0} --catalog {1}", TestName = "both a file and a folder")]
    [TestCase("#!btf-load", TestName = "neither a file nor a folder")]
    [TestCase("#!btf-load --name x", TestName = "only a name")]
    public async Task A_file_or_a_folder_not_both_and_not_neither(string cell)
    {
        using var nb = new NotebookHarness();
        var error = await nb.Fails(string.Format(cell, KernelFile(Debian61), Data("data", "kernels")));
        Assert.That(error, Does.Contain("not both and not neither"));
        Assert.That(nb.Session.Kernels.Count, Is.Zero);
    }

    [Test]
    public async Task Catalog_loads_every_kernel_of_the_folder()
    {
        using var nb = new NotebookHarness();
        string dir = Data("data", "kernels");
        var manifest = File.ReadAllLines(Path.Combine(dir, "MANIFEST.tsv")).Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split('\t')).ToDictionary(f => f[0][..^".btf.xz".Length], f => (Release: f[1], Arch: f[2]));
        var cell = await nb.Ok($"#!btf-load --catalog {dir}");
        var rows = KernelRows(cell);
        Assert.That(cell.Fragment("kernels").Title(), Is.EqualTo($"Loaded {manifest.Count} kernel(s) from {dir}"));
        Assert.That(rows.Keys, Is.EquivalentTo(manifest.Keys), "one row per file, named after it");
        foreach (var (name, facts) in manifest)
        {
            Assert.That(rows[name][1], Is.EqualTo(facts.Release), $"{name}: release");
            Assert.That(rows[name][2], Is.EqualTo(facts.Arch), $"{name}: arch");
        }
        Assert.That(rows[Ext4][7], Is.EqualTo(Debian61), "modules on their base");
        Assert.That(rows[NfConntrack][7], Is.EqualTo(Debian61));
        Assert.That(rows[Debian612Arm][4], Does.Contain("not parsed yet"), "a catalog is listed without decompressing it");

        // Loading the folder again keeps what is there.
        var again = await nb.Ok($"#!btf-load --catalog {dir}");
        Assert.That(KernelRows(again).Keys, Is.EquivalentTo(manifest.Keys));
        Assert.That(nb.Session.Kernels.Count, Is.EqualTo(manifest.Count));
    }

    [Test]
    public async Task Catalog_keeps_a_kernel_already_loaded_from_one_of_its_files()
    {
        using var nb = new NotebookHarness();
        await nb.Ok($"#!btf-load {KernelFile(Local618)} --name mine");
        var cell = await nb.Ok($"#!btf-load --catalog {Data("data", "kernels")}");
        var rows = KernelRows(cell);
        Assert.That(rows.Keys, Does.Contain("mine").And.Not.Contain(Local618));
        Assert.That(nb.Session.Kernels.Count, Is.EqualTo(rows.Count));
    }

    [Test]
    public async Task Catalog_of_a_missing_folder_fails_naming_it()
    {
        using var nb = new NotebookHarness();
        string dir = Path.Combine(Path.GetTempPath(), $"btfnb-no-such-{Guid.NewGuid():N}");
        Assert.That(await nb.Fails($"#!btf-load --catalog {dir}"), Does.Contain(dir).And.Contain("does not exist"));
        Assert.That(await nb.Fails($"#!btf-load --catalog {KernelFile(Debian61)}"), Does.Contain("is a file, not a kernel folder"));
        Assert.That(await nb.Fails($"#!btf-load --catalog {Data("data", "kernels")} --name x"), Does.Contain("--name and --base apply to one file"));
        Assert.That(nb.Session.Kernels.Count, Is.Zero);
    }

    [Test]
    public async Task Kernels_lists_nothing_before_loading_and_each_kernel_after()
    {
        using var nb = new NotebookHarness();
        var before = await nb.Ok("#!btf-kernels");
        Assert.That(KernelRows(before), Is.Empty);
        Assert.That(before.Fragment("kernels").Shown(), Does.Contain("No kernel is loaded"));

        await nb.Ok($"#!btf-load {KernelFile(Local618)}");
        await nb.Ok($"#!btf-load {KernelFile(Debian61)}");
        await nb.Ok($"#!btf-load {KernelFile(Ext4)}");
        var after = await nb.Ok("#!btf-kernels");
        var table = after.Fragment("kernels");
        Assert.That(table.Shown(), Does.Not.Contain("No kernel is loaded"));
        // In version order, modules after their vmlinux.
        Assert.That(table.Descendants("tbody").Single().Elements("tr").Select(r => (string?)r.Attribute("data-kernel")),
            Is.EqualTo(new[] { Debian61, Ext4, Local618 }));
        var rows = KernelRows(after);
        Assert.That(rows[Local618].Take(3), Is.EqualTo(new[] { Local618, "6.18.44-fc-v669", "amd64" }));
        Assert.That(rows[Ext4][7], Is.EqualTo(Debian61));
        Assert.That(rows[Local618][8], Is.EqualTo("local-6.18-amd64.btf.xz"), "file column");
    }

    [Test]
    public async Task A_failed_load_leaves_the_notebook_working()
    {
        using var nb = new NotebookHarness();
        await nb.Fails("#!btf-load /definitely/not/here.btf");
        await nb.Ok($"#!btf-load {KernelFile(Debian61)}");
        var cell = await nb.Ok("1 + 1");
        Assert.That(cell.Events.OfType<Microsoft.DotNet.Interactive.Events.ReturnValueProduced>().Single().Value, Is.EqualTo(2));
    }
}
