using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Containers;
using NUnit.Framework;
using static BtfNotebooks.Tests.Containers.ContainerFixtures;

namespace BtfNotebooks.Tests.Containers;

/// <summary>
/// xz and .lzma are decoded by the system liblzma when it loads, by SharpCompress otherwise:
/// both must give the same bytes, and the native path must keep the managed one's guarantees.
/// </summary>
public class NativeXzTests
{
    private static readonly long MaxBytes = ExtractionLimits.Default.MaxLayerBytes;

    private static void RequireNative()
    {
        if (!Liblzma.IsAvailable) Assert.Ignore("liblzma.so.5 cannot be loaded here; only the managed decoder runs");
    }

    /// <summary>
    /// Every shipped fixture holding an xz or .lzma stream (found by content, so a .deb or bzImage
    /// with an xz payload counts) and every data/kernels/*.btf.xz.
    /// </summary>
    public static IEnumerable<TestCaseData> Streams()
    {
        foreach (var path in System.IO.Directory.GetFiles(ContainerFixtures.Directory).Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(path);
            if (bytes.AsSpan().IndexOf(CompressionFormats.Magic(CompressionFormat.Xz)) >= 0 || CompressionFormats.LooksLike(CompressionFormat.Lzma, bytes))
                yield return new TestCaseData(path).SetArgDisplayNames(Path.GetFileName(path));
        }
        foreach (var path in System.IO.Directory.GetFiles(TestKernels.DataDir, "*.btf.xz").Order(StringComparer.Ordinal))
            yield return new TestCaseData(path).SetArgDisplayNames("data/kernels/" + Path.GetFileName(path));
    }

    [TestCaseSource(nameof(Streams))]
    public void NativeAndManagedDecodersGiveIdenticalBytes(string path)
    {
        RequireNative();
        var compared = CompareEveryStream(new ByteSlice(File.ReadAllBytes(path)), depth: 0);
        Assert.That(compared, Is.GreaterThan(0), $"{path}: no xz/lzma stream decoded");
    }

    /// <summary>Decodes every xz (and leading .lzma) stream in <paramref name="bytes"/> both ways, then the streams inside the output.</summary>
    private static int CompareEveryStream(ByteSlice bytes, int depth)
    {
        var compared = 0;
        var span = bytes.Span;
        var starts = new List<(int Offset, CompressionFormat Format)>();
        if (CompressionFormats.LooksLike(CompressionFormat.Lzma, span)) starts.Add((0, CompressionFormat.Lzma));
        var magic = CompressionFormats.Magic(CompressionFormat.Xz);
        for (var pos = 0; pos < span.Length;)
        {
            var found = span[pos..].IndexOf(magic);
            if (found < 0) break;
            var offset = pos + found;
            if (CompressionFormats.LooksLike(CompressionFormat.Xz, span[offset..])) starts.Add((offset, CompressionFormat.Xz));
            pos = offset + 1;
        }

        foreach (var (offset, format) in starts)
        {
            var stream = bytes.Slice(offset);
            var (native, nativeEnd) = Decode(format, stream, allowNative: true, chunk: new Random(offset));
            var (managed, _) = Decode(format, stream, allowNative: false, chunk: null);
            Assert.That(native.Length, Is.EqualTo(managed.Length), $"{format} at 0x{offset:x}: output length");
            Assert.That(native.AsSpan().SequenceEqual(managed), Is.True, $"{format} at 0x{offset:x}: output bytes differ");
            Assert.That(nativeEnd, Is.LessThanOrEqualTo(stream.Length), $"{format} at 0x{offset:x}: input position");
            compared++;
            if (depth < 3) compared += CompareEveryStream(new ByteSlice(native), depth + 1);
        }
        return compared;
    }

    /// <summary>The whole output and the final input position; <paramref name="chunk"/> gives ragged read sizes, null reads 80 KiB at a time.</summary>
    private static (byte[] Output, long InputPosition) Decode(CompressionFormat format, ByteSlice compressed, bool allowNative, Random? chunk)
    {
        var decoder = DecompressionStreams.Open(format, compressed, MaxBytes, allowNative);
        using var stream = decoder.Stream;
        Assert.That(stream is LiblzmaStream, Is.EqualTo(allowNative), "which decoder");
        var output = new MemoryStream();
        var buffer = new byte[80 << 10];
        while (true)
        {
            var want = chunk is null ? buffer.Length : chunk.Next(4) == 0 ? chunk.Next(1, 16) : chunk.Next(1, buffer.Length + 1);
            var n = stream.Read(buffer, 0, want);
            if (n == 0) break;
            output.Write(buffer, 0, n);
        }
        return (output.ToArray(), decoder.InputPosition());
    }

