using System.Formats.Tar;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Containers;
using NUnit.Framework;
using static BtfNotebooks.Tests.Containers.ContainerFixtures;

namespace BtfNotebooks.Tests.Containers;

/// <summary>
/// Truncations and byte flips of every container: the only acceptable outcomes are a result or a
/// <see cref="BtfFormatException"/> from the readers themselves (never the internal-error safety
/// net, another exception type, or a hang).
/// </summary>
public class RobustnessTests
{
    /// <param name="Name">Fixture file or in-process builder.</param>
    /// <param name="Expected">What an intact input yields.</param>
    /// <param name="IntactFrom">Truncating to this length or more may still succeed (trailing bytes that do not matter).</param>
    /// <param name="Checksummed">A flip either fails or changes nothing: the payload is covered by a checksum.</param>
    public sealed record Case(string Name, Func<byte[]> Input, Func<byte[]> Expected, Func<byte[], int> IntactFrom, bool Checksummed)
    {
        public override string ToString() => Name;
    }

    private static Case Fixture(string name, bool strictTruncation, bool checksummed, bool bigEndian = false) =>
        new(name, () => Load(name), () => bigEndian ? TinyBigEndian : Tiny, input => strictTruncation ? input.Length : 0, checksummed);

    public static IEnumerable<Case> Cases()
    {
        yield return Fixture("tiny.btf", strictTruncation: false, checksummed: false);
        yield return Fixture("tiny-be.btf", strictTruncation: false, checksummed: false, bigEndian: true);
        foreach (var name in new[] { "tiny.btf.gz", "tiny.btf.xz", "tiny.btf.xz-x86-crc32", "tiny.btf.zst", "tiny.btf.bz2", "tiny.btf.lz4" })
            yield return Fixture(name, strictTruncation: true, checksummed: true);
        yield return Fixture("tiny.btf.lz4-legacy", strictTruncation: true, checksummed: false);
        yield return Fixture("tiny.btf.lzma", strictTruncation: false, checksummed: false); // the end marker is optional
        foreach (var name in new[] { "elf64le.o", "elf32le.o", "elf64le-zlib.o", "elf64le-zstd.o", "elf64le-btf-in-rodata.o" })
            yield return Fixture(name, strictTruncation: name != "elf64le-btf-in-rodata.o", checksummed: false);
        yield return Fixture("elf64be.o", strictTruncation: true, checksummed: false, bigEndian: true);
        yield return Fixture("elf32be.o", strictTruncation: true, checksummed: false, bigEndian: true);
        foreach (var name in new[] { "btfhub-raw.btf.tar.xz", "btfhub-elf.btf.tar.xz", "linux-image-test.deb", "linux-image-test-zst.deb" })
        {
            // an odd-sized last ar member is followed by a pad byte that may be missing
            yield return new Case(name, () => Load(name), () => Tiny, input => input[^1] == '\n' ? input.Length - 1 : input.Length, Checksummed: true);
        }
        // the script's bzImage has 96 bytes of code after the payload
        yield return new Case("vmlinuz-xz.bzImage", () => Load("vmlinuz-xz.bzImage"), () => Tiny, input => input.Length - 96, Checksummed: true);
        yield return new Case("bzImage (lz4 legacy payload)", () => BzImage(Lz4Legacy(Load("elf64le.o"), appendSize: true)), () => Tiny, _ => 0, false);
        yield return new Case("bzImage (zstd payload)", () => BzImage(Zstd(Load("elf64be.o"))), () => TinyBigEndian, _ => 0, false);
        yield return new Case("raw Image", () => RawImage(size: 8192, tinyOffset: 3001).Image, () => Tiny, _ => 0, false);
        yield return new Case("EFI zboot", () => EfiZboot(Gzip(RawImage(size: 8192, tinyOffset: 3001).Image), "gzip"), () => Tiny, _ => 0, false);
        yield return new Case("pax tar.gz", () => Gzip(Tar(TarEntryFormat.Pax, ("README", "r"u8.ToArray()), ("x.btf", Load("elf32le.o")))), () => Tiny, _ => 0, true);
        yield return new Case("ar", () => Ar(("notes", "n"u8.ToArray()), ("data.tar", Tar(TarEntryFormat.Gnu, ("boot/vmlinux-1", Load("elf64le.o"))))), () => Tiny, _ => 0, false);
    }

    [TestCaseSource(nameof(Cases))]
    public void IntactInputYieldsTheBtf(Case c) => AssertYields(BtfContainer.Extract(c.Input()), c.Expected());

    [TestCaseSource(nameof(Cases))]
    public void EveryTruncationFailsCleanly(Case c)
    {
        var input = c.Input();
        var intactFrom = c.IntactFrom(input);
        var step = Math.Max(1, input.Length / 400);
        for (var length = 0; length < input.Length; length += length > input.Length - 64 ? 1 : step)
        {
            var outcome = Run(input[..length], $"truncated to {length}");
            if (length < intactFrom)
                Assert.That(outcome, Is.Null, $"{c.Name} truncated to {length} of {input.Length} bytes must be an error");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void RandomByteFlipsFailCleanly(Case c)
    {
        var input = c.Input();
        var expected = c.Expected();
        var rng = new Random(c.Name.Length * 7919 + input.Length);
        for (var i = 0; i < 150; i++)
        {
            var mutated = (byte[])input.Clone();
            var flips = i % 10 == 0 ? 3 : 1;
            var where = new List<int>();
            for (var f = 0; f < flips; f++)
            {
                var at = rng.Next(mutated.Length);
                mutated[at] ^= (byte)rng.Next(1, 256);
                where.Add(at);
            }
            var outcome = Run(mutated, $"flipped at {string.Join(",", where)}");
            if (c.Checksummed && outcome is not null)
                Assert.That(outcome.Span.SequenceEqual(expected), Is.True, $"{c.Name} flipped at {string.Join(",", where)} returned different BTF ({outcome.Origin})");
        }
    }

    /// <summary>The result, or null for a clean <see cref="BtfFormatException"/>; anything else fails the test.</summary>
    private static BtfBlob? Run(byte[] input, string what)
    {
        var task = Task.Run(() =>
        {
            try
            {
                return BtfContainer.Extract(input, "fuzz");
            }
            catch (BtfFormatException e)
            {
                Assert.That(e.Message, Does.Not.Contain("internal error"), $"{what}: safety net caught a reader bug");
                Assert.That(e.Source, Does.StartWith("fuzz"), what);
                return null;
            }
        });
        Assert.That(task.Wait(TimeSpan.FromSeconds(20)), Is.True, $"{what}: no result after 20 s (hang?)");
        return task.Result;
    }
}
