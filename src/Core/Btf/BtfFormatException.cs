namespace BtfNotebooks.Btf;

/// <summary>
/// Input that is not valid BTF (or not a valid container of BTF). Always names where the problem is:
/// a byte offset in the input, a type ID, or both, plus the reason.
/// </summary>
public sealed class BtfFormatException : Exception
{
    public BtfFormatException(string reason, long? offset = null, uint? typeId = null, string? source = null, Exception? inner = null)
        : base(Compose(reason, offset, typeId, source), inner)
    {
        Reason = reason;
        Offset = offset;
        TypeId = typeId;
        Source = source;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }

    /// <summary>Byte offset in the input (or in the decompressed layer named in <see cref="Source"/>) where the problem is.</summary>
    public long? Offset { get; }

    /// <summary>The BTF type ID concerned, if any.</summary>
    public uint? TypeId { get; }

    /// <summary>File name or container layer (e.g. "vmlinuz > xz payload > ELF .BTF").</summary>
    public new string? Source { get; }

    private static string Compose(string reason, long? offset, uint? typeId, string? source)
    {
        var where = new List<string>();
        if (source is not null) where.Add(source);
        if (offset is long o) where.Add($"offset 0x{o:x} ({o})");
        if (typeId is uint id) where.Add($"type [{id}]");
        return where.Count == 0 ? reason : $"{string.Join(", ", where)}: {reason}";
    }
}
