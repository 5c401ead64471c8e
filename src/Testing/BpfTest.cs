using BtfNotebooks.Elf;
using BtfNotebooks.Kernels;
using BtfNotebooks.Kernels.Sandbox;
using BtfNotebooks.Vm;
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
    /// <summary>
    /// The engine <see cref="BpfProgramUnderTest.On"/> uses when a test does not name one: the interpreter, which
    /// traces every step so that a failure shows the instructions that led to it, unless the environment variable
    /// <c>BTFNB_ENGINE</c> says <c>jit</c> (run a whole suite compiled, untraced) or a test run sets this property.
    /// </summary>
    /// <exception cref="InvalidOperationException">BTFNB_ENGINE holds something else (read on first use, so the
    /// error names the variable rather than hiding in a type initializer).</exception>
    public static VmEngine DefaultEngine
    {
        get => _defaultEngine ??= ParseEngine(System.Environment.GetEnvironmentVariable("BTFNB_ENGINE"));
        set => _defaultEngine = value;
    }

    private static VmEngine? _defaultEngine;

    /// <summary>What BTFNB_ENGINE's value means: unset, empty, interp or interpreter, or jit (any case).</summary>
    internal static VmEngine ParseEngine(string? value) => string.IsNullOrWhiteSpace(value) ? VmEngine.Interpreter
        : VmEngineNames.Parse(value) ?? throw new InvalidOperationException($"BTFNB_ENGINE is interp or jit, not '{value}'");

    /// <summary>A BPF object; a relative path is looked up from the test directory upwards.</summary>
    public static BpfProgramUnderTest Object(string path) => new(BpfObjectFile.Load(BpfKernels.Locate(path)));

    public static BpfProgramUnderTest Object(BpfObjectFile obj) => new(obj);
}

/// <summary>An object under test; <see cref="On"/> loads one of its programs for a kernel.</summary>
public sealed class BpfProgramUnderTest(BpfObjectFile obj)
{
    public BpfObjectFile Object { get; } = obj;

    /// <summary>
    /// Loads <paramref name="program"/> (function or section name; null: the only one) for <paramref name="kernel"/>,
    /// to run in <paramref name="engine"/> (null: <see cref="BpfTest.DefaultEngine"/>; with <c>[Values] VmEngine engine</c>
    /// a test runs in both). A load the kernel would refuse fails the test with the reason and the relocation table.
    /// </summary>
    public BpfSandbox On(KernelEntry kernel, string? program = null, VmEngine? engine = null)
    {
        try
        {
            return BpfSandbox.Load(Object, kernel, program, new VmOptions { Engine = engine ?? BpfTest.DefaultEngine });
        }
        catch (BpfLoadException e)
        {
            Assert.Fail($"{e.Message}\n{e.Relocation.ToTable()}");
            throw; // not reached: Assert.Fail throws
        }
    }
}
