namespace BtfNotebooks.Elf;

/// <summary>
/// A file that is not a well-formed BPF ELF object. Always says where: the byte offset in the file of the field or
/// record that is wrong, and the reason.
/// </summary>
public sealed class ElfFormatException : Exception
{
    public ElfFormatException(string reason, long offset, string? source = null, Exception? inner = null)
        : base(Compose(reason, offset, source), inner)
    {
        Reason = reason;
        Offset = offset;
        Source = source;
    }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }

    /// <summary>Byte offset in the file of the field or record that is wrong.</summary>
    public long Offset { get; }

    /// <summary>File name, if known.</summary>
    public new string? Source { get; }

    private static string Compose(string reason, long offset, string? source) =>
        $"{(source is null ? "" : source + ", ")}offset 0x{offset:x} ({offset}): {reason}";
}
