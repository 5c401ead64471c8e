using BtfNotebooks.Vm.Maps;

namespace BtfNotebooks.Vm.Helpers;

/// <summary>
/// The emulated kernel helpers: each does what the kernel's implementation does (kernel/bpf/helpers.c,
/// kernel/trace/bpf_trace.c, kernel/bpf/ringbuf.c...), with its return values and errors, on the VM's memory and
/// maps (<see cref="BpfMapSet"/>; maps are found from the <c>struct bpf_map *</c> a program passes) and on a
/// <see cref="BpfEnvironment"/> for what comes from outside (current task, clock, CPU, trace output).
/// <para>
/// What the kernel's verifier would have rejected (a NULL map, a lookup in a ring buffer, a destination the program
/// cannot write, submitting a record twice) is a <see cref="BpfRuntimeException"/> naming the helper, not a return
/// value: no verified program gets there. Faults while reading the memory a probe_read helper is told to read are
/// return values (-EFAULT), as in the kernel.
/// </para>
/// Tests replace any of them, or add others, with <see cref="HelperTable.Register"/> after <see cref="Register(BpfVm, BpfEnvironment?)"/>.
/// </summary>
public static class BpfHelpers
{
    /// <summary>BPF_MAX_LOOPS: the most iterations bpf_loop runs (more is -E2BIG).</summary>
    public const uint MaxLoops = 8 * 1024 * 1024;

    /// <summary>The helper IDs <see cref="Register(HelperTable, BpfEnvironment)"/> registers.</summary>
    public static IReadOnlyList<int> EmulatedIds { get; } =
    [
        BpfHelperIds.MapLookupElem, BpfHelperIds.MapUpdateElem, BpfHelperIds.MapDeleteElem, 4, BpfHelperIds.KtimeGetNs,
        BpfHelperIds.TracePrintk, BpfHelperIds.GetPrandomU32, BpfHelperIds.GetSmpProcessorId, BpfHelperIds.TailCall,
        BpfHelperIds.GetCurrentPidTgid, BpfHelperIds.GetCurrentUidGid, BpfHelperIds.GetCurrentComm, BpfHelperIds.PerfEventOutput,
        BpfHelperIds.GetCurrentTask, 45, BpfHelperIds.ProbeReadUser, BpfHelperIds.ProbeReadKernel, BpfHelperIds.ProbeReadUserStr,
        BpfHelperIds.ProbeReadKernelStr, BpfHelperIds.RingbufOutput, BpfHelperIds.RingbufReserve, BpfHelperIds.RingbufSubmit,
        BpfHelperIds.RingbufDiscard, BpfHelperIds.RingbufQuery, BpfHelperIds.GetCurrentTaskBtf, BpfHelperIds.Loop,
    ];

    /// <summary>Registers every emulated helper in <paramref name="vm"/>'s table (shared with its siblings); returns the environment.</summary>
    public static BpfEnvironment Register(BpfVm vm, BpfEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(vm);
        environment ??= new BpfEnvironment();
        Register(vm.Helpers, environment);
        return environment;
    }