    [Test]
    public void NativeDecoderIsUsedOnLinuxWhenLiblzmaIsInstalled()
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess) Assert.Ignore("the native decoder is for 64-bit Linux");
        string[] roots = ["/lib", "/usr/lib", "/lib64", "/usr/lib64"];
        var installed = roots.Where(System.IO.Directory.Exists)
            .SelectMany(root => System.IO.Directory.GetDirectories(root).Prepend(root))
            .Any(dir => File.Exists(Path.Combine(dir, "liblzma.so.5")));
        if (!installed) Assert.Ignore("no liblzma.so.5 on this system");

        Assert.That(Liblzma.IsAvailable, Is.True, "liblzma.so.5 is installed but was not loaded");
        Assert.That(Liblzma.Version, Is.GreaterThanOrEqualTo(50000002u));
        using (var xz = DecompressionStreams.Open(CompressionFormat.Xz, new ByteSlice(Load("tiny.btf.xz")), MaxBytes).Stream)
            Assert.That(xz, Is.InstanceOf<LiblzmaStream>());
        using (var lzma = DecompressionStreams.Open(CompressionFormat.Lzma, new ByteSlice(Load("tiny.btf.lzma")), MaxBytes).Stream)
            Assert.That(lzma, Is.InstanceOf<LiblzmaStream>());
        using (var managed = DecompressionStreams.Open(CompressionFormat.Xz, new ByteSlice(Load("tiny.btf.xz")), MaxBytes, allowNative: false).Stream)
            Assert.That(managed, Is.Not.InstanceOf<LiblzmaStream>());
    }

    [TestCase("tiny.btf.xz")]
    [TestCase("tiny.btf.xz-x86-crc32")]
    [TestCase("tiny.btf.lzma")]
    public void NativeDecoderStopsAtTheEndOfTheStream(string file)
    {
        RequireNative();
        var stream = Load(file);
        var format = file.EndsWith(".lzma", StringComparison.Ordinal) ? CompressionFormat.Lzma : CompressionFormat.Xz;
        var (output, end) = Decode(format, new ByteSlice([.. stream, .. U32Le(713), .. Code(new Random(3), 200)]), allowNative: true, chunk: null);
        Assert.That(output, Is.EqualTo(Tiny));
        Assert.That(end, Is.EqualTo(stream.Length), "input consumed: exactly the stream");
    }

    [Test]
    public void TruncatedXzIsReportedAsTruncated()
    {
        RequireNative();
        var xz = Load("tiny.btf.xz");
        foreach (var length in new[] { 40, xz.Length / 2, xz.Length - 1 })
        {
            var e = Throws(xz[..length], "t.xz");
            Assert.That(e.Reason, Does.StartWith("xz stream corrupt (after ").And.Contain("ends prematurely").And.Contain("LZMA_BUF_ERROR"), $"truncated to {length}");
            Assert.That(e.Offset, Is.InRange(0, length), $"truncated to {length}");
        }
    }

    [Test]
    public void CorruptXzNamesTheLiblzmaError()
    {
        RequireNative();
        var xz = Load("tiny.btf.xz");
        xz[xz.Length / 2] ^= 0x55;
        var e = Throws(xz, "kernel.btf.xz");
        Assert.That(e.Reason, Does.StartWith("xz stream corrupt (after ").And.Contain("near input byte").And.Contain("(liblzma LZMA_"));
        Assert.That(e.Message, Does.StartWith("kernel.btf.xz, offset 0x"));

        var badHeader = Load("tiny.btf.xz");
        badHeader[7] ^= 0x04; // check type: the stream header CRC32 no longer matches
        Assert.That(Throws(badHeader).Reason, Does.StartWith("xz stream corrupt").And.Contain("LZMA_DATA_ERROR"));
    }

    [Test]
    public void XzDecompressionBombIsRefused()
    {
        var kernel = File.ReadAllBytes(TestKernels.PathOf(TestKernels.Local618));
        var limits = new ExtractionLimits(MaxLayerBytes: 1 << 20);
        var e = Assert.Throws<BtfFormatException>(() => BtfContainer.Extract(kernel, "bomb.xz", limits))!;
        Assert.That(e.Reason, Does.Contain("xz stream decompresses to more than 1048576 bytes"));
    }

    [Test]
    public void DecoderMemoryAboveTheLimitIsAClearError()
    {
        RequireNative();
        using var stream = LiblzmaStream.OpenXz(new ByteSlice(Load("tiny.btf.xz")), memlimit: 4096);
        var e = Assert.Throws<InvalidDataException>(() => stream.ReadByte())!;
        Assert.That(e.Message, Does.Contain("bytes of memory, more than the limit of 4096").And.Contain("LZMA_MEMLIMIT_ERROR"));
    }

    [Test]
    public void StoppingEarlyAndDisposingTwiceIsSafe()
    {
        RequireNative();
        var stream = LiblzmaStream.OpenXz(new ByteSlice(Load("tiny.btf.xz")), DecompressionStreams.NativeMemoryLimit(MaxBytes));
        var head = new byte[8];
        Assert.That(stream.Read(head), Is.EqualTo(8));
        Assert.That(head, Is.EqualTo(Tiny[..8]));
        Assert.That(stream.Ended, Is.False);
        stream.Dispose();
        stream.Dispose();
        Assert.Throws<ObjectDisposedException>(() => stream.ReadByte());
    }
}
