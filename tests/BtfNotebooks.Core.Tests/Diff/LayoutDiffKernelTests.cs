using System.Text.RegularExpressions;
using BtfNotebooks.Btf.Diff;
using BtfNotebooks.Tests.Layout;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Diff;

/// <summary>
/// Layout diffs of real kernel structs across the shipped kernels. The numbers were read from pahole 1.24
/// (<c>pahole -F btf -C file|task_struct</c> on each blob) and are written down so these run without pahole;
/// <see cref="EveryCellAgreesWithPahole"/> re-reads them from pahole where it is installed.
/// </summary>
public class LayoutDiffKernelTests
{
    private static readonly string[] Three = [TestKernels.Debian61, TestKernels.Debian612, TestKernels.Local618];

    private static LayoutDiff Diff(string type, params string[] kernels) =>
        LayoutDiff.Compute(type, kernels.Select(k => (k, TestKernels.Spec(k))));

    private static LayoutDiffRow Row(LayoutDiff diff, string path) =>
        diff.Rows.SingleOrDefault(r => r.Path == path) ?? throw new AssertionException($"{diff.Name} has no row '{path}'");

    [Test]
    public void FilePathMovesFrom16To64Between61And612()
    {
        var diff = Diff("file", Three);
        Assert.That(diff.Name, Is.EqualTo("struct file"));
        Assert.That(diff.Kernels.Select(k => k.Size), Is.EqualTo(new[] { 232L, 184L, 184L }));
        Assert.That(diff.Kernels.Select(k => k.Cachelines), Is.EqualTo(new[] { 4L, 3L, 3L }));
        Assert.That(diff.Kernels.Select(k => (k.HoleCount, k.HoleBytes)), Is.EqualTo(new[] { (1, 4L), (0, 0L), (0, 0L) }));

        var path = Row(diff, "f_path");
        var (reference, in612, in618) = (path.Cells[0], path.Cells[1], path.Cells[2]);
        Assert.That((reference.ByteOffset, reference.Size, reference.TypeName), Is.EqualTo((16L, 16L, "struct path")));
        Assert.That(reference.Change, Is.EqualTo(LayoutChange.Same));
        Assert.That((in612.ByteOffset, in612.Size, in612.Change), Is.EqualTo((64L, 16L, LayoutChange.Moved)));
        Assert.That(in612.Describe(), Is.EqualTo(new[] { "moved 16 → 64" }));
        // 6.18 wraps it in an anonymous union with __f_path and makes it const: same path, so the same row.
        Assert.That((in618.ByteOffset, in618.Member!.Depth, in618.TypeName), Is.EqualTo((64L, 1, "const struct path")));
        Assert.That(in618.Change, Is.EqualTo(LayoutChange.Moved | LayoutChange.Retyped));
        Assert.That(in618.Describe("->"), Is.EqualTo(new[] { "moved 16 -> 64", "retyped struct path -> const struct path" }));
        Assert.That(path.Depth, Is.EqualTo(0), "the row takes the reference's nesting");
    }

    [Test]
    public void FileOwnerBecomesAPointer()
    {
        var owner = Row(Diff("file", Three), "f_owner");
        // 6.1: struct fown_struct f_owner /* 112 32 */; 6.12: struct fown_struct * f_owner /* 128 8 */; 6.18: /* 56 8 */
        Assert.That(owner.Cells.Select(c => (c.ByteOffset, c.Size)), Is.EqualTo(new[] { (112L, 32L), (128L, 8L), (56L, 8L) }));
        Assert.That(owner.Cells[1].Change, Is.EqualTo(LayoutChange.Moved | LayoutChange.Resized | LayoutChange.Retyped));
        Assert.That(owner.Cells[1].Describe(), Is.EqualTo(new[]
        {
            "moved 112 → 128", "resized 32 → 8", "retyped struct fown_struct → struct fown_struct *",
        }));
    }