    /// <summary>Registers every emulated helper in <paramref name="table"/>, reading <paramref name="env"/>.</summary>
    public static void Register(HelperTable table, BpfEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(env);
        void Add(int id, HelperFunction function) => table.Register(id, BpfHelperIds.NameOf(id)!, function);

        Add(BpfHelperIds.MapLookupElem, MapLookupElem);
        Add(BpfHelperIds.MapUpdateElem, MapUpdateElem);
        Add(BpfHelperIds.MapDeleteElem, MapDeleteElem);
        Add(BpfHelperIds.KtimeGetNs, _ => env.ReadClock());
        Add(BpfHelperIds.TracePrintk, c => TracePrintk(c, env));
        Add(BpfHelperIds.GetPrandomU32, _ => env.NextRandom());
        Add(BpfHelperIds.GetSmpProcessorId, _ => (ulong)env.Cpu);
        Add(BpfHelperIds.TailCall, TailCall);
        Add(BpfHelperIds.GetCurrentPidTgid, _ => env.CurrentTask is { } t ? (ulong)(uint)t.Tgid << 32 | (uint)t.Pid : Error(BpfErrno.EINVAL));
        Add(BpfHelperIds.GetCurrentUidGid, _ => env.CurrentTask is { } t ? (ulong)t.Gid << 32 | t.Uid : Error(BpfErrno.EINVAL));
        Add(BpfHelperIds.GetCurrentComm, c => GetCurrentComm(c, env));
        Add(BpfHelperIds.PerfEventOutput, c => PerfEventOutput(c, env));
        Add(BpfHelperIds.GetCurrentTask, _ => env.CurrentTask?.Address ?? 0);
        Add(BpfHelperIds.GetCurrentTaskBtf, _ => env.CurrentTask?.Address ?? 0);
        // The VM has one address space, so user and kernel reads read the same memory; bpf_probe_read (4) and
        // bpf_probe_read_str (45), the pre-5.5 helpers, behave like the kernel variants.
        Add(4, ProbeRead);
        Add(BpfHelperIds.ProbeReadUser, ProbeRead);
        Add(BpfHelperIds.ProbeReadKernel, ProbeRead);
        Add(45, ProbeReadStr);
        Add(BpfHelperIds.ProbeReadUserStr, ProbeReadStr);
        Add(BpfHelperIds.ProbeReadKernelStr, ProbeReadStr);
        Add(BpfHelperIds.RingbufOutput, c => (ulong)RingBuf(c, c.R1).Output(HelperMemory.Get(c.Memory, c.R2, (long)c.R3, false, "data"), c.R4));
        Add(BpfHelperIds.RingbufReserve, c => RingBuf(c, c.R1).Reserve(c.R2, c.R3));
        Add(BpfHelperIds.RingbufSubmit, c => RingBufCommit(c, discard: false));
        Add(BpfHelperIds.RingbufDiscard, c => RingBufCommit(c, discard: true));
        Add(BpfHelperIds.RingbufQuery, c => RingBuf(c, c.R1).Query(c.R2));
        Add(BpfHelperIds.Loop, Loop);
    }

    private static ulong Error(int errno) => unchecked((ulong)-(long)errno);

    /// <summary>The map a program passed as <c>struct bpf_map *</c>; anything else is what the verifier rejects.</summary>
    private static BpfMap Map(HelperCall c, ulong address, string argument = "r1") =>
        BpfMap.FromAddress(c.Memory, address) ?? throw new BpfRuntimeException(RuntimeErrorKind.HelperFailed,
            $"{argument} = 0x{address:x} is not a map (the struct bpf_map * that lddw of a map loads); the verifier requires one");

    private static ulong MapLookupElem(HelperCall c)
    {
        var map = Map(c, c.R1);
        return map.LookupForProgram(HelperMemory.Get(c.Memory, c.R2, map.KeySize, false, "key"));
    }

    private static ulong MapUpdateElem(HelperCall c)
    {
        var map = Map(c, c.R1);
        var key = HelperMemory.Get(c.Memory, c.R2, map.KeySize, false, "key");
        var value = HelperMemory.Get(c.Memory, c.R3, map.ValueSize, false, "value");
        return (ulong)map.UpdateForProgram(key, value, c.R4);
    }

    private static ulong MapDeleteElem(HelperCall c)
    {
        var map = Map(c, c.R1);
        return (ulong)map.DeleteForProgram(HelperMemory.Get(c.Memory, c.R2, map.KeySize, false, "key"));
    }

    // bpf_trace_printk(fmt, fmt_size, arg1, arg2, arg3): the verifier checked fmt_size readable bytes at fmt.
    private static ulong TracePrintk(HelperCall c, BpfEnvironment env)
    {
        var format = HelperMemory.Get(c.Memory, c.R1, (uint)c.R2, false, "format");
        long result = BpfPrintf.Format(format, [c.R3, c.R4, c.R5], c.Memory, out var text);
        if (text is not null) env.Print(text);
        return (ulong)result;
    }

