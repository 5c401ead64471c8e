namespace BtfNotebooks.Kernels;

/// <summary>
/// A kernel object could not be built as asked: an unknown type or field (with close names), a value that does
/// not fit the field, a field kind that takes no value (pointer, struct, non-char array), or malformed text.
/// </summary>
public sealed class KernelObjectException(string message, Exception? inner = null) : Exception(message, inner);
