namespace BtfNotebooks.Vm;

/// <summary>Why a program stopped abnormally.</summary>
public enum RuntimeErrorKind
{
    /// <summary>A load, store or helper access outside every region, past a region's end, or into read-only memory.</summary>
    MemoryFault,
    /// <summary>The instruction budget ran out (a runaway loop).</summary>
    BudgetExhausted,
    /// <summary>bpf-to-bpf calls nested deeper than the frame limit.</summary>
    CallDepthExceeded,
    /// <summary>A call to a helper ID the helper table does not have.</summary>
    UnknownHelper,
    /// <summary>A helper rejected its arguments or failed.</summary>
    HelperFailed,
    /// <summary>The program cannot run here (unresolved map reference, kfunc, uninitialized register...).</summary>
    Unsupported,
    /// <summary>Execution reached an instruction libbpf poisoned because its CO-RE relocation failed (call 0xbad2310).</summary>
    PoisonedRelocation,
}

/// <summary>
/// A program that faulted or could not run. Names the instruction (slot index, and source line when known),
/// and for memory faults the address, size and region.
/// </summary>
public sealed class BpfRuntimeException : Exception
{
    public BpfRuntimeException(RuntimeErrorKind kind, string reason, Exception? inner = null) : base(reason, inner)
    {
        Kind = kind;
        Reason = reason;
    }

    public RuntimeErrorKind Kind { get; }

    /// <summary>What went wrong, without the location.</summary>
    public string Reason { get; }

    /// <summary>Slot index of the faulting instruction.</summary>
    public int? Slot { get; init; }

    /// <summary>The faulting instruction as text, when known.</summary>
    public string? InstructionText { get; init; }

    public ulong? Address { get; init; }

    public int? AccessSize { get; init; }

    public MemoryRegion? Region { get; init; }

    public override string Message => Slot is int slot
        ? $"instruction {slot}{(InstructionText is null ? "" : $" ({InstructionText})")}: {Reason}"
        : Reason;

    internal BpfRuntimeException At(int slot, string? text) => new(Kind, Reason, InnerException)
    {
        Slot = slot,
        InstructionText = text,
        Address = Address,
        AccessSize = AccessSize,
        Region = Region,
    };
}