    [Test]
    public void MembersOnlyInOlderOrNewerKernelsAreRemovedOrAdded()
    {
        var diff = Diff("file", Three);
        // f_version: u64 at 184 in 6.1 only. f_pipe: u64 at 80, in 6.12 and 6.18. f_ref: file_ref_t at 176, 6.18 only.
        var version = Row(diff, "f_version");
        Assert.That(version.Cells.Select(c => c.Change), Is.EqualTo(new[] { LayoutChange.Same, LayoutChange.Removed, LayoutChange.Removed }));
        Assert.That(version.Cells[2].Describe(), Is.EqualTo(new[] { "removed (was at 184)" }));
        Assert.That(version.Cells[2].OffsetText, Is.EqualTo("-"));

        var pipe = Row(diff, "f_pipe");
        Assert.That(pipe.Cells.Select(c => c.Change), Is.EqualTo(new[] { LayoutChange.Same, LayoutChange.Added, LayoutChange.Added }));
        Assert.That(pipe.Cells[0].Present, Is.False);
        Assert.That(pipe.Cells[1].Describe(), Is.EqualTo(new[] { "added at 80" }));
        Assert.That((pipe.TypeName, pipe.Depth), Is.EqualTo(("u64", 1)), "from the first kernel that has it");

        var fref = Row(diff, "f_ref");
        Assert.That(fref.Cells.Select(c => c.Change), Is.EqualTo(new[] { LayoutChange.Same, LayoutChange.Same, LayoutChange.Added }),
            "absent in the reference and in 6.12 is no change for 6.12");
        Assert.That((fref.Cells[2].ByteOffset, fref.Cells[2].Size), Is.EqualTo((176L, 8L)));
    }

    [Test]
    public void TaskStructPidAndMembersThatCameAndWent()
    {
        var diff = Diff("task_struct", Three);
        Assert.That(diff.Kernels.Select(k => k.Size), Is.EqualTo(new[] { 9792L, 9792L, 3264L }), "MANIFEST.tsv sizeof(task_struct)");

        var pid = Row(diff, "pid");
        Assert.That(pid.Cells.Select(c => c.ByteOffset), Is.EqualTo(new[] { 2416L, 2432L, 1264L }));
        Assert.That(pid.Cells.Select(c => c.Change), Is.EqualTo(new[] { LayoutChange.Same, LayoutChange.Moved, LayoutChange.Moved }));
        Assert.That(pid.Cells[2].Describe(), Is.EqualTo(new[] { "moved 2416 → 1264" }));

        // pahole: backing_dev_info /* 3328 8 */ in 6.1 only; blocked_on /* 2072 8 */ in 6.18 only;
        // bpf_net_context /* 5240 8 */ in 6.12 and /* 3016 8 */ in 6.18; mce_addr /* 5264 */, /* 5272 */, gone in 6.18.
        Assert.That(Row(diff, "backing_dev_info").Cells.Select(c => c.Change),
            Is.EqualTo(new[] { LayoutChange.Same, LayoutChange.Removed, LayoutChange.Removed }));
        var blockedOn = Row(diff, "blocked_on");
        Assert.That(blockedOn.Cells.Select(c => c.Change), Is.EqualTo(new[] { LayoutChange.Same, LayoutChange.Same, LayoutChange.Added }));
        Assert.That(blockedOn.Cells[2].ByteOffset, Is.EqualTo(2072));
        Assert.That(Row(diff, "bpf_net_context").Cells.Select(c => (c.Change, c.ByteOffset)),
            Is.EqualTo(new[] { (LayoutChange.Same, 0L), (LayoutChange.Added, 5240L), (LayoutChange.Added, 3016L) }));
        Assert.That(Row(diff, "mce_addr").Cells.Select(c => (c.Change, c.ByteOffset)),
            Is.EqualTo(new[] { (LayoutChange.Same, 5264L), (LayoutChange.Moved, 5272L), (LayoutChange.Removed, 0L) }));

        // 6.18 adds blocked_on and blocker right after pi_blocked_on, which the reference has.
        var paths = diff.Rows.Select(r => r.Path).ToList();
        int at = paths.IndexOf("pi_blocked_on");
        Assert.That(paths.Skip(at).Take(3), Is.EqualTo(new[] { "pi_blocked_on", "blocked_on", "blocker" }));
    }

