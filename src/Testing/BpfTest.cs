using BtfNotebooks.Elf;
using BtfNotebooks.Kernels;
using BtfNotebooks.Kernels.Sandbox;
using NUnit.Framework;

namespace BtfNotebooks.Testing;

/// <summary>
/// The entry point of a BPF unit test: an object built by clang or rustc/Aya, loaded for one kernel.
/// <code>
/// var sandbox = BpfTest.Object("proctrace.o").On(kernel);
/// var task = sandbox.Heap.Parse("task_struct pid=42 tgid=42 comm=bash real_parent.tgid=1 mm.arg_start=0x7ffd0000");
/// sandbox.SetCurrentTask(task);
/// var run = sandbox.Run();
/// BpfAssert.That(run, () => Assert.That(run.R0, Is.Zero));
/// </code>
/// </summary>
public static class BpfTest
{
    /// <summary>A BPF object; a relative path is looked up from the test directory upwards.</summary>
    public static BpfProgramUnderTest Object(string path) => new(BpfObjectFile.Load(BpfKernels.Locate(path)));

    public static BpfProgramUnderTest Object(BpfObjectFile obj) => new(obj);
}

/// <summary>An object under test; <see cref="On"/> loads one of its programs for a kernel.</summary>
public sealed class BpfProgramUnderTest(BpfObjectFile obj)
{
    public BpfObjectFile Object { get; } = obj;

    /// <summary>
    /// Loads <paramref name="program"/> (function or section name; null: the only one) for <paramref name="kernel"/>.
    /// A load the kernel would refuse fails the test with the reason and the relocation table.
    /// </summary>
    public BpfSandbox On(KernelEntry kernel, string? program = null)
    {
        try
        {
            return BpfSandbox.Load(Object, kernel, program);
        }
        catch (BpfLoadException e)
        {
            Assert.Fail($"{e.Message}\n{e.Relocation.ToTable()}");
            throw; // not reached: Assert.Fail throws
        }
    }
}
