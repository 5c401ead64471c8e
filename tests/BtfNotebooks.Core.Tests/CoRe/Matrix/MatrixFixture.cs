using BtfNotebooks.CoRe.Matrix;
using BtfNotebooks.Elf;
using BtfNotebooks.Tests.Elf;
using NUnit.Framework;

namespace BtfNotebooks.Tests.CoRe.Matrix;

/// <summary>
/// The object and targets the matrix tests share: the corpus' kernel.c (real task_struct/sk_buff/mm_struct
/// accesses, some present in only one kernel) compiled once, and the shipped kernels parsed once.
/// </summary>
public static class MatrixFixture
{
    private static readonly Lazy<byte[]> KernelObject = new(() =>
    {
        var programs = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "core", "programs");
        using var obj = ClangBpf.Compile(File.ReadAllText(Path.Combine(programs, "kernel.c")), "bpf", ["-O2", "-g", "-mcpu=v3", "-I" + programs]);
        return File.ReadAllBytes(obj.Path);
    });

    /// <summary>kernel.c as a BPF object; the test is ignored without clang-19.</summary>
    public static BpfObjectFile KernelC()
    {
        if (ExternalTool.Find(ClangBpf.Clang) is null) Assert.Ignore("clang-19 is not installed");
        return BpfObjectFile.Parse(KernelObject.Value, "kernel.o");
    }

    /// <summary>The vmlinux BTFs shipped in data/kernels (no modules), in name order, parsed through TestKernels' cache.</summary>
    public static IReadOnlyList<CoreMatrixTarget> ShippedVmlinuxes() =>
        CoreMatrixTargetLoader.FilesIn(TestKernels.DataDir, includeModules: false)
            .Select(f => new CoreMatrixTarget(f.Name, TestKernels.Spec(f.Name))).ToList();
}
