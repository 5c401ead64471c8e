namespace BtfNotebooks.Asm;

/// <summary>One problem in an encoded program: the 8-byte slot it is in and why.</summary>
public readonly record struct EncodingError(int Slot, string Reason)
{
    public override string ToString() => $"slot {Slot}: {Reason}";
}

/// <summary>
/// Bytes that are not a valid BPF program. Lists every invalid slot, not only the first, each with its index and
/// the reason.
/// </summary>
public sealed class BpfEncodingException : Exception
{
    public BpfEncodingException(IReadOnlyList<EncodingError> errors, string? source = null)
        : base(Compose(errors, source))
    {
        Errors = errors;
        Source = source;
    }

    public BpfEncodingException(int slot, string reason, string? source = null) : this([new EncodingError(slot, reason)], source) { }

    public IReadOnlyList<EncodingError> Errors { get; }

    /// <summary>File or section the program came from, if known.</summary>
    public new string? Source { get; }

    private static string Compose(IReadOnlyList<EncodingError> errors, string? source)
    {
        string prefix = source is null ? "" : source + ": ";
        return errors.Count == 1
            ? $"{prefix}invalid instruction at {errors[0]}"
            : $"{prefix}{errors.Count} invalid instructions:{string.Concat(errors.Select(e => "\n  " + e))}";
    }
}
