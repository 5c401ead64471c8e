using BtfNotebooks.Kernels;
using BtfNotebooks.Vm.Maps;
using NUnit.Framework;

namespace BtfNotebooks.Testing.Tests;

/// <summary>An XDP program (Programs/xdp_filter.bpf.c) on packets: verdicts and the per-verdict counters in its map.</summary>
public class XdpFilterTests
{
    private const uint XdpDrop = 1, XdpPass = 2;

    private static byte[] Ipv4(byte protocol, ushort destinationPort, int truncateTo = 0)
    {
        var packet = new byte[14 + 20 + 20];
        packet[12] = 0x08; packet[13] = 0x00;                   // EtherType IPv4
        packet[14] = 0x45;                                       // version 4, IHL 5
        packet[14 + 9] = protocol;
        packet[34 + 2] = (byte)(destinationPort >> 8); packet[34 + 3] = (byte)destinationPort;
        return truncateTo > 0 ? packet[..truncateTo] : packet;
    }

    private static readonly object[] Packets =
    [
        new object[] { "tcp to ssh", Ipv4(6, 22), XdpDrop },
        new object[] { "tcp to http", Ipv4(6, 80), XdpPass },
        new object[] { "udp to 22", Ipv4(17, 22), XdpPass },
        new object[] { "tcp header cut short", Ipv4(6, 22, truncateTo: 40), XdpDrop },
        new object[] { "not even ethernet", new byte[10], XdpDrop },
    ];

    [TestCaseSource(nameof(Packets))]
    public void Verdicts(string what, byte[] packet, uint verdict)
    {
        var kernel = BpfKernels.In("data/kernels").Single(k => k.Name == "local-6.18-amd64");
        var sandbox = BpfTest.Object(Programs.Path("xdp_filter.o")).On(kernel);
        var run = sandbox.Run(packet: packet);
        BpfAssert.Exits(run, r0: verdict);
        var counters = sandbox.Maps.Get<ArrayMap>("verdicts");
        BpfAssert.That(run, () => Assert.That(counters.Lookup<uint, ulong>(verdict), Is.EqualTo(1UL), $"{what}: counted once"));
    }

    [Test]
    public void Counters_add_up_over_a_run_of_packets([BpfKernels("data/kernels", Arches = "amd64,arm64")] KernelEntry kernel)
    {
        var sandbox = BpfTest.Object(Programs.Path("xdp_filter.o")).On(kernel);
        foreach (var p in Packets) sandbox.Run(packet: (byte[])((object[])p)[1]);
        var counters = sandbox.Maps.Get<ArrayMap>("verdicts");
        Assert.That((counters.Lookup<uint, ulong>(XdpDrop), counters.Lookup<uint, ulong>(XdpPass)), Is.EqualTo((3UL, 2UL)));
    }
}
