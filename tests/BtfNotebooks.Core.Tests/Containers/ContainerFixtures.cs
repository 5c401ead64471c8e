using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Containers;
using K4os.Compression.LZ4;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Containers;

/// <summary>
/// The committed fixtures in Data/containers (made by make-fixtures.sh) and in-process builders
/// for the containers whose layout the tests want to control.
/// </summary>
internal static class ContainerFixtures
{
    public static string Directory => Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "containers");

    public static byte[] Load(string name) => File.ReadAllBytes(Path.Combine(Directory, name));

    /// <summary>The raw little-endian BTF every fixture wraps (clang's BTF for tiny.c).</summary>
    public static byte[] Tiny => Load("tiny.btf");

    /// <summary>The same types, big-endian (clang -target bpfeb).</summary>
    public static byte[] TinyBigEndian => Load("tiny-be.btf");

    public static void AssertYields(BtfBlob blob, byte[] expected)
    {
        Assert.That(blob.Length, Is.EqualTo(expected.Length), $"length (origin: {blob.Origin})");
        Assert.That(blob.Span.SequenceEqual(expected), Is.True, $"bytes differ (origin: {blob.Origin})");
    }

    public static BtfFormatException Throws(byte[] input, string? sourceName = null) =>
        Assert.Throws<BtfFormatException>(() => BtfContainer.Extract(input, sourceName))!;

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize)) gzip.Write(data);
        return output.ToArray();
    }

    public static byte[] Zstd(byte[] data)
    {
        using var compressor = new ZstdSharp.Compressor(19);
        return compressor.Wrap(data).ToArray();
    }

    /// <summary>The kernel's lz4 legacy format: magic, then [u32 LE size][block] per <paramref name="blockSize"/> bytes of input.</summary>
    public static byte[] Lz4Legacy(byte[] data, int blockSize = 8 << 20, bool appendSize = false)
    {
        var output = new List<byte>(LegacyMagic);
        for (var at = 0; at < data.Length; at += blockSize)
        {
            var chunk = data.AsSpan(at, Math.Min(blockSize, data.Length - at));
            var block = new byte[LZ4Codec.MaximumOutputSize(chunk.Length)];
            var n = LZ4Codec.Encode(chunk, block, LZ4Level.L12_MAX);
            output.AddRange(U32Le((uint)n));
            output.AddRange(block.AsSpan(0, n).ToArray());
        }
        if (appendSize) output.AddRange(U32Le((uint)data.Length)); // what x86 appends to its payload
        return [.. output];
    }

    public static readonly byte[] LegacyMagic = [0x02, 0x21, 0x4C, 0x18];

    public static byte[] U32Le(uint value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        return b;
    }

    /// <summary>
    /// A minimal x86 bzImage: boot sector + setup sectors holding the "HdrS" header, then
    /// protected-mode "code" with the payload <paramref name="payloadOffset"/> bytes in.
    /// </summary>
    public static byte[] BzImage(byte[] payload, byte setupSects = 3, int payloadOffset = 0x1f0, ushort version = 0x020f, int trailing = 64, int seed = 1)
    {
        var sectors = setupSects == 0 ? 4 : setupSects;
        var rng = new Random(seed);
        var setup = new byte[(sectors + 1) * 512];
        setup[0x1F1] = setupSects;
        "HdrS"u8.CopyTo(setup.AsSpan(0x202));
        BinaryPrimitives.WriteUInt16LittleEndian(setup.AsSpan(0x206), version);
        BinaryPrimitives.WriteUInt32LittleEndian(setup.AsSpan(0x248), (uint)payloadOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(setup.AsSpan(0x24C), (uint)payload.Length);
        var lead = Code(rng, payloadOffset);
        return [.. setup, .. lead, .. payload, .. Code(rng, trailing)];
    }

    /// <summary>Pseudo-random bytes with no compression magic or BTF header in them.</summary>
    public static byte[] Code(Random rng, int length)
    {
        var bytes = new byte[length];
        rng.NextBytes(bytes);
        for (var i = 0; i < bytes.Length; i++)
            if (bytes[i] is 0x1F or 0xFD or 0x28 or 0x02 or 0x04 or 0x5D or (byte)'B' or 0x9F or 0xEB) bytes[i] = 0x90;
        return bytes;
    }

    /// <summary>An EFI zboot image header ("MZ", "zimg", payload offset/size, compression name) around <paramref name="payload"/>.</summary>
    public static byte[] EfiZboot(byte[] payload, string compression)
    {
        var header = new byte[0x40];
        header[0] = (byte)'M';
        header[1] = (byte)'Z';
        "zimg"u8.CopyTo(header.AsSpan(4));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), (uint)header.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), (uint)payload.Length);
        Encoding.ASCII.GetBytes(compression).CopyTo(header.AsSpan(24));
        return [.. header, .. payload, .. new byte[32]];
    }

    /// <summary>The smallest valid BTF: no types, string section "\0x\0" (a decoy for the raw scan).</summary>
    public static byte[] SmallValidBtf()
    {
        var blob = new byte[24 + 3];
        BinaryPrimitives.WriteUInt16LittleEndian(blob, 0xEB9F);
        blob[2] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(4), 24);  // hdr_len
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(20), 3);  // str_len
        blob[25] = (byte)'x';
        return blob;
    }

    /// <summary>
    /// A raw kernel "Image": random code with <see cref="Tiny"/> at an unaligned offset, a smaller
    /// valid decoy blob, and header candidates that fail validation.
    /// </summary>
    public const int DecoyOffset = 0x801;

    public static (byte[] Image, int TinyOffset) RawImage(int size = 256 << 10, int tinyOffset = 0x12345, int seed = 7)
    {
        var image = Code(new Random(seed), size);
        var tiny = Tiny;
        tiny.CopyTo(image, tinyOffset);
        SmallValidBtf().CopyTo(image, DecoyOffset);
        var bogus = SmallValidBtf();
        BinaryPrimitives.WriteUInt32LittleEndian(bogus.AsSpan(20), 0x7FFFFFF0); // strings run past the end of the image
        bogus.CopyTo(image, size - 1003);
        var noNul = SmallValidBtf();
        noNul[24] = (byte)'y'; // string section must start with NUL
        noNul.CopyTo(image, size - 501);
        return (image, tinyOffset);
    }

    public static byte[] Tar(TarEntryFormat format, params (string Name, byte[] Data)[] files)
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, format, leaveOpen: true))
        {
            foreach (var (name, data) in files)
            {
                System.Formats.Tar.TarEntry entry = format switch
                {
                    TarEntryFormat.Pax => new PaxTarEntry(TarEntryType.RegularFile, name),
                    TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.RegularFile, name),
                    _ => new UstarTarEntry(TarEntryType.RegularFile, name),
                };
                entry.DataStream = new MemoryStream(data);
                writer.WriteEntry(entry);
            }
        }
        return output.ToArray();
    }

    public static byte[] Ar(params (string Name, byte[] Data)[] members)
    {
        var output = new List<byte>("!<arch>\n"u8.ToArray());
        foreach (var (name, data) in members)
        {
            var header = $"{name + "/",-16}{"0",-12}{"0",-6}{"0",-6}{"100644",-8}{data.Length,-10}`\n";
            output.AddRange(Encoding.ASCII.GetBytes(header));
            output.AddRange(data);
            if (data.Length % 2 == 1) output.Add((byte)'\n');
        }
        return [.. output];
    }

    /// <summary>File offset of the ELF64 little-endian section header named <paramref name="name"/>.</summary>
    public static int SectionHeaderOffset(byte[] elf64le, string name)
    {
        var s = elf64le.AsSpan();
        var shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(s[40..]);
        var shnum = BinaryPrimitives.ReadUInt16LittleEndian(s[60..]);
        var shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(s[62..]);
        var strtab = (int)BinaryPrimitives.ReadUInt64LittleEndian(s[(shoff + shstrndx * 64 + 24)..]);
        for (var i = 0; i < shnum; i++)
        {
            var nameOffset = (int)BinaryPrimitives.ReadUInt32LittleEndian(s[(shoff + i * 64)..]);
            var rest = s[(strtab + nameOffset)..];
            if (Encoding.ASCII.GetString(rest[..rest.IndexOf((byte)0)]) == name) return shoff + i * 64;
        }
        throw new InvalidOperationException($"no section {name}");
    }
}
