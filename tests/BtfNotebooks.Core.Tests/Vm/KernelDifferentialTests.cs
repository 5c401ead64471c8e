using System.Text;
using BtfNotebooks.Asm;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Vm;

/// <summary>
/// The interpreter against the running kernel: each program of Data/bpf/differential is loaded with bpftool and
/// run by BPF_PROG_TEST_RUN on every packet of <see cref="KernelDifferentialPackets"/>, then linked from the same
/// object (BpfObjectFile.LinkProgram) and run by <see cref="BpfVm"/> on the context its section implies; r0 must
/// match (as the u32 the kernel reports). Ignored, with the reason, where the kernel cannot be used.
/// </summary>
public class KernelDifferentialTests
{
    private static IEnumerable<string> Programs => KernelDifferentialPrograms.Names;

    [TestCaseSource(nameof(Programs))]
    public void VmReturnsWhatTheKernelReturns(string name)
    {
        RequireKernel();
        var compiled = KernelDifferentialPrograms.Get(name);
        var linked = compiled.Object.LinkProgram(compiled.Entry.Name);
        using var kernel = KernelDifferentialKernel.Load(compiled.ObjectPath, compiled.Entry.Name, compiled.BpftoolType);

        var mismatches = new StringBuilder();
        foreach (var (packetName, packet) in KernelDifferentialPackets.All)
        {
            uint expected = kernel.Run(packet);
            string actual;
            try
            {
                var vm = new BpfVm(linked);
                actual = ((uint)vm.Run(ProgramContext.Setup(vm, BtfNotebooks.Kernels.Contexts.ProgramSection.PacketContextOf(compiled.Entry.SectionName), packet)).R0).ToString();
            }
            catch (Exception e) when (e is BpfRuntimeException or BpfEncodingException or ArgumentException)
            {
                actual = $"{e.GetType().Name}: {e.Message}";
            }
            if (actual != expected.ToString())
                mismatches.AppendLine($"  {packetName} ({packet.Length} bytes {Convert.ToHexString(packet.AsSpan(0, Math.Min(24, packet.Length)))}...): kernel {expected}, vm {actual}");
        }
        Assert.That(mismatches.ToString(), Is.Empty, $"{name}: r0 differs from the kernel's");
    }

    [TestCaseSource(nameof(Programs))]
    public void KernelResultsDependOnThePacket(string name)
    {
        RequireKernel();
        var compiled = KernelDifferentialPrograms.Get(name);
        using var kernel = KernelDifferentialKernel.Load(compiled.ObjectPath, compiled.Entry.Name, compiled.BpftoolType);
        var results = KernelDifferentialPackets.All.Select(p => kernel.Run(p.Bytes)).ToList();
        // A program whose r0 ignored the packet would make the comparison above vacuous. (Some programs return one
        // context field with a handful of values, so "not constant" is the bar, not "different for every packet".)
        Assert.That(results.Distinct().Count(), Is.GreaterThan(1), string.Join(", ", results));
    }

    [Test]
    public void ProgramsTogetherContainEveryInstructionKind()
    {
        var used = new SortedSet<string>();
        foreach (var name in Programs)
        {
            var compiled = KernelDifferentialPrograms.Get(name);
            used.UnionWith(compiled.Object.LinkProgram(compiled.Entry.Name).Select(KernelDifferentialInstructionKinds.Describe));
        }
        var all = KernelDifferentialInstructionKinds.All();
        Assert.That(all.Except(used), Is.Empty, "instruction kinds no differential program executes");
        Assert.That(used.Except(all), Is.Empty, "instructions outside the kinds listed (helper calls are not part of this test)");
    }

    [Test]
    public void EveryProgramIsAnXdpOrSocketFilterProgram()
    {
        var types = Programs.Select(n => KernelDifferentialPrograms.Get(n).BpftoolType).ToList();
        Assert.That(types, Is.All.AnyOf("xdp", "socket"));
        Assert.That(types, Does.Contain("xdp").And.Contain("socket"));
    }

    private static void RequireKernel()
    {
        if (KernelDifferentialKernel.Unavailable is string reason) Assert.Ignore(reason);
    }
}