    [Test]
    public void CountsAgreeWithTheCells()
    {
        var diff = Diff("file", Three);
        Assert.That(diff.Reference.Counts.Changed, Is.Zero);
        foreach (var k in diff.Kernels.Skip(1))
        {
            var cells = diff.Rows.Select(r => r.Cells[k.Index]).ToList();
            Assert.That(k.Counts.Added, Is.EqualTo(cells.Count(c => c.Has(LayoutChange.Added))));
            Assert.That(k.Counts.Removed, Is.EqualTo(cells.Count(c => c.Change == LayoutChange.Removed)));
            Assert.That(k.Counts.Moved, Is.EqualTo(cells.Count(c => c.Present && diff.Reference.Layout!.Find(c.Member!.Path) is { } r && r.BitOffset != c.BitOffset)));
            Assert.That(k.Counts.Same + k.Counts.Changed, Is.EqualTo(cells.Count(c => c.Present || c.Change == LayoutChange.Removed)));
        }
        // 6.12 against 6.1 by hand from pahole: removed f_rcuhead, f_version; added f_pipe, f_task_work, f_freeptr;
        // f_owner resized and retyped.
        var k612 = diff.Kernels[1].Counts;
        Assert.That((k612.Added, k612.Removed, k612.Resized, k612.Retyped), Is.EqualTo((3, 2, 1, 1)));
    }

    /// <summary>
    /// The merged order keeps the reference's order; a member new in a later kernel sits after its predecessor in
    /// that kernel, with only rows that kernel lacks in between; a kernel that does not reorder shared members
    /// (6.12 reorders struct file) keeps its whole order.
    /// </summary>
    [Test]
    public void MergedRowsFollowEachKernelsOrder()
    {
        var kernels = new[] { TestKernels.Debian61, TestKernels.Debian612, TestKernels.Local618, TestKernels.Debian612Arm, TestKernels.I386, TestKernels.S390 };
        int keptWhole = 0;
        foreach (var type in new[] { "file", "task_struct", "sk_buff", "mm_struct" })
        {
            var diff = Diff(type, kernels);
            var position = diff.Rows.Select((r, i) => (r.Path, i)).ToDictionary(x => x.Path, x => x.i);
            Assert.That(position, Has.Count.EqualTo(diff.Rows.Count), $"{type}: one row per path");
            Assert.That(diff.Rows.Where(r => r.Cells[0].Present).Select(r => r.Path),
                Is.EqualTo(diff.Reference.Layout!.Members.Where(m => !m.IsAnonymous).Select(m => m.Path)), $"{type}: reference order");
            var seen = new HashSet<string>();
            foreach (var k in diff.Kernels)
            {
                var own = k.Layout!.Members.Where(m => !m.IsAnonymous).Select(m => m.Path).ToList();
                Assert.That(own, Has.Count.EqualTo(diff.Rows.Count(r => r.Cells[k.Index].Present)), $"{type} in {k.Name}: every member has a row");
                var mine = own.ToHashSet();
                for (int i = 1; i < own.Count; i++)
                {
                    if (seen.Contains(own[i])) continue;
                    // new in this kernel: right after its predecessor, past rows this kernel lacks
                    int from = position[own[i - 1]], to = position[own[i]];
                    Assert.That(to, Is.GreaterThan(from), $"{type}: {own[i]} after {own[i - 1]} ({k.Name})");
                    Assert.That(diff.Rows.Skip(from + 1).Take(to - from - 1).Where(r => mine.Contains(r.Path)).Select(r => r.Path), Is.Empty,
                        $"{type}: only rows {k.Name} lacks between {own[i - 1]} and {own[i]}");
                }
                bool reorders = !own.Where(seen.Contains).Select(p => position[p]).SequenceEqual(own.Where(seen.Contains).Select(p => position[p]).Order());
                if (!reorders)
                {
                    Assert.That(own.Select(p => position[p]), Is.Ordered, $"{type} in {k.Name}");
                    keptWhole++;
                }
                seen.UnionWith(own);
            }
        }
        Assert.That(keptWhole, Is.GreaterThan(4), "most kernels do not reorder these structs");
    }

