using BtfNotebooks.CoRe.Matrix;
using NUnit.Framework;

namespace BtfNotebooks.Tests.CoRe.Matrix;

/// <summary>Loading a kernel directory's BTF files in parallel, split modules on top of their vmlinux.</summary>
public class CoreMatrixTargetLoaderTests
{
    [Test]
    public void FilesInPairsModulesWithTheBaseTheManifestNames()
    {
        var files = CoreMatrixTargetLoader.FilesIn(TestKernels.DataDir);
        var expected = Directory.GetFiles(TestKernels.DataDir, "*.btf.xz").Select(p => Path.GetFileName(p)[..^".btf.xz".Length]).Order(StringComparer.Ordinal);
        Assert.That(files.Select(f => f.Name), Is.EqualTo(expected));
        foreach (var file in files)
        {
            var baseName = TestKernels.BaseOf(file.Name);
            Assert.That(file.BasePath is null ? null : Path.GetFileName(file.BasePath), Is.EqualTo(baseName is null ? null : baseName + ".btf.xz"), file.Name);
        }
        Assert.That(CoreMatrixTargetLoader.FilesIn(TestKernels.DataDir, includeModules: false).Select(f => f.Name),
            Is.EqualTo(files.Where(f => f.BasePath is null).Select(f => f.Name)));
    }

    [Test]
    public void LoadsEveryFileAndSharesTheBaseSpec()
    {
        var files = CoreMatrixTargetLoader.FilesIn(TestKernels.DataDir).Where(f => f.Name.StartsWith(TestKernels.Debian61, StringComparison.Ordinal)).ToList();
        Assert.That(files, Has.Count.EqualTo(3), "6.1 vmlinux, ext4, nf_conntrack");
        var targets = CoreMatrixTargetLoader.Load(files);

        Assert.That(targets.Select(t => t.Name), Is.EqualTo(files.Select(f => f.Name)));
        var vmlinux = targets.Single(t => t.Name == TestKernels.Debian61).Btf;
        Assert.That(vmlinux.TypeCount, Is.EqualTo(TestKernels.Spec(TestKernels.Debian61).TypeCount));
        foreach (var module in targets.Where(t => t.Name != TestKernels.Debian61))
        {
            Assert.That(module.Btf.Base, Is.SameAs(vmlinux), module.Name);
            Assert.That(module.Btf.TypeCount, Is.EqualTo(TestKernels.Spec(module.Name).TypeCount), module.Name);
        }
    }

    [Test]
    public void AModuleTargetFindsVmlinuxTypesThroughItsBase()
    {
        var obj = MatrixFixture.KernelC();
        var targets = CoreMatrixTargetLoader.Load(CoreMatrixTargetLoader.FilesIn(TestKernels.DataDir)
            .Where(f => f.Name.StartsWith(TestKernels.Debian61, StringComparison.Ordinal)).ToList());
        var matrix = CoreMatrix.Build(obj, targets);
        // task_struct lives in the base, so the module columns relocate it as the vmlinux column does
        var pid = matrix.Rows.First(r => r.ReadablePath == "task_struct.pid");
        Assert.That(pid.IsUniform, Is.True, string.Join(", ", pid.Cells.Select(c => $"{c.Target}={c.Text}")));
        Assert.That(pid.Cells[0].Status, Is.EqualTo(BtfNotebooks.CoRe.CoreRelocationStatus.Ok));
    }

    [Test]
    public void NameDropsTheBtfAndCompressionSuffixes()
    {
        Assert.That(new CoreMatrixTargetFile("/k/debian-6.12.117+deb12-amd64.btf.xz").Name, Is.EqualTo("debian-6.12.117+deb12-amd64"));
        Assert.That(new CoreMatrixTargetFile("/k/x.ext4.btf").Name, Is.EqualTo("x.ext4"));
        Assert.That(new CoreMatrixTargetFile("vmlinux").Name, Is.EqualTo("vmlinux"));
    }
}
