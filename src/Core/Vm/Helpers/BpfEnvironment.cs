namespace BtfNotebooks.Vm.Helpers;

/// <summary>
/// The task the helpers see as <c>current</c>. <see cref="Address"/> is the VM address of its
/// <c>struct task_struct</c> (for example a kernel object laid out from a kernel's BTF and mapped into the VM), which
/// bpf_get_current_task and bpf_get_current_task_btf return; 0 when the test maps none.
/// </summary>
/// <param name="Pid">The thread id (the kernel's task->pid), the low half of bpf_get_current_pid_tgid.</param>
/// <param name="Tgid">The process id (task->tgid), the high half.</param>
/// <param name="Uid">The low half of bpf_get_current_uid_gid.</param>
/// <param name="Gid">The high half.</param>
/// <param name="Comm">task->comm; the kernel keeps at most 15 bytes (TASK_COMM_LEN 16 with the NUL), so longer names are cut.</param>
/// <param name="Address">The task_struct's VM address, or 0.</param>
public sealed record BpfTask(int Pid, int Tgid, uint Uid, uint Gid, string Comm, ulong Address = 0)
{
    /// <summary>TASK_COMM_LEN.</summary>
    public const int CommLength = 16;

    /// <summary>task->comm as the kernel stores it: UTF-8, cut to 15 bytes.</summary>
    public byte[] CommBytes
    {
        get
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(Comm);
            return bytes.Length < CommLength ? bytes : bytes[..(CommLength - 1)];
        }
    }
}

/// <summary>
/// What the emulated helpers read from the world outside the program, set by the test: the current task, the
/// monotonic clock, the CPU, a random generator; and where bpf_trace_printk's output goes. One environment may serve
/// several VMs (a program and its tail-call targets share the helpers and so the environment).
/// </summary>
public sealed class BpfEnvironment
{
    private readonly List<string> _trace = [];
    private uint _random;

    /// <param name="randomSeed">Seed of bpf_get_prandom_u32's generator (any value; 0 is replaced by 1).</param>
    public BpfEnvironment(uint randomSeed = 0x2545F491)
    {
        _random = randomSeed == 0 ? 1 : randomSeed;
    }

    /// <summary>
    /// The task the program runs in. Null means none, and the helpers answer as the kernel does without one:
    /// bpf_get_current_pid_tgid and bpf_get_current_uid_gid -EINVAL, bpf_get_current_comm -EINVAL with the buffer
    /// zeroed, bpf_get_current_task 0.
    /// </summary>
    public BpfTask? CurrentTask { get; set; }

    /// <summary>What the next bpf_ktime_get_ns returns (ns since boot). Starts at one second, so 0 never looks like a time.</summary>
    public ulong KtimeNs { get; set; } = 1_000_000_000;

    /// <summary>How far the clock moves after each bpf_ktime_get_ns (default 1 µs, so two reads differ as on real hardware; 0 freezes it).</summary>
    public ulong KtimeStepNs { get; set; } = 1_000;

    /// <summary>The CPU the program runs on (bpf_get_smp_processor_id; BPF_F_CURRENT_CPU for perf event output).</summary>
    public int Cpu { get; set; }

    /// <summary>bpf_trace_printk's messages, one per successful call, as formatted (the kernel's trace line without its prefix).</summary>
    public IReadOnlyList<string> TraceLog => _trace;

    /// <summary>Called with each bpf_trace_printk message as it is printed.</summary>
    public event Action<string>? TracePrinted;

    /// <summary>Forgets <see cref="TraceLog"/>.</summary>
    public void ClearTraceLog() => _trace.Clear();

    /// <summary>The clock reading for bpf_ktime_get_ns, which then advances by <see cref="KtimeStepNs"/>.</summary>
    public ulong ReadClock()
    {
        ulong now = KtimeNs;
        KtimeNs = now + KtimeStepNs;
        return now;
    }

    /// <summary>The next bpf_get_prandom_u32 value (xorshift32: reproducible for a seed, not the kernel's generator).</summary>
    public uint NextRandom()
    {
        uint x = _random;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        return _random = x;
    }

    internal void Print(string message)
    {
        _trace.Add(message);
        TracePrinted?.Invoke(message);
    }
}
