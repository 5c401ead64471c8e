namespace BtfNotebooks.Tests.Vm;

/// <summary>
/// The packets every differential program runs on: seeded random ones of several sizes, and edge cases chosen for
/// what the programs read (see Data/bpf/differential): zero divisors, INT_MIN / -1 in both widths, equal compared
/// words, all ones, packets too short for the main path, and the MAC/EtherType cases of __sk_buff's pkt_type and
/// protocol. BPF_PROG_TEST_RUN wants at least an Ethernet header (14 bytes).
/// </summary>
public static class KernelDifferentialPackets
{
    public const int MinimumLength = 14;

    public static IReadOnlyList<(string Name, byte[] Bytes)> All { get; } = Build();

    private static List<(string, byte[])> Build()
    {
        var packets = new List<(string, byte[])>();
        var random = new Random(0xB7F);
        foreach (var length in new[] { 14, 15, 16, 23, 24, 31, 32, 40, 63, 64, 64, 64, 64, 64, 64, 65, 100, 128, 333, 1024, 1500, 3000 })
        {
            var bytes = new byte[length];
            random.NextBytes(bytes);
            packets.Add(($"random {length}", bytes));
        }
        packets.Add(("zeros 14 (shortest)", new byte[MinimumLength]));
        packets.Add(("zeros 39 (just short of alu64's 40)", new byte[39]));
        packets.Add(("zeros 64", new byte[64]));
        packets.Add(("ones 64", Filled(64, 0xff)));
        // Little-endian INT64_MIN at 0 and -1 at 8: sdiv/smod overflow in alu64, equal-sign compares in jumps.
        packets.Add(("int64 min / -1", With(Filled(64, 0x00), [(7, 0x80), .. Range(8, 8, 0xff)])));
        // INT32_MIN at 0 and -1 at 8 for alu32 (a = data[0..4], b = data[8..12]); small divisor data[4] = 0.
        packets.Add(("int32 min / -1", With(Filled(64, 0x00), [(3, 0x80), .. Range(8, 4, 0xff)])));
        // Same 8 bytes at 0 and 8: the (p, q) compares see equal values, cmpxchg's compare succeeds.
        var repeated = new byte[64];
        random.NextBytes(repeated);
        Array.Copy(repeated, 0, repeated, 8, 8);
        Array.Copy(repeated, 0, repeated, 24, 8);
        packets.Add(("words at 0, 8 and 24 equal", repeated));
        // Destination MACs for pkt_type (broadcast, multicast, otherhost) and EtherTypes for protocol: IPv4, an
        // 802.3 length with the raw-IPX 0xFFFF marker, and an 802.3 length with an 802.2 header.
        packets.Add(("broadcast ipv4", With(RandomBytes(64, random), [.. Range(0, 6, 0xff), (12, 0x08), (13, 0x00)])));
        packets.Add(("multicast ipx", With(RandomBytes(64, random), [(0, 0x01), (12, 0x00), (13, 0x40), (14, 0xff), (15, 0xff)])));
        packets.Add(("otherhost 802.2", With(RandomBytes(64, random), [(0, 0x02), (12, 0x05), (13, 0xdc), (14, 0xaa), (15, 0xaa)])));
        return packets;
    }

    private static byte[] Filled(int length, byte value) => Enumerable.Repeat(value, length).ToArray();

    private static byte[] RandomBytes(int length, Random random)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static IEnumerable<(int At, int Value)> Range(int start, int count, int value) => Enumerable.Range(start, count).Select(i => (i, value));

    private static byte[] With(byte[] bytes, (int At, int Value)[] edits)
    {
        foreach (var (at, value) in edits) bytes[at] = (byte)value;
        return bytes;
    }
}