    [Test]
    public void MissingTypeIsAnAbsentColumnWithTheReason()
    {
        // struct ext4_sb_info is in the ext4 module's BTF (bpftool: [100830] STRUCT 'ext4_sb_info' size=2304), not in vmlinux.
        var diff = LayoutDiff.Compute("ext4_sb_info", [
            ("vmlinux", TestKernels.Spec(TestKernels.Debian61)),
            ("module", TestKernels.Spec(TestKernels.Ext4_61)),
        ]);
        Assert.That(diff.Reference.HasType, Is.False);
        Assert.That(diff.Reference.MissingReason, Does.Contain("ext4_sb_info"));
        Assert.That(diff.Kernels[1].Size, Is.EqualTo(2304));
        Assert.That(diff.Kernels[1].HasType, Is.True);
        Assert.That(diff.Rows.All(r => r.Cells[1].Change == LayoutChange.Added), "everything is new against a reference without the type");
        Assert.That(diff.ToText(), Does.Contain("absent: " + diff.Reference.MissingReason));

        Assert.Throws<BtfNotebooks.Btf.BtfLookupException>(() => Diff("no_such_struct_anywhere", TestKernels.Debian61, TestKernels.Local618));
        Assert.Throws<ArgumentException>(() => Diff("file", TestKernels.Debian61));
    }

    [Test]
    public void TextTableShowsOffsetsMarksAndTotals()
    {
        var diff = Diff("file", Three);
        var text = diff.ToText();
        var lines = text.Split('\n');
        Assert.That(lines[0], Is.EqualTo($"struct file in 3 kernels against [1]: {diff.Rows.Count} members, {diff.ChangedRows.Count()} changed"));
        Assert.That(lines[1], Does.StartWith("[1] " + TestKernels.Debian61).And.EndWith("size 232, 4 cachelines, 1 hole (4 bytes), padding 0"));
        Assert.That(lines[2], Does.StartWith("[2] " + TestKernels.Debian612).And.Contain("size 184, 3 cachelines, 0 holes (0 bytes), padding 0; ")
            .And.EndWith(diff.Kernels[1].Counts.ToString()));
        // Columns are left-aligned under their headers: cut each line at the header's column starts.
        var head = lines.First(l => l.StartsWith("member ", StringComparison.Ordinal));
        int[] starts = [0, head.IndexOf("type", StringComparison.Ordinal), head.IndexOf("[1]", StringComparison.Ordinal), head.IndexOf("[2]", StringComparison.Ordinal), head.IndexOf("[3]", StringComparison.Ordinal)];
        string[] Columns(string path)
        {
            var line = lines.First(l => l.StartsWith(path + " ", StringComparison.Ordinal)).PadRight(head.Length + 40);
            return starts.Select((at, i) => Regex.Replace(line[at..(i + 1 < starts.Length ? starts[i + 1] : line.Length)].Trim(), @"\s+", " ")).ToArray();
        }
        Assert.That(Columns("f_path"), Is.EqualTo(new[] { "f_path", "struct path", "16 16", "64 16 M", "64 16 MT" }));
        Assert.That(Columns("f_version"), Is.EqualTo(new[] { "f_version", "u64", "184 8", "- R", "- R" }));
        Assert.That(Columns("f_owner"), Is.EqualTo(new[] { "f_owner", "struct fown_struct", "112 32", "128 8 MST", "56 8 MST" }));
        Assert.That(Columns("  f_pipe"), Is.EqualTo(new[] { "f_pipe", "u64", "-", "80 8 A", "80 8 A" }), "indented: inside an anonymous union");
        Assert.That(text, Does.Contain("\nf_path [3]: struct path -> const struct path\n"));
        Assert.That(text, Does.Contain("M moved, S resized, T retyped, A added, R removed (against [1]); - absent"));

        var changedOnly = diff.ToText(changedOnly: true).Split('\n');
        int header = Array.FindIndex(changedOnly, l => l.StartsWith("member ", StringComparison.Ordinal));
        int legend = Array.FindIndex(changedOnly, l => l.StartsWith("M moved", StringComparison.Ordinal));
        Assert.That(legend - header - 2, Is.EqualTo(diff.ChangedRows.Count()), "one line per changed row, then a blank line");
    }

