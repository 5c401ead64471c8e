namespace BtfNotebooks.Btf;

/// <summary>A query named something the BTF does not have: an unknown type, member or field path.</summary>
public sealed class BtfLookupException(string message) : Exception(message);
