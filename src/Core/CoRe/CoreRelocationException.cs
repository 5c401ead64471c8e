namespace BtfNotebooks.CoRe;

/// <summary>
/// A relocation libbpf would refuse: the whole object load fails at this record. <see cref="Errno"/> is the
/// error libbpf returns (EINVAL, E2BIG, ERANGE, EOPNOTSUPP), for messages and comparisons with its log.
/// </summary>
public sealed class CoreRelocationException(string message, string errno = "EINVAL") : Exception(message)
{
    public string Errno { get; } = errno;
}
