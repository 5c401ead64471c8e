using System.Text;

namespace BtfNotebooks.Btf.Containers;

/// <summary>
/// Unix ar archives, i.e. Debian packages: <c>!&lt;arch&gt;\n</c>, then members with 60-byte
/// headers (name, mtime, uid, gid, mode, decimal size, "`\n") and 2-byte-aligned data. In a .deb
/// the BTF is in the <c>data.tar.*</c> member (its compression is detected by content).
/// </summary>
internal static class ArArchive
{
    private const int HeaderSize = 60;
    private static ReadOnlySpan<byte> GlobalMagic => "!<arch>\n"u8;

    internal readonly record struct Member(string Name, long HeaderOffset, long DataOffset, long Size);

    public static bool HasMagic(ReadOnlySpan<byte> s) => s.StartsWith(GlobalMagic);

    public static BtfBlob Extract(ByteSlice archive, Layer layer)
    {
        var members = ReadMembers(archive, layer);
        foreach (var member in members)
            if (member.Name.StartsWith("data.tar", StringComparison.Ordinal))
                return ExtractMember(archive, member, layer); // a .deb: its errors are the interesting ones

        // some other ar archive: take the first member that yields BTF
        var failures = new List<string>();
        foreach (var member in members.Where(m => m.Size > 0 && m.Name is not ("/" or "//" or "debian-binary")).Take(layer.Limits.MaxArchiveAttempts))
        {
            try
            {
                return ExtractMember(archive, member, layer);
            }
            catch (BtfFormatException e)
            {
                failures.Add($"{member.Name}: {e.Reason}");
            }
        }
        var tried = failures.Count == 0 ? "" : $"; tried {string.Join("; ", failures.Take(4))}";
        throw layer.Error($"ar: no data.tar member and no member holds BTF ({members.Count} members{tried})", GlobalMagic.Length);
    }

    private static BtfBlob ExtractMember(ByteSlice archive, Member member, Layer layer) =>
        LayerDispatcher.Extract(archive.Slice(member.DataOffset, member.Size), layer.Child($"ar member {member.Name}", member.HeaderOffset));

    public static List<Member> ReadMembers(ByteSlice archive, Layer layer)
    {
        var s = archive.Span;
        var members = new List<Member>();
        ReadOnlySpan<byte> longNames = default;
        long at = GlobalMagic.Length;
        while (at < s.Length)
        {
            if (s.Length - at < HeaderSize)
                throw layer.Error($"ar member header truncated ({s.Length - at} of {HeaderSize} bytes)", at);
            var header = s.Slice((int)at, HeaderSize);
            if (header[58] != (byte)'`' || header[59] != (byte)'\n')
                throw layer.Error("ar member header does not end with \"`\\n\" (corrupt archive)", at + 58);
            if (!long.TryParse(Encoding.ASCII.GetString(header.Slice(48, 10)).Trim(), out var size) || size < 0)
                throw layer.Error("ar member size field is not a decimal number", at + 48);
            var name = Encoding.ASCII.GetString(header[..16]).TrimEnd(' ');
            if (name.Length > 1 && name.EndsWith('/') && name != "//") name = name[..^1]; // GNU terminates short names with '/'
            var dataOffset = at + HeaderSize;
            if (size > s.Length - dataOffset)
                throw layer.Error($"ar member {name} ({size} bytes at 0x{dataOffset:x}) runs past end of file (0x{s.Length:x} bytes)", at);

            if (name.StartsWith("#1/", StringComparison.Ordinal)) // BSD: the name precedes the data
            {
                if (!int.TryParse(name.AsSpan(3), out var nameLength) || nameLength < 0 || nameLength > size)
                    throw layer.Error($"ar member BSD name length in '{name}' is invalid", at);
                name = Encoding.UTF8.GetString(s.Slice((int)dataOffset, nameLength)).TrimEnd('\0');
                dataOffset += nameLength;
                size -= nameLength;
            }
            else if (name == "//") // GNU long-name table, referenced as "/123"
            {
                longNames = s.Slice((int)dataOffset, (int)size);
            }
            else if (name.Length > 1 && name[0] == '/' && int.TryParse(name.AsSpan(1), out var index) && index < longNames.Length)
            {
                var rest = longNames[index..];
                var end = rest.IndexOf("/\n"u8);
                name = Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
            }

            members.Add(new Member(name, at, dataOffset, size));
            at = dataOffset + size;
            at += at & 1; // data is padded to an even offset (the pad byte may be missing at the very end)
        }
        return members;
    }
}