    /// <summary>
    /// Every member pahole prints with a name that is unique in the struct: the diff's cell has pahole's offset
    /// and size in that kernel, and its classification follows from those numbers and pahole's type spelling.
    /// </summary>
    [TestCase("file")]
    [TestCase("task_struct")]
    [TestCase("sk_buff")]
    public void EveryCellAgreesWithPahole(string type)
    {
        var pahole = PaholeTool.Require();
        var diff = Diff(type, Three);
        var perKernel = Three.Select(k => PaholeMembers(pahole, k, type)).ToList();
        int compared = 0;
        foreach (var row in diff.Rows)
        {
            var name = row.Path[(row.Path.LastIndexOf('.') + 1)..];
            var reference = perKernel[0].GetValueOrDefault(name);
            if (reference is { Ambiguous: true }) continue;
            for (int k = 0; k < Three.Length; k++)
            {
                var theirs = perKernel[k].GetValueOrDefault(name);
                if (theirs is { Ambiguous: true }) goto next;
                var cell = row.Cells[k];
                Assert.That(cell.Present, Is.EqualTo(theirs is not null), $"{type}.{row.Path} in {Three[k]}");
                if (theirs is null) continue;
                Assert.That((cell.OffsetText, cell.Member!.Size), Is.EqualTo((theirs.Offset, theirs.Size)), $"{type}.{row.Path} in {Three[k]}");
                compared++;
                if (reference is null) { Assert.That(cell.Change, Is.EqualTo(LayoutChange.Added)); continue; }
                Assert.That(cell.Has(LayoutChange.Moved), Is.EqualTo(reference.Offset != theirs.Offset), $"{row.Path} moved in {Three[k]}");
                Assert.That(cell.Has(LayoutChange.Resized), Is.EqualTo(reference.Size != theirs.Size || reference.Bits != theirs.Bits), $"{row.Path} resized in {Three[k]}");
            }
            if (reference is not null)
                for (int k = 1; k < Three.Length; k++)
                    if (perKernel[k].GetValueOrDefault(name) is null)
                        Assert.That(row.Cells[k].Change, Is.EqualTo(LayoutChange.Removed), $"{row.Path} removed in {Three[k]}");
            next:;
        }
        // Names pahole prints twice (struct_group members appear in an anonymous and a named struct) are skipped.
        Assert.That(compared, Is.GreaterThan(diff.Rows.Count / 2), "most rows were compared");
    }

    private sealed record PaholeMember(string Offset, long Size, string Bits, bool Ambiguous);

    // "	pid_t                      pid;                  /*  2416     4 */", "unsigned int x:1; /*  1188: 0  4 */",
    // "void (*destructor)(struct sk_buff *); /* 96 8 */", "struct sched_statistics stats __attribute__((__aligned__(64))); /* ... */", "} _sifields; /* 16 112 */"
    private static readonly Regex MemberLine = new(@"^\s+(.*?);\s+/\*\s+(\d+)(:\s*\d+)?\s+(\d+)\s+\*/$");

    private static Dictionary<string, PaholeMember> PaholeMembers(string pahole, string kernel, string type)
    {
        using var blob = ExternalTool.Temp(TestKernels.RawBlob(kernel));
        var (exit, stdout, stderr) = ExternalTool.Run(pahole, "-F", "btf", "-C", type, blob.Path);
        Assert.That(exit, Is.Zero, stderr);
        var members = new Dictionary<string, PaholeMember>();
        foreach (var line in System.Text.Encoding.UTF8.GetString(stdout).Split('\n'))
        {
            var m = MemberLine.Match(line);
            if (!m.Success) continue;
            string decl = Regex.Replace(m.Groups[1].Value, @"\s*__attribute__\(\(.*\)\)$", "");
            var fn = Regex.Match(decl, @"\(\*\s*(\w+)\)");
            var bits = Regex.Match(decl, @":(\d+)$");
            string name = fn.Success ? fn.Groups[1].Value : Regex.Match(Regex.Replace(decl, @"(:\d+|(\[\d*\])+)$", ""), @"(\w+)$").Groups[1].Value;
            if (name.Length == 0 || decl == "}") continue; // an anonymous member's closing line
            string offset = m.Groups[2].Value + (m.Groups[3].Success ? ":" + m.Groups[3].Value.TrimStart(':').Trim() : "");
            var member = new PaholeMember(offset, long.Parse(m.Groups[4].Value), bits.Success ? bits.Groups[1].Value : "", false);
            members[name] = members.ContainsKey(name) ? member with { Ambiguous = true } : member;
        }
        Assert.That(members, Is.Not.Empty, $"pahole printed no members of {type} for {kernel}");
        return members;
    }
}
