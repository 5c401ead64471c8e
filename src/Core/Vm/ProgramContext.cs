using System.Buffers.Binary;

namespace BtfNotebooks.Vm;

/// <summary>The program types whose context the VM can build, named after libbpf's section prefixes.</summary>
public enum ProgramContextKind
{
    /// <summary>No context: r1 = packet address, r2 = packet length (raw programs, bpf_conformance).</summary>
    Raw,
    /// <summary><c>xdp</c>: struct xdp_md.</summary>
    Xdp,
    /// <summary><c>socket</c>: struct __sk_buff of a socket filter (data starts after the Ethernet header).</summary>
    SocketFilter,
    /// <summary><c>tc</c>, <c>classifier</c>, <c>action</c>: struct __sk_buff with the Ethernet header.</summary>
    SchedClassifier,
}

/// <summary>
/// Builds the memory a packet program's r1 points at, as BPF_PROG_TEST_RUN does for its program type: the packet as
/// its own region, the context struct with its pointer fields aimed at it.
/// </summary>
public static class ProgramContext
{
    private const int EthHeaderLength = 14;

    /// <summary>
    /// Maps <paramref name="packet"/> and the context of <paramref name="kind"/> into <paramref name="vm"/>'s memory and
    /// returns the value for r1; for <see cref="ProgramContextKind.Raw"/> the packet address (r2 = length is the
    /// caller's). Which kind an ELF section calls for is <see cref="Kernels.Contexts.ProgramSection.PacketContext"/>.
    /// </summary>
    public static ulong Setup(BpfVm vm, ProgramContextKind kind, byte[] packet)
    {
        var mem = vm.Memory;
        var pkt = mem.Map("packet", packet, RegionKind.Packet);
        switch (kind)
        {
            case ProgramContextKind.Raw:
                return pkt.Address;
            case ProgramContextKind.Xdp:
            {
                // struct xdp_md { u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; }
                var ctx = mem.Add(new ContextRegion("xdp_md", 24, mem.NextAddress));
                ctx.SetPointer(0, "data", pkt.Address);
                ctx.SetPointer(4, "data_end", pkt.End);
                ctx.SetPointer(8, "data_meta", pkt.Address);
                ctx.SetUInt32(12, 1); // ingress_ifindex: test runs use the loopback device
                return ctx.Address;
            }
            default:
                return SkBuff(mem, pkt, packet, kind == ProgramContextKind.SocketFilter);
        }
    }

    // struct __sk_buff (192 bytes). BPF_PROG_TEST_RUN runs eth_type_trans, which consumes the Ethernet header; only
    // L2 program types (tc) push it back, so a socket filter sees len = size - 14 and data after the MAC header.
    private static ulong SkBuff(AddressSpace mem, MemoryRegion pkt, byte[] packet, bool socketFilter)
    {
        if (packet.Length < EthHeaderLength)
            throw new ArgumentException($"an __sk_buff test run needs at least an Ethernet header ({EthHeaderLength} bytes); the packet has {packet.Length}");
        var ctx = mem.Add(new ContextRegion("__sk_buff", 192, mem.NextAddress));
        int start = socketFilter ? EthHeaderLength : 0;
        ctx.SetUInt32(0, (uint)(packet.Length - start));                                 // len
        ctx.SetUInt32(4, PacketType(packet));                                              // pkt_type
        ctx.SetUInt32(16, Protocol(packet));                                               // protocol (__be16 as stored)
        ctx.SetUInt32(36, 1);                                                              // ingress_ifindex
        ctx.SetUInt32(40, 1);                                                              // ifindex
        ctx.SetPointer(76, "data", pkt.Address + (ulong)start);
        ctx.SetPointer(80, "data_end", pkt.End);
        ctx.SetPointer(140, "data_meta", pkt.Address + (ulong)start);
        ctx.AllowWrites(48, 68);                                                           // cb[5]
        if (!socketFilter)
        {
            ctx.AllowWrites(8, 12);   // mark
            ctx.AllowWrites(32, 36);  // priority
            ctx.AllowWrites(44, 48);  // tc_index
            ctx.AllowWrites(72, 76);  // tc_classid
        }
        return ctx.Address;
    }

    // eth_type_trans on the loopback device, whose own and broadcast addresses are both 00:00:00:00:00:00: an
    // all-zero destination is "host", any other group address "multicast" (never "broadcast"), the rest "otherhost".
    private static uint PacketType(byte[] packet)
    {
        var dest = packet.AsSpan(0, 6);
        if (dest.IndexOfAnyExcept((byte)0) < 0) return 0;
        return (dest[0] & 1) != 0 ? 2u : 3u;
    }

    // eth_type_trans: an EtherType of 0x600 or more is the protocol; below that the frame is 802.3 with a length,
    // and the kernel reports ETH_P_802_3 for raw IPX (payload starting 0xffff), else ETH_P_802_2. Values are
    // __be16, so on this little-endian machine the field holds the byte-swapped number.
    private static uint Protocol(byte[] packet)
    {
        ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(12, 2));
        ushort protocol = etherType >= 0x600 ? etherType
            : packet.Length >= 16 && packet[14] == 0xff && packet[15] == 0xff ? (ushort)0x0001 : (ushort)0x0004;
        return BinaryPrimitives.ReverseEndianness(protocol);
    }
}
