using System.Text;

namespace BtfNotebooks.Btf.Containers;

/// <summary>A member of a tar archive; <see cref="Type"/> is the ustar typeflag.</summary>
internal sealed record TarEntry(string Name, char Type, long Size, long HeaderOffset)
{
    public bool IsRegularFile => Type is '0' or '\0' or '7';
}

/// <summary>
/// Forward-only reader for ustar / GNU / pax tar archives over any stream, so a compressed
/// data.tar is read only as far as the wanted member (a kernel package's data.tar is hundreds of
/// MB; /boot comes first). Understands GNU long names ('L') and pax 'path'/'size' records.
/// </summary>
internal sealed class TarReader(Stream stream, Layer layer)
{
    public const int BlockSize = 512;
    private const int MaxMetadataSize = 1 << 20;

    private long _position;
    private long _contentLeft;  // bytes of the current member not yet read
    private long _paddingLeft;
    private TarEntry? _current;

    /// <summary>Bytes of the archive consumed so far.</summary>
    public long Position => _position;

    /// <summary>A ustar or GNU header block ("ustar" magic) with a correct checksum.</summary>
    public static bool LooksLikeTar(ReadOnlySpan<byte> block) =>
        block.Length >= BlockSize && block.Slice(257, 5).SequenceEqual("ustar"u8) && ChecksumMatches(block);

    /// <summary>The next member (metadata entries are consumed), or null at the end of the archive.</summary>
    public TarEntry? Next()
    {
        Skip(_contentLeft + _paddingLeft, "member data");
        _contentLeft = _paddingLeft = 0;
        string? longName = null, paxPath = null;
        long? paxSize = null;
        var header = new byte[BlockSize];
        while (true)
        {
            var headerOffset = _position;
            var got = ReadFully(header);
            if (got == 0) return null; // no end-of-archive blocks: tolerated, as GNU tar does
            if (got < BlockSize) throw layer.Error($"tar header truncated ({got} of {BlockSize} bytes)", headerOffset);
            if (header.AsSpan().IndexOfAnyExcept((byte)0) < 0) return null; // end-of-archive marker
            if (!ChecksumMatches(header)) throw layer.Error("tar header checksum mismatch (corrupt archive, or not a tar)", headerOffset);

            var type = (char)header[156];
            var size = ParseNumber(header.AsSpan(124, 12), "size", headerOffset);
            switch (type)
            {
                case 'L':
                    longName = ReadMetadata(size, headerOffset, "GNU long name").TrimEnd('\0');
                    continue;
                case 'x':
                    ParsePax(ReadMetadata(size, headerOffset, "pax header"), ref paxPath, ref paxSize);
                    continue;
                case 'g' or 'K':
                    Skip(Padded(size), "metadata");
                    continue;
            }

            var realSize = paxSize ?? size;
            var name = paxPath ?? longName ?? HeaderName(header);
            _current = new TarEntry(name, type, realSize, headerOffset);
            var hasData = type is not ('1' or '2' or '3' or '4' or '5' or '6'); // links, devices, dirs, fifos carry no data
            _contentLeft = hasData ? realSize : 0;
            _paddingLeft = hasData ? Padded(realSize) - realSize : 0;
            return _current;
        }
    }

    /// <summary>The current member's data; it must not exceed the layer size limit.</summary>
    public ByteSlice ReadContent()
    {
        if (_current is null) throw new InvalidOperationException("no current tar member");
        if (_contentLeft > layer.Limits.MaxLayerBytes)
            throw layer.Error($"tar member {_current.Name} is {_contentLeft} bytes, over the {layer.Limits.MaxLayerBytes}-byte limit", _current.HeaderOffset);
        // grow as data arrives: a corrupt size field must not allocate a gigabyte up front
        var data = new byte[Math.Min(_contentLeft, 1 << 20)];
        var got = 0;
        while (true)
        {
            got += ReadFully(data.AsSpan(got));
            if (got == _contentLeft) break;
            if (got < data.Length)
                throw layer.Error($"tar member {_current.Name} truncated ({got} of {_contentLeft} bytes)", _position);
            Array.Resize(ref data, (int)Math.Min(_contentLeft, data.Length * 2L));
        }
        _contentLeft = 0;
        return new ByteSlice(data);
    }

