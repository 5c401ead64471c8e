using BtfNotebooks.Kernels;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Testing.Tests;

/// <summary>
/// The proof by example: a process tracer (Programs/proctrace.bpf.c) reading task->pid, task->tgid,
/// task->real_parent->tgid, task->comm and task->mm->arg_start, tested on every shipped 64-bit little-endian kernel
/// with the same logical task and the same expected record. Built with CO-RE it passes everywhere; built with the
/// offsets of one kernel (debian-6.1.0-56) it reads the wrong fields on the others, and the failure says why.
/// </summary>
public class ProcTraceTests
{
    private const string Kernels = "data/kernels";
    private const string Task = "task_struct pid=4242 tgid=4240 comm=bash real_parent.tgid=1 mm.arg_start=0x7ffd1000";

    private static Kernels.Sandbox.SandboxRun Exec(string obj, KernelEntry kernel, VmEngine? engine = null)
    {
        var sandbox = BpfTest.Object(Programs.Path(obj)).On(kernel, engine: engine);
        sandbox.SetCurrentTask(sandbox.Heap.Parse(Task));
        return sandbox.Run();
    }

    [Test]
    public void The_CO_RE_build_records_the_exec_on_every_kernel([BpfKernels(Kernels, Arches = "amd64,arm64")] KernelEntry kernel, [Values] VmEngine engine)
    {
        var run = Exec("proctrace.o", kernel, engine);
        Assert.That(run.Engine, Is.EqualTo(engine));
        BpfAssert.Exits(run, r0: 0);
        var record = run.RingBuffer("events", "event").Single();
        BpfAssert.That(run, () => Assert.That(
            (record.Get("pid"), record.Get("tgid"), record.Get("ppid"), record.GetUnsigned("arg_start"), record.GetString("comm")),
            Is.EqualTo((4242L, 4240L, 1L, 0x7ffd1000UL, "bash"))));
    }

    [Test]
    public void The_build_with_fixed_offsets_is_right_only_where_the_layout_matches([BpfKernels(Kernels, Arches = "amd64,arm64")] KernelEntry kernel, [Values] VmEngine engine)
    {
        var run = Exec("proctrace-fixed.o", kernel, engine);
        var record = run.Fault is null ? run.RingBuffer("events", "event").SingleOrDefault() : null;
        bool right = record is not null && (record.Get("pid"), record.Get("tgid"), record.Get("ppid"), record.GetUnsigned("arg_start"), record.GetString("comm"))
            == (4242L, 4240L, 1L, 0x7ffd1000UL, "bash");
        // The offsets compiled in are debian-6.1.0-56's: only that kernel has all five where the program looks.
        Assert.That(right, Is.EqualTo(kernel.Name == "debian-6.1.0-56-amd64"), run.Explain());
    }

    [Test]
    public void The_failure_of_the_fixed_build_explains_itself()
    {
        var kernel = BpfKernels.In(Kernels).Single(k => k.Name == "local-6.18-amd64");
        var run = Exec("proctrace-fixed.o", kernel);
        AssertionException? e;
        // An isolated context: the failure below is the subject of this test, not a failure of it.
        using (new NUnit.Framework.Internal.TestExecutionContext.IsolatedContext())
        {
            e = Assert.Catch<AssertionException>(() => BpfAssert.That(run, () =>
            {
                var record = run.RingBuffer("events", "event").Single();
                Assert.That(record.Get("pid"), Is.EqualTo(4242), "pid");
            })) as AssertionException;
        }
        Assert.That(e, Is.Not.Null, "the fixed build reads the wrong pid on 6.18");
        Assert.That(e!.Message, Does.Contain("pid").And.Contain("4242"));
        Assert.That(e.Message, Does.Contain("proctrace-fixed (trace_exec, raw_tp/sched_process_exec) on local-6.18-amd64"));
        Assert.That(e.Message, Does.Contain("has no CO-RE records: every offset in it was fixed when it was compiled"));
        Assert.That(e.Message, Does.Contain("r6 += 0xba0"), "the last instructions show 6.1's offset of comm (2976; 1752 on 6.18) being used");
    }

    [Test]
    public void A_failure_in_the_jit_explains_itself_without_steps_and_says_how_to_get_them()
    {
        var kernel = BpfKernels.In(Kernels).Single(k => k.Name == "local-6.18-amd64");
        var jit = Exec("proctrace-fixed.o", kernel, VmEngine.Jit);
        var interp = Exec("proctrace-fixed.o", kernel, VmEngine.Interpreter);
        Assert.That(jit.Trace, Is.Null);
        Assert.That((jit.Result, jit.Fault?.Message), Is.EqualTo((interp.Result, interp.Fault?.Message)));
        string explained = jit.Explain();
        Assert.That(explained, Does.Contain("proctrace-fixed (trace_exec, raw_tp/sched_process_exec) on local-6.18-amd64"));
        Assert.That(explained, Does.Contain("run by the JIT, which records no steps; run it with VmEngine.Interpreter"));
        Assert.That(interp.Explain(), Does.Contain("r6 += 0xba0"));
    }

    [Test, NonParallelizable] // changes what every test in this process gets
    public void The_default_engine_is_the_interpreter_and_can_be_changed_for_a_whole_run()
    {
        var kernel = BpfKernels.In(Kernels).Single(k => k.Name == "local-6.18-amd64");
        Assert.That(BpfTest.DefaultEngine, Is.EqualTo(VmEngine.Interpreter), "BTFNB_ENGINE is not set in these tests");
        Assert.That(Exec("proctrace.o", kernel).Engine, Is.EqualTo(VmEngine.Interpreter));
        BpfTest.DefaultEngine = VmEngine.Jit;
        try
        {
            Assert.That(Exec("proctrace.o", kernel).Engine, Is.EqualTo(VmEngine.Jit));
        }
        finally
        {
            BpfTest.DefaultEngine = VmEngine.Interpreter;
        }
    }

    [TestCase(null, VmEngine.Interpreter)]
    [TestCase("", VmEngine.Interpreter)]
    [TestCase("interp", VmEngine.Interpreter)]
    [TestCase(" Interpreter ", VmEngine.Interpreter)]
    [TestCase("jit", VmEngine.Jit)]
    [TestCase("JIT", VmEngine.Jit)]
    public void BTFNB_ENGINE_names_the_default_engine(string? value, VmEngine engine) =>
        Assert.That(BpfTest.ParseEngine(value), Is.EqualTo(engine));

    [Test]
    public void A_BTFNB_ENGINE_that_names_no_engine_is_an_error_naming_the_variable() =>
        Assert.That(() => BpfTest.ParseEngine("fast"), Throws.InvalidOperationException.With.Message.EqualTo("BTFNB_ENGINE is interp or jit, not 'fast'"));
}