    // bpf_tail_call(ctx, prog_array, index), as Linux 6.18's x86-64 JIT does it (bpftool-checked, see
    // HelperKernelDifferentialTests): an index past max_entries falls through; with MAX_TAIL_CALL_CNT calls taken the
    // call falls through; an empty slot falls through without counting; otherwise it counts and jumps. (Older
    // kernels' interpreter counted before looking at the slot.) When it falls through the kernel leaves r0 as it was
    // and the verifier forbids reading it ("R0 !read_ok"), so no verified program sees the value; the VM returns
    // -ENOENT (no program at the index) or -E2BIG (the limit) so that a trace says why.
    private static ulong TailCall(HelperCall c)
    {
        var map = Map(c, c.R2, "r2");
        if (map is not ProgArrayMap array)
            throw new BpfRuntimeException(RuntimeErrorKind.HelperFailed, $"r2 is {map}, not a prog_array map; the verifier requires one for bpf_tail_call");
        uint index = (uint)c.R3;
        if (index >= array.MaxEntries) return Error(BpfErrno.ENOENT);
        if (c.Vm.TailCallCount >= BpfVm.MaxTailCalls) return Error(BpfErrno.E2BIG);
        if (array[index] is not { } program) return Error(BpfErrno.ENOENT);
        c.Vm.TryCountTailCall();
        return c.Vm.TailCall(program.VmFor(c.Vm), c.R1);
    }

    // bpf_get_current_comm(buf, size): strscpy_pad of task->comm, or the buffer zeroed and -EINVAL without a task.
    private static ulong GetCurrentComm(HelperCall c, BpfEnvironment env)
    {
        var buffer = HelperMemory.Get(c.Memory, c.R1, (uint)c.R2, true, "comm buffer");
        buffer.Clear();
        if (env.CurrentTask is not { } task) return Error(BpfErrno.EINVAL);
        var comm = task.CommBytes;
        if (buffer.Length > 0) comm.AsSpan(0, Math.Min(comm.Length, buffer.Length - 1)).CopyTo(buffer);
        return 0;
    }

    // bpf_perf_event_output(ctx, map, flags, data, size). Tracing programs allow only index bits in flags; skb and XDP
    // programs (their context is an __sk_buff or xdp_md) may also ask for packet bytes in BPF_F_CTXLEN_MASK, which
    // are appended to the sample (-EFAULT when the packet is shorter).
    private static ulong PerfEventOutput(HelperCall c, BpfEnvironment env)
    {
        var map = Map(c, c.R2, "r2");
        if (map is not PerfEventArrayMap events)
            throw new BpfRuntimeException(RuntimeErrorKind.HelperFailed, $"r2 is {map}, not a perf_event_array map; the verifier requires one for bpf_perf_event_output");
        ulong flags = c.R3;
        var packet = PacketOf(c);
        ulong allowed = PerfEventArrayMap.IndexMask | (packet is null ? 0 : PerfEventArrayMap.ContextLengthMask);
        if ((flags & ~allowed) != 0) return Error(BpfErrno.EINVAL);
        var data = HelperMemory.Get(c.Memory, c.R4, (long)c.R5, false, "data");
        ulong contextLength = (flags & PerfEventArrayMap.ContextLengthMask) >> 32;
        if (contextLength == 0) return (ulong)events.Output(env.Cpu, flags, data);
        if (contextLength > (ulong)packet!.Value.Length) return Error(BpfErrno.EFAULT);
        var sample = new byte[data.Length + (int)contextLength];
        data.CopyTo(sample);
        packet.Value.Span[..(int)contextLength].CopyTo(sample.AsSpan(data.Length));
        return (ulong)events.Output(env.Cpu, flags, sample);
    }

