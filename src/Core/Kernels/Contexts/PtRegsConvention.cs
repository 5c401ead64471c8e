namespace BtfNotebooks.Kernels.Contexts;

/// <summary>
/// Where an architecture's kprobe context keeps a function's register arguments and its return value: the
/// members of <c>struct pt_regs</c> that libbpf's <c>PT_REGS_PARM1..n</c> and <c>PT_REGS_RC</c> read
/// (<c>__PT_PARMn_REG</c> in bpf_tracing.h), as paths into the kernel's own <c>struct pt_regs</c>. Offsets come
/// from each kernel's BTF, never from here: <c>regs[0]</c> is at byte 0 on arm64, <c>gprs[2]</c> at byte 40 on s390x.
/// </summary>
/// <param name="Arch">The architecture, in Debian's spelling.</param>
/// <param name="Parameters">PARM1, PARM2...: the registers the kernel's calling convention passes arguments in, in order.</param>
/// <param name="ReturnValue">PT_REGS_RC: where a kretprobe finds the return value.</param>
/// <param name="LibbpfView">
/// The struct libbpf casts the context to before reading (<c>user_pt_regs</c> on arm64 and s390x,
/// <c>user_regs_struct</c> on riscv), whose members must lie where the kernel's <c>pt_regs</c> has them; null when
/// libbpf reads <c>struct pt_regs</c> itself.
/// </param>
public sealed record PtRegsConvention(string Arch, IReadOnlyList<string> Parameters, string ReturnValue, string? LibbpfView)
{
    /// <summary>The kernel struct a kprobe's r1 points at.</summary>
    public const string Struct = "pt_regs";

    private static readonly PtRegsConvention[] Known =
    [
        // x86-64 System V: rdi, rsi, rdx, rcx, r8, r9 (pt_regs names them without the r).
        new(KernelArch.Amd64, ["di", "si", "dx", "cx", "r8", "r9"], "ax", null),
        // The i386 kernel is built with -mregparm=3: eax, edx, ecx, then the stack. (libbpf's vmlinux.h branch
        // would read di, si... as on x86-64; these are the registers an i386 kernel really passes arguments in.)
        new(KernelArch.I386, ["ax", "dx", "cx"], "ax", null),
        new(KernelArch.Arm64, [.. Enumerable.Range(0, 8).Select(i => $"regs[{i}]")], "regs[0]", "user_pt_regs"),
        new(KernelArch.S390x, [.. Enumerable.Range(2, 5).Select(i => $"gprs[{i}]")], "gprs[2]", "user_pt_regs"),
        new(KernelArch.Riscv64, [.. Enumerable.Range(0, 8).Select(i => $"a{i}")], "a0", "user_regs_struct"),
        new(KernelArch.Ppc64el, [.. Enumerable.Range(3, 8).Select(i => $"gpr[{i}]")], "gpr[3]", "user_pt_regs"),
        new(KernelArch.Ppc64, [.. Enumerable.Range(3, 8).Select(i => $"gpr[{i}]")], "gpr[3]", "user_pt_regs"),
    ];

    /// <summary>Every architecture with a known convention.</summary>
    public static IReadOnlyList<PtRegsConvention> All => Known;

    /// <summary>The convention of <paramref name="arch"/> (any spelling <see cref="KernelArch.Normalize"/> reads: x86_64, aarch64...).</summary>
    /// <exception cref="KernelContextException">An unknown architecture.</exception>
    public static PtRegsConvention For(string arch)
    {
        ArgumentNullException.ThrowIfNull(arch);
        string? normalized = KernelArch.Normalize(arch.Trim());
        return Known.FirstOrDefault(c => c.Arch == normalized)
            ?? throw new KernelContextException($"no kprobe calling convention for architecture '{arch}' (known: {string.Join(", ", Known.Select(c => c.Arch))})");
    }

    /// <summary>"amd64: PARM1..6 = di, si, dx, cx, r8, r9; RC = ax".</summary>
    public override string ToString() => $"{Arch}: PARM1..{Parameters.Count} = {string.Join(", ", Parameters)}; RC = {ReturnValue}";
}
