namespace BtfNotebooks.Kernels;

/// <summary>
/// Where a heap path ends: the heap object that holds the field (for <c>real_parent.tgid</c>, the parent task, not
/// the task the path starts from), the field's place and kind inside it, and its VM address, so a test can check
/// the address a BPF program would compute against the BTF's offsets.
/// </summary>
/// <param name="Object">The heap object the field lies in.</param>
/// <param name="Field">The field, with its offset from the start of <paramref name="Object"/>.</param>
/// <param name="Path">The path as resolved ("real_parent.tgid"; "->" written as ".").</param>
public sealed record HeapField(HeapObject Object, KernelField Field, string Path)
{
    /// <summary>The VM address of the field's first byte.</summary>
    public ulong Address => Object.Address + (ulong)Field.ByteOffset;

    public override string ToString() => $"{Path}: {Field.Description} at byte {Field.ByteOffset} of {Object.Label} (0x{Address:x})";
}
