using System.Buffers.Binary;

namespace BtfNotebooks.Bench.VmSpeed;

/// <summary>The packets the VM speed programs run on (the layouts are described in bench/programs/*.c).</summary>
public static class BenchPackets
{
    /// <summary>alu_loop: a 64-byte frame whose bytes 0..1 (big-endian) are the iteration count and 2..9 the seed.</summary>
    public static byte[] AluLoop(int iterations)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(iterations, ushort.MaxValue);
        var packet = new byte[64];
        BinaryPrimitives.WriteUInt16BigEndian(packet, (ushort)iterations);
        BinaryPrimitives.WriteUInt64LittleEndian(packet.AsSpan(2), 0x0123_4567_89ab_cdef);
        return packet;
    }

    /// <summary>fnv1a: 2 KiB of fixed pseudo-random bytes; byte 0 is the number of passes.</summary>
    public static byte[] Fnv1a(int passes)
    {
        var packet = new byte[2048];
        new Random(2048).NextBytes(packet); // fixed seed: the same bytes, and so the same hash, on every run
        packet[0] = checked((byte)passes);
        return packet;
    }

    /// <summary>
    /// tcp_syn: what Linux sends to open a connection (74 bytes: IPv4 without options, TCP with MSS, SACK-permitted,
    /// timestamps and window scale), arriving on a trunk port with an 802.1Q tag (VLAN 100), 78 bytes in all.
    /// </summary>
    public static byte[] TcpSyn()
    {
        var p = new List<byte>();
        p.AddRange(Convert.FromHexString("020000000002" + "020000000001")); // dst, src MAC
        p.AddRange(Convert.FromHexString("8100" + "0064"));                 // 802.1Q, VLAN 100
        p.AddRange(Convert.FromHexString("0800"));                          // IPv4
        int ip = p.Count;
        p.AddRange(Convert.FromHexString(
            "45" + "00" + "003c" + "1c46" + "4000" + "40" + "06" + "0000" + // v4 ihl 5, len 60, DF, ttl 64, TCP
            "c0a8010a" + "5db8d822"));                                         // 192.168.1.10 -> 93.184.216.34
        p.AddRange(Convert.FromHexString(
            "c822" + "01bb" + "a3f1c2d4" + "00000000" + "a002" + "faf0" + "0000" + "0000" + // 51234 -> 443, SYN, doff 10
            "020405b4" + "0402" + "080a" + "0012d687" + "00000000" + "01" + "030307"));     // MSS, SACK_PERM, TS, NOP, WS 7
        var packet = p.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(ip + 10), Ipv4Checksum(packet.AsSpan(ip, 20)));
        return packet;
    }

    private static ushort Ipv4Checksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (int i = 0; i < header.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
