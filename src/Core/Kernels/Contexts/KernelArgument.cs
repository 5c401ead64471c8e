using System.Globalization;

namespace BtfNotebooks.Kernels.Contexts;

/// <summary>
/// One argument a context hands a program: a number (an int, a flag, a raw address) or a heap object, which the
/// context stores as its VM address, the way the kernel passes a <c>struct task_struct *</c>. Converts implicitly from
/// integers, bool and <see cref="HeapObject"/>, so contexts read like calls: <c>[task, -100, true]</c>.
/// </summary>
public readonly struct KernelArgument : IEquatable<KernelArgument>
{
    private KernelArgument(Int128 number, HeapObject? obj)
    {
        Number = number;
        Object = obj;
    }

    /// <summary>NULL: the number 0.</summary>
    public static KernelArgument Null => default;

    /// <summary>The number, for an argument that is not an object (negative values are stored as two's complement).</summary>
    public Int128 Number { get; }

    /// <summary>The heap object whose address is the argument, or null for a number.</summary>
    public HeapObject? Object { get; }

    public bool IsObject => Object is not null;

    public static implicit operator KernelArgument(int value) => new(value, null);
    public static implicit operator KernelArgument(uint value) => new(value, null);
    public static implicit operator KernelArgument(long value) => new(value, null);
    public static implicit operator KernelArgument(ulong value) => new(value, null);
    public static implicit operator KernelArgument(bool value) => new(value ? 1 : 0, null);
    public static implicit operator KernelArgument(HeapObject? obj) => obj is null ? Null : new(0, obj);

    public static KernelArgument FromInt64(long value) => value;
    public static KernelArgument FromObject(HeapObject? obj) => obj;

    /// <summary>
    /// The bits a <paramref name="bits"/>-wide register or slot holds for this argument: a negative number as two's
    /// complement, an object as its address. Throws, naming <paramref name="what"/>, when it does not fit either as a
    /// signed or an unsigned number.
    /// </summary>
    internal ulong ToBits(int bits, string what)
    {
        if (Object is { } obj)
        {
            if (bits < 64 && obj.Address >> bits != 0)
                throw new KernelContextException(
                    $"{what} is the {obj.Label}, but it is passed in {bits} bits: heap objects live at VM addresses of 4 GiB and above " +
                    "(each VM region has its own 4 GiB window), which a 32-bit kernel's registers and pointers cannot hold");
            return obj.Address;
        }
        Int128 min = -(Int128.One << (bits - 1)), max = (Int128.One << bits) - 1;
        if (Number < min || Number > max)
            throw new KernelContextException($"{what} is {this}, which does not fit in {bits} bits ({min}..{max})");
        return (ulong)(Number & max);
    }

    public bool Equals(KernelArgument other) => Number == other.Number && ReferenceEquals(Object, other.Object);
    public override bool Equals(object? obj) => obj is KernelArgument a && Equals(a);
    public override int GetHashCode() => HashCode.Combine(Number, Object);
    public static bool operator ==(KernelArgument a, KernelArgument b) => a.Equals(b);
    public static bool operator !=(KernelArgument a, KernelArgument b) => !a.Equals(b);

    /// <summary>"42", "-100", "&amp;task_struct at 0x300000000".</summary>
    public override string ToString() => Object is { } o ? $"&{o.Label}" : Number.ToString(CultureInfo.InvariantCulture);
}