    /// <summary>The packet bytes of an xdp_md or __sk_buff context in r1 (data to data_end), or null for other contexts.</summary>
    private static ReadOnlyMemory<byte>? PacketOf(HelperCall c)
    {
        if (c.Memory.Find(c.R1) is not ContextRegion context || context.Address != c.R1) return null;
        (int data, int dataEnd) = context.Name switch
        {
            "xdp_md" => (0, 4),
            "__sk_buff" => (76, 80),
            _ => (-1, -1),
        };
        if (data < 0 || context.LoadHook(data, 4, out ulong start) != LoadHookResult.Value || context.LoadHook(dataEnd, 4, out ulong end) != LoadHookResult.Value)
            return null;
        var packet = c.Memory.Find(start);
        if (packet is null || end < start || end > packet.End) return null;
        return packet.Data.AsMemory((int)(start - packet.Address), (int)(end - start));
    }

    // bpf_probe_read_{user,kernel}(dst, size, unsafe_ptr): copy, or zero dst and return -EFAULT.
    private static ulong ProbeRead(HelperCall c)
    {
        uint size = (uint)c.R2;
        var destination = HelperMemory.Get(c.Memory, c.R1, size, true, "destination");
        if (!HelperMemory.TryGet(c.Memory, c.R3, size, false, out var source, out _, out _))
        {
            destination.Clear();
            return Error(BpfErrno.EFAULT);
        }
        source.CopyTo(destination);
        return 0;
    }

    // bpf_probe_read_{user,kernel}_str(dst, size, unsafe_ptr): strncpy_from_*_nofault. Copies up to the NUL and
    // returns the bytes copied with it; a string of size bytes or more is cut to size - 1 and NUL-terminated (returns
    // size); an unreadable byte before the end zeroes all of dst and returns -EFAULT. Bytes after the NUL are left alone.
    private static ulong ProbeReadStr(HelperCall c)
    {
        uint size = (uint)c.R2;
        if (size == 0) return 0;
        var destination = HelperMemory.Get(c.Memory, c.R1, size, true, "destination");
        if (!HelperMemory.TryReadString(c.Memory, c.R3, (int)size, out var text, out bool terminated))
        {
            destination.Clear();
            return Error(BpfErrno.EFAULT);
        }
        if (!terminated)
        {
            text[..^1].CopyTo(destination);
            destination[^1] = 0;
            return size;
        }
        text.CopyTo(destination);
        destination[text.Length] = 0;
        return (ulong)text.Length + 1;
    }

    private static RingBufMap RingBuf(HelperCall c, ulong address) => Map(c, address) as RingBufMap
        ?? throw new BpfRuntimeException(RuntimeErrorKind.HelperFailed, $"r1 is {Map(c, address)}, not a ringbuf map; the verifier requires one");

    // bpf_ringbuf_submit/discard(data, flags): the ring is found from the record, as the kernel finds it from pg_off.
    private static ulong RingBufCommit(HelperCall c, bool discard)
    {
        if (c.Memory.Find(c.R1) is not RingBufRegion region)
            throw new BpfRuntimeException(RuntimeErrorKind.HelperFailed,
                $"r1 = 0x{c.R1:x} is not a ring buffer record (bpf_ringbuf_reserve returns one); the verifier requires one");
        region.Map.Commit(c.R1, c.R2, discard);
        return 0;
    }

    // bpf_loop(nr_loops, callback_fn, callback_ctx, flags): flags must be 0 (-EINVAL), at most BPF_MAX_LOOPS
    // iterations; calls callback(i, ctx) until it returns non-zero, and returns the iterations run. Too many loops
    // is -E2BIG, but as the verifier's inlined bpf_loop returns it: the verifier inlines every call whose flags are a
    // known 0 (so nearly all), and its code sets r0 with a 32-bit move, so the program sees 0xfffffff9 rather than -7
    // (bpftool-checked on Linux 6.18, see HelperKernelDifferentialTests).
    private static ulong Loop(HelperCall c)
    {
        uint loops = (uint)c.R1;
        if (c.R4 != 0) return Error(BpfErrno.EINVAL);
        if (loops > MaxLoops) return unchecked((uint)-BpfErrno.E2BIG);
        for (uint i = 0; i < loops; i++)
            if (c.Vm.CallFunction(c.R2, i, c.R3) != 0) return (ulong)i + 1;
        return loops;
    }
}
