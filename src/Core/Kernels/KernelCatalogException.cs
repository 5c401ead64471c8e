namespace BtfNotebooks.Kernels;

/// <summary>
/// A kernel catalog could not be built or asked: two files with one name, a split file without its base, a
/// malformed MANIFEST.tsv, an unknown kernel name. The message names the files (or lists the known names).
/// </summary>
public sealed class KernelCatalogException(string message, Exception? inner = null) : Exception(message, inner);