    private string ReadMetadata(long size, long headerOffset, string what)
    {
        if (size > MaxMetadataSize) throw layer.Error($"tar {what} of {size} bytes is implausibly large", headerOffset);
        var data = new byte[size];
        if (ReadFully(data) < size) throw layer.Error($"tar {what} truncated", headerOffset);
        Skip(Padded(size) - size, what);
        return Encoding.UTF8.GetString(data);
    }

    /// <summary>pax records: "LENGTH key=value\n"; only the name and size matter here.</summary>
    private static void ParsePax(string text, ref string? path, ref long? size)
    {
        foreach (var record in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = record.IndexOf(' ');
            var equals = record.IndexOf('=');
            if (space < 0 || equals < space) continue;
            var key = record[(space + 1)..equals];
            var value = record[(equals + 1)..];
            if (key == "path") path = value;
            else if (key == "size" && long.TryParse(value, out var n) && n >= 0) size = n;
        }
    }

    private static string HeaderName(ReadOnlySpan<byte> header)
    {
        var name = CString(header[..100]);
        // the ustar prefix field; GNU tar ("ustar  ") uses those bytes for other things
        if (header.Slice(257, 6).SequenceEqual("ustar\0"u8) && header[345] != 0) name = CString(header.Slice(345, 155)) + "/" + name;
        return name;
    }

    private static string CString(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }

    /// <summary>Octal ASCII (space/NUL terminated) or GNU base-256 (top bit of the first byte set).</summary>
    private long ParseNumber(ReadOnlySpan<byte> field, string what, long headerOffset)
    {
        long value = 0;
        if ((field[0] & 0x80) != 0)
        {
            if (field[0] != 0x80 || field[1..5].IndexOfAnyExcept((byte)0) >= 0)
                throw layer.Error($"tar {what} field (base-256) is negative or too large", headerOffset + 124);
            foreach (var b in field[5..]) value = (value << 8) | b;
            return value;
        }
        var i = 0;
        while (i < field.Length && field[i] is (byte)' ' or 0) i++;
        for (; i < field.Length && field[i] is >= (byte)'0' and <= (byte)'7'; i++) value = value * 8 + (field[i] - '0');
        if (i < field.Length && field[i] is not ((byte)' ' or 0))
            throw layer.Error($"tar {what} field is not an octal number", headerOffset + 124);
        return value;
    }

    private static bool ChecksumMatches(ReadOnlySpan<byte> header)
    {
        long stored = 0;
        var field = header.Slice(148, 8);
        var i = 0;
        while (i < field.Length && field[i] == (byte)' ') i++;
        var digits = 0;
        for (; i < field.Length && field[i] is >= (byte)'0' and <= (byte)'7'; i++, digits++) stored = stored * 8 + (field[i] - '0');
        if (digits == 0) return false;
        long unsigned = 0, signed = 0; // historic tars summed signed chars
        for (var j = 0; j < BlockSize; j++)
        {
            var b = j is >= 148 and < 156 ? (byte)' ' : header[j];
            unsigned += b;
            signed += (sbyte)b;
        }
        return stored == unsigned || stored == signed;
    }

    private static long Padded(long size) => (size + BlockSize - 1) / BlockSize * BlockSize;

    private int ReadFully(Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        _position += total;
        return total;
    }

    private void Skip(long count, string what)
    {
        if (count == 0) return;
        var scratch = new byte[(int)Math.Min(count, 1 << 16)];
        var at = _position;
        for (var left = count; left > 0;)
        {
            var n = ReadFully(scratch.AsSpan(0, (int)Math.Min(left, scratch.Length)));
            if (n == 0) throw layer.Error($"tar archive truncated inside {what} (0x{count:x} bytes from 0x{at:x})", _position);
            left -= n;
        }
    }
}
