using BtfNotebooks.Vm;
using BtfNotebooks.Vm.Helpers;
using BtfNotebooks.Vm.Maps;
using NUnit.Framework;
using static BtfNotebooks.Tests.Vm.Maps.MapTestSupport;

namespace BtfNotebooks.Tests.Vm.Helpers;

/// <summary>Which helpers exist, how a missing one is reported, and how tests replace them.</summary>
public class HelperTableTests
{
    [TestCase(27, "bpf_get_stackid (27) is not emulated", TestName = "a kernel helper the VM does not emulate is named")]
    [TestCase(9999, "unknown helper 9999", TestName = "an ID the kernel does not have is said to be unknown")]
    public void A_missing_helper_is_refused_before_the_run_naming_it(int id, string message)
    {
        var sandbox = new Sandbox($"r6 = 1\ncall {id}\nexit", []);
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Run())!;
        Assert.That(e.Kind, Is.EqualTo(RuntimeErrorKind.UnknownHelper));
        Assert.That(e.Slot, Is.EqualTo(1));
        Assert.That(e.Message, Does.Contain(message));
    }

    [Test]
    public void A_missing_helper_called_through_a_register_is_named_when_reached()
    {
        var sandbox = new Sandbox("r1 = 28\ncallx r1\nexit", []);
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Run())!;
        Assert.That(e.Message, Does.Contain("bpf_csum_diff (28) is not emulated"));
    }

    [Test]
    public void Every_emulated_helper_is_registered_under_its_kernel_name()
    {
        var sandbox = new Sandbox("r0 = 0\nexit", []);
        foreach (int id in BpfHelpers.EmulatedIds)
            Assert.That(sandbox.Vm.Helpers.Find(id)?.Name, Is.EqualTo(BpfHelperIds.NameOf(id)), $"helper {id}");
        Assert.That(BpfHelperIds.NameOf(BpfHelperIds.Loop), Is.EqualTo("bpf_loop"));
        Assert.That(BpfHelperIds.NameOf(BpfHelperIds.GetCurrentTaskBtf), Is.EqualTo("bpf_get_current_task_btf"));
        Assert.That(BpfHelperIds.NameOf(BpfHelperIds.RingbufDiscard), Is.EqualTo("bpf_ringbuf_discard"));
        Assert.That(BpfHelperIds.NameOf(211), Is.EqualTo("bpf_cgrp_storage_delete"));
        Assert.That(BpfHelperIds.IdOf("bpf_probe_read_kernel_str"), Is.EqualTo(115));
        Assert.That(BpfHelperIds.IdOf("tail_call"), Is.EqualTo(12));
        Assert.That(BpfHelperIds.NameOf(0), Is.Null);
    }

    [Test]
    public void Tests_replace_or_add_helpers()
    {
        var sandbox = new Sandbox("call 5\nr6 = r0\ncall 27\nr0 += r6\nexit", []);
        sandbox.Vm.Helpers.Register(BpfHelperIds.KtimeGetNs, "bpf_ktime_get_ns", _ => 40);
        sandbox.Vm.Helpers.Register(27, "bpf_get_stackid", c => 2);
        Assert.That(sandbox.Run(), Is.EqualTo(42));
    }

    [TestCase("r1 = 0", "r1 = 0x0 is not a map", TestName = "a NULL map")]
    [TestCase("r1 = r10", "is not a map", TestName = "a stack pointer as map")]
    [TestCase("r1 = map[fd:1] ll", "bpf_map_lookup_elem cannot be used on ringbuf map 'events'", TestName = "a lookup in a ring buffer")]
    public void Map_helpers_refuse_what_the_verifier_refuses(string load, string message)
    {
        var sandbox = new Sandbox($"{load}\n*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\ncall 1\nexit", [Hash(1), Ring(4096)]);
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Run())!;
        Assert.That(e.Message, Does.Contain("bpf_map_lookup_elem").And.Contain(message));
    }

    [Test]
    public void A_key_the_program_cannot_read_is_a_fault_naming_the_key()
    {
        var sandbox = new Sandbox("r1 = map[fd:0] ll\nr2 = r10\nr2 += -2\ncall 1\nexit", [Hash(1)]);
        var e = Assert.Throws<BpfRuntimeException>(() => sandbox.Run())!;
        Assert.That(e.Kind, Is.EqualTo(RuntimeErrorKind.MemoryFault));
        Assert.That(e.Message, Does.Contain("bpf_map_lookup_elem").And.Contain("key of 4 byte(s)"));
    }
}
