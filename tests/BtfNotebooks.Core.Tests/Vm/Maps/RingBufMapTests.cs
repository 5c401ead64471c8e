using BtfNotebooks.Vm;
using BtfNotebooks.Vm.Maps;
using NUnit.Framework;
using static BtfNotebooks.Tests.Vm.Maps.MapTestSupport;

namespace BtfNotebooks.Tests.Vm.Maps;

/// <summary>The ring buffer's records as the kernel lays them out and libbpf's consumer reads them.</summary>
public class RingBufMapTests
{
    private static RingBufMap Ring(int size = 4096) => (RingBufMap)BpfMap.Create(new AddressSpace(), MapTestSupport.Ring((uint)size));

    private static void Fill(RingBufMap ring, ulong sample, byte[] bytes) => bytes.CopyTo(ring.Memory.Span(sample, bytes.Length, write: true));

    [Test]
    public void A_reserved_record_has_a_busy_header_and_submit_or_discard_rewrites_it()
    {
        var ring = Ring();
        ulong a = ring.Reserve(5, 0), b = ring.Reserve(6, 0);
        Assert.That(a, Is.EqualTo(ring.DataAddress + 8));
        Assert.That(ring.Header(0), Is.EqualTo(new RingBufHeader(5, Busy: true, Discarded: false, PageOffset: 3, RawLength: 5 | RingBufMap.BusyBit)));
        ring.Commit(a, 0, discard: false);
        Assert.That(ring.Header(0), Is.EqualTo(new RingBufHeader(5, false, false, 3, 5)));
        ring.Commit(b, 0, discard: true);
        Assert.That(ring.Header(16), Is.EqualTo(new RingBufHeader(6, false, true, 3, 6 | RingBufMap.DiscardBit)));
    }

    // Record sizes and where each one's header lands: header + data rounded up to 8 bytes.
    [TestCase(new[] { 1, 7, 8, 9, 16, 0, 3 }, new[] { 0, 16, 32, 48, 72, 96, 104 })]
    [TestCase(new[] { 24, 25, 31, 32 }, new[] { 0, 32, 72, 112 })]
    public void Records_are_8_byte_aligned_with_an_8_byte_header(int[] sizes, int[] positions)
    {
        var ring = Ring();
        var got = sizes.Select(s => (long)(ring.Reserve((ulong)s, 0) - ring.DataAddress) - RingBufMap.HeaderSize).ToArray();
        Assert.That(got, Is.EqualTo(positions.Select(p => (long)p)));
        Assert.That(ring.ProducerPosition % 8, Is.Zero);
    }

    [Test]
    public void The_page_offset_counts_the_three_meta_pages()
    {
        var ring = Ring(16384);
        ring.Commit(ring.Reserve(4088, 0), 0, false); // exactly one page with its header
        ulong second = ring.Reserve(10, 0);
        Assert.That(second - ring.DataAddress, Is.EqualTo(4096 + 8));
        Assert.That(ring.Header(4096).PageOffset, Is.EqualTo(4));
        Assert.That(ring.Header(0).PageOffset, Is.EqualTo(3));
    }

    [TestCase(4088UL, 0UL, 0, TestName = "a record filling the whole ring never fits (size - 1 bytes at most)")]
    [TestCase(4080UL, 0UL, 1, TestName = "size - 8 bytes with the header fit")]
    [TestCase(10UL, 1UL, 0, TestName = "reserve flags must be 0")]
    [TestCase(1UL << 31, 0UL, 0, TestName = "a record larger than the ring never fits")]
    [TestCase(0x4000_0000UL, 0UL, 0, TestName = "RINGBUF_MAX_RECORD_SZ is the limit")]
    public void Reserve_answers_NULL_when_the_record_cannot_fit(ulong size, ulong flags, int ok)
    {
        var ring = Ring();
        Assert.That(ring.Reserve(size, flags) != 0, Is.EqualTo(ok == 1));
    }

    [Test]
    public void A_full_ring_refuses_until_the_consumer_frees_space()
    {
        var ring = Ring();
        for (int i = 0; i < 3; i++) Assert.That(ring.Output(new byte[1200], 0), Is.Zero);
        Assert.That(ring.Reserve(1200, 0), Is.Zero); // 4 x 1208 > 4095
        Assert.That(ring.Output(new byte[1200], 0), Is.EqualTo(-BpfErrno.EAGAIN));
        Assert.That(ring.Consume(), Has.Count.EqualTo(3));
        Assert.That(ring.Reserve(1200, 0), Is.Not.Zero);
    }

