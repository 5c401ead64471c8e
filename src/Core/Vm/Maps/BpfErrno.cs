namespace BtfNotebooks.Vm.Maps;

/// <summary>
/// The errno values map operations and helpers return, as the kernel returns them: negated in r0 (or in the int a
/// test-side map operation returns), so a program or test compares against exactly what it would see on Linux.
/// </summary>
public static class BpfErrno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int E2BIG = 7;
    public const int EAGAIN = 11;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int EINVAL = 22;
    public const int ENOSPC = 28;
    public const int ERANGE = 34;
    public const int EOPNOTSUPP = 95;

    /// <summary>The C name of a (positive or negated) errno this class defines, e.g. "-EEXIST" for -17; else the number.</summary>
    public static string Describe(long value)
    {
        string? name = Math.Abs(value) switch
        {
            EPERM => "EPERM", ENOENT => "ENOENT", E2BIG => "E2BIG", EAGAIN => "EAGAIN", EFAULT => "EFAULT", EBUSY => "EBUSY",
            EEXIST => "EEXIST", EINVAL => "EINVAL", ENOSPC => "ENOSPC", ERANGE => "ERANGE", EOPNOTSUPP => "EOPNOTSUPP",
            _ => null,
        };
        return name is null ? value.ToString(System.Globalization.CultureInfo.InvariantCulture) : (value < 0 ? "-" : "") + name;
    }
}

/// <summary>The flags of bpf_map_update_elem (BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK).</summary>
[Flags]
public enum BpfMapUpdateFlags : ulong
{
    /// <summary>BPF_ANY: create a new element or update an existing one.</summary>
    Any = 0,
    /// <summary>BPF_NOEXIST: create only; an existing key gives -EEXIST.</summary>
    NoExist = 1,
    /// <summary>BPF_EXIST: update only; a missing key gives -ENOENT.</summary>
    Exist = 2,
    /// <summary>BPF_F_LOCK: update under the value's bpf_spin_lock. The VM knows no value layouts, so it answers
    /// -EINVAL, as the kernel does for a value without a spin lock.</summary>
    Lock = 4,
}
