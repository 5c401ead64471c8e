using BtfNotebooks.Asm;
using BtfNotebooks.Elf.Maps;
using BtfNotebooks.Vm;
using BtfNotebooks.Vm.Maps;
using NUnit.Framework;
using static BtfNotebooks.Tests.Vm.Maps.MapTestSupport;

namespace BtfNotebooks.Tests.Vm.Maps;

public class PerfAndProgArrayMapTests
{
    private static PerfEventArrayMap Events(uint max = 4) =>
        (PerfEventArrayMap)BpfMap.Create(new AddressSpace(), Def(BpfMapType.PerfEventArray, 4, 4, max, name: "events"));

    // flags (index bits), the CPU the program runs on, which indexes have an open event, the result.
    [TestCase(0UL, 0, "0", 0L, TestName = "output to CPU 0's event")]
    [TestCase(0xffff_ffffUL, 0, "0", 0L, TestName = "BPF_F_CURRENT_CPU picks the running CPU")]
    [TestCase(0xffff_ffffUL, 2, "2", 0L, TestName = "BPF_F_CURRENT_CPU on CPU 2")]
    [TestCase(4UL, 0, "0", -BpfErrno.E2BIG, TestName = "an index past max_entries is -E2BIG")]
    [TestCase(1UL, 0, "0", -BpfErrno.ENOENT, TestName = "an index without an event is -ENOENT")]
    [TestCase(1UL, 0, "0 1", -BpfErrno.EOPNOTSUPP, TestName = "another CPU's event is -EOPNOTSUPP")]
    [TestCase(0xffff_ffffUL, 3, "0", -BpfErrno.ENOENT, TestName = "the current CPU without an event is -ENOENT")]
    public void Output_goes_to_the_running_CPUs_event(ulong flags, int cpu, string open, long expected)
    {
        var events = Events();
        events.SetOpen(0, false);
        foreach (var i in open.Split(' ')) events.SetOpen(uint.Parse(i), true);
        Assert.That(events.Output(cpu, flags, [1, 2, 3]), Is.EqualTo(expected));
        if (expected == 0)
        {
            var record = events.Records.Single();
            Assert.That((record.Index, record.Cpu, record.Flags), Is.EqualTo(((uint)cpu, cpu, flags)));
            Assert.That(record.Data, Is.EqualTo(new byte[] { 1, 2, 3 }));
        }
        else
            Assert.That(events.Records, Is.Empty);
    }

    [TestCase(1, 4)]
    [TestCase(4, 4)]
    [TestCase(5, 12)]
    [TestCase(12, 12)]
    public void Consumers_see_samples_padded_to_8_bytes_with_the_size_word(int size, int padded) =>
        Assert.That(new PerfEventRecord(0, 0, 0, new byte[size]).PaddedSize, Is.EqualTo(padded));

    [Test]
    public void Drain_returns_and_forgets_the_samples()
    {
        var events = Events();
        events.Output(0, 0, [1]);
        events.Output(0, 0, [2]);
        Assert.That(events.Drain().Select(r => r.Data[0]), Is.EqualTo(new byte[] { 1, 2 }));
        Assert.That(events.Records, Is.Empty);
        Assert.That(BpfMapSet.AdjustAsLibbpf(Def(BpfMapType.PerfEventArray, 4, 4, 0)).MaxEntries, Is.EqualTo(BpfMapSet.PossibleCpus));
    }

    [Test]
    public void Prog_array_slots_are_set_and_deleted_with_the_kernels_errors()
    {
        var array = (ProgArrayMap)BpfMap.Create(new AddressSpace(), Def(BpfMapType.ProgArray, 4, 4, 2, name: "jmp"));
        var program = new TailCallProgram("next", [Instruction.Mov64(Register.R0, 1), Instruction.Exit()]);
        array.Set(1, program);
        Assert.That(array[1], Is.SameAs(program));
        Assert.That(array[0], Is.Null);
        Assert.That(array[7], Is.Null);
        Assert.That(array.Count, Is.EqualTo(1));
        Assert.That(array.Delete(0u), Is.EqualTo(-BpfErrno.ENOENT));
        Assert.That(array.Delete(2u), Is.EqualTo(-BpfErrno.E2BIG));
        Assert.That(array.Delete(1u), Is.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => array.Set(2, program));
        Assert.Throws<NotSupportedException>(() => array.Lookup(U32(0)));
    }
}