    [Test]
    public void Consume_returns_submitted_records_in_order_skips_discarded_and_stops_at_a_busy_one()
    {
        var ring = Ring();
        ulong a = ring.Reserve(3, 0), b = ring.Reserve(3, 0), c = ring.Reserve(3, 0);
        Fill(ring, a, [1, 1, 1]);
        Fill(ring, b, [2, 2, 2]);
        Fill(ring, c, [3, 3, 3]);
        ring.Commit(a, 0, false);
        ring.Commit(b, 0, discard: true);
        Assert.That(ring.Output([4, 4], 0), Is.Zero);
        Assert.That(ring.Consume(), Is.EqualTo(new[] { new byte[] { 1, 1, 1 } }));
        Assert.That(ring.ConsumerPosition, Is.EqualTo(32)); // past a and the discarded b, stopped at busy c
        ring.Commit(c, 0, false);
        Assert.That(ring.Consume(), Is.EqualTo(new[] { new byte[] { 3, 3, 3 }, new byte[] { 4, 4 } }));
        Assert.That(ring.Consume(), Is.Empty);
        Assert.That(ring.ConsumerPosition, Is.EqualTo(ring.ProducerPosition));
    }

    [Test]
    public void A_record_wrapping_past_the_end_is_contiguous_for_the_program_and_joined_for_the_consumer()
    {
        var ring = Ring();
        ring.Output(new byte[3000], 0);
        ring.Consume();
        ulong sample = ring.Reserve(2000, 0);
        Assert.That(sample - ring.DataAddress, Is.EqualTo(3008 + 8));
        var pattern = Enumerable.Range(0, 2000).Select(i => (byte)(i * 7)).ToArray();
        Fill(ring, sample, pattern); // one contiguous write, as through the kernel's double mapping
        ring.Commit(sample, 0, false);
        Assert.That(ring.Consume().Single(), Is.EqualTo(pattern));
        int wrapped = 3016 + 2000 - 4096;
        Assert.That(ring.Data[..wrapped].ToArray(), Is.EqualTo(pattern[^wrapped..]));
        Assert.That(ring.ProducerPosition, Is.EqualTo(3008 + 2008));
        Assert.That(ring.Header(ring.ProducerPosition - 2008).Length, Is.EqualTo(2000));
    }

    [Test]
    public void Positions_keep_growing_across_many_wraps()
    {
        var ring = Ring();
        for (int i = 0; i < 100; i++)
        {
            var data = Enumerable.Repeat((byte)i, 100 + i).ToArray();
            Assert.That(ring.Output(data, 0), Is.Zero, $"record {i}");
            Assert.That(ring.Consume().Single(), Is.EqualTo(data), $"record {i}");
        }
        Assert.That(ring.ConsumerPosition, Is.GreaterThan(3 * 4096UL));
    }

    [TestCase(0UL, 24UL)]
    [TestCase(1UL, 4096UL)]
    [TestCase(2UL, 16UL)]
    [TestCase(3UL, 40UL)]
    [TestCase(4UL, 0UL)]
    public void Query_reports_available_data_size_and_positions(ulong flags, ulong expected)
    {
        var ring = Ring();
        ring.Output(new byte[8], 0); // 16
        ring.Consume();
        ring.Output(new byte[16], 0); // 24
        Assert.That(ring.Query(flags), Is.EqualTo(expected));
    }

    [Test]
    public void Output_refuses_unknown_flags_and_counts_wakeups_as_the_kernel_would_send_them()
    {
        var ring = Ring();
        Assert.That(ring.Output([1], 4), Is.EqualTo(-BpfErrno.EINVAL));
        Assert.That(ring.Output([1], 0), Is.Zero);                        // the consumer waits at this record: wake it
        Assert.That(ring.Output([1], 0), Is.Zero);                        // not at the consumer: no wakeup
        Assert.That(ring.Output([1], RingBufMap.ForceWakeup), Is.Zero);   // forced
        ring.Consume();
        Assert.That(ring.Output([1], RingBufMap.NoWakeup), Is.Zero);      // at the consumer but suppressed
        Assert.That(ring.Wakeups, Is.EqualTo(2));
    }

    [Test]
    public void Committing_something_that_is_not_an_outstanding_record_is_refused()
    {
        var ring = Ring();
        ulong a = ring.Reserve(8, 0);
        ring.Commit(a, 0, false);
        var e = Assert.Throws<BpfRuntimeException>(() => ring.Commit(a, 0, false))!;
        Assert.That(e.Message, Does.Contain("not a record reserved"));
    }

    [Test]
    public void Libbpf_ring_sizes_are_rounded_to_a_power_of_two_number_of_pages()
    {
        Assert.That(BpfMapSet.AdjustAsLibbpf(MapTestSupport.Ring(1000)).MaxEntries, Is.EqualTo(4096));
        Assert.That(BpfMapSet.AdjustAsLibbpf(MapTestSupport.Ring(12288)).MaxEntries, Is.EqualTo(16384));
        Assert.That(BpfMapSet.AdjustAsLibbpf(MapTestSupport.Ring(8192)).MaxEntries, Is.EqualTo(8192));
        Assert.That(BpfMapSet.AdjustAsLibbpf(MapTestSupport.Ring(0)).MaxEntries, Is.Zero);
        var set = new BpfMapSet(new AddressSpace(), [MapTestSupport.Ring(5000)]);
        Assert.That(((RingBufMap)set[0]).Size, Is.EqualTo(8192));
    }
}
