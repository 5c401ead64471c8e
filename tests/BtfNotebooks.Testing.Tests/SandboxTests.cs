using BtfNotebooks.Asm.Text;
using BtfNotebooks.CoRe;
using BtfNotebooks.CoRe.Assembly;
using BtfNotebooks.Kernels;
using BtfNotebooks.Kernels.Contexts;
using BtfNotebooks.Kernels.Sandbox;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Testing.Tests;

/// <summary>What the sandbox refuses as the kernel would, and what a test can change.</summary>
public class SandboxTests
{
    private static KernelEntry Kernel(string name) => BpfKernels.In("data/kernels").Single(k => k.Name == name);

    private static CoreObject Program(string text) =>
        CoreObject.FromInstructions("prog", "raw_tp/x", Assembler.Assemble(text).Instructions);

    [Test]
    public void A_helper_the_kernel_does_not_have_is_refused_at_load()
    {
        // bpf_cgrp_storage_get (#210) arrived in 6.2: 6.1's enum bpf_func_id ends at #209 (user_ringbuf_drain).
        var program = Program("r1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\ncall 210\nexit");
        var e = Assert.Throws<BpfLoadException>(() => BpfSandbox.Load(program, Kernel("debian-6.1.0-56-amd64")))!;
        Assert.That(e.Message, Is.EqualTo("prog does not load on debian-6.1.0-56-amd64: instruction 4 calls helper bpf_cgrp_storage_get (#210), " +
            "which this kernel does not have (its enum bpf_func_id ends at #209); the verifier refuses it with \"invalid func unknown#210\""));
        Assert.That(KernelHelpers.Of(Kernel("local-6.18-amd64").Spec), Does.Contain(210), "6.18 has it");
    }

    [Test]
    public void A_helper_the_kernel_has_but_the_vm_does_not_emulate_is_named()
    {
        var sandbox = BpfSandbox.Load(Program("r1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\ncall 210\nexit"), Kernel("local-6.18-amd64"));
        var run = sandbox.Run();
        Assert.That(run.Fault?.Message, Does.Contain("bpf_cgrp_storage_get").And.Contain("not emulated"));
    }

    [Test]
    public void Tests_replace_helpers_and_control_the_clock()
    {
        var sandbox = BpfSandbox.Load(Program("call 5\nr6 = r0\ncall 5\nr0 -= r6\nexit"), Kernel("local-6.18-amd64"));
        sandbox.Environment.KtimeStepNs = 250;
        Assert.That(sandbox.Run().R0, Is.EqualTo(250UL), "two bpf_ktime_get_ns reads differ by the step the test set");
        sandbox.Vm.Helpers.Register(5, "bpf_ktime_get_ns", _ => 7);
        Assert.That(sandbox.Run().R0, Is.Zero, "a replaced helper answers instead");
    }

    [Test]
    public void A_poisoned_relocation_loads_and_faults_only_where_it_runs()
    {
        // A field read against 6.18 (task_struct.blocked_on) relocated for 6.1, where the field does not exist, is
        // poisoned, so the program still loads; it only fails where the poisoned instruction runs.
        var reference = Kernel("local-6.18-amd64");
        var core = CoreAssembler.Assemble("r0 = *(u64 *)(r1 + %core(task_struct.blocked_on))\nexit", reference.Spec, "raw_tp/x");
        var sandbox = BpfSandbox.Load(CoreObject.FromAssembly(core), Kernel("debian-6.1.0-56-amd64"));
        Assert.That(sandbox.Relocation.Records.Single().StatusName, Is.EqualTo("poison"));
        var run = sandbox.Run([(KernelArgument)sandbox.Heap.New("task_struct")]);
        Assert.That(run.Fault?.Kind, Is.EqualTo(RuntimeErrorKind.PoisonedRelocation), run.Explain());
        Assert.That(run.Explain(), Does.Contain("blocked_on").And.Contain("poison"));
    }
}
