namespace BtfNotebooks.Kernels.Contexts;

/// <summary>
/// A program context could not be built as asked: a section name libbpf does not know or whose context the VM
/// does not build, an architecture without a known calling convention, more arguments than registers or than the
/// traced function takes, an argument of the wrong kind for its parameter.
/// </summary>
public sealed class KernelContextException(string message, Exception? inner = null) : Exception(message, inner);
