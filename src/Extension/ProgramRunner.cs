using BtfNotebooks.Asm;
using BtfNotebooks.CoRe;
using BtfNotebooks.Kernels;
using BtfNotebooks.Kernels.Contexts;
using BtfNotebooks.Kernels.Sandbox;
using BtfNotebooks.Vm;

namespace BtfNotebooks.Extension;

/// <summary>
/// What <c>#!bpf-run</c> does: relocate a program for one kernel as libbpf would, link it, give it a context
/// (a packet context by section, or a kernel object laid out by that kernel's BTF) and run it in the interpreter or
/// the JIT.
/// </summary>
public static class ProgramRunner
{
    public sealed record Options(string? Kernel = null, string? Entry = null, string? DataFile = null, string? Context = null,
        bool Trace = false, long? Budget = null, VmEngine Engine = VmEngine.Interpreter);

    /// <summary>The run: r0 or the fault, the relocation it ran with, the engine that ran it, and the trace when asked for.</summary>
    public sealed record Outcome(
        string Program, string Kernel, string Entry, string ContextDescription, CoreRelocationReport Relocation,
        IReadOnlyList<Instruction> Instructions, RunResult? Result, BpfRuntimeException? Fault, VmTrace? Trace,
        VmEngine Engine = VmEngine.Interpreter);

    public static Outcome Run(NotebookSession session, NotebookProgram program, Options options)
    {
        if (options.Trace && options.Engine == VmEngine.Jit)
            throw new NotebookException("--trace records every step, which only the interpreter does; run with --engine jit or with --trace, not both");
        var kernel = options.Kernel is { } k ? session.Kernels.Get(k)
            : program.Against is { } a ? session.Kernels.Get(a)
            : program.Code.Records.Count > 0 || NeedsKernel(options.Context) ? session.OnlyKernel("--kernel")
            : null;
        string kernelName = kernel?.Name ?? "(none)";
        var entry = program.Code.EntryProgram(options.Entry);
        var (kind, objectText) = ContextOf(options.Context, entry.Section, kernel);
        var vmOptions = new VmOptions
        {
            InstructionBudget = options.Budget ?? new VmOptions().InstructionBudget,
            EntryRegisters = kind == ProgramContextKind.Raw && objectText is null ? [1, 2] : [1],
            Engine = options.Engine,
        };

        // With a kernel, load as the test framework does: CO-RE for that kernel, the object's maps, the emulated
        // helpers (refusing those the kernel lacks) and a heap of kernel objects laid out by its BTF.
        BpfSandbox? sandbox = null;
        CoreRelocationReport report;
        IReadOnlyList<Instruction> instructions;
        BpfVm vm;
        if (kernel is not null)
        {
            try { sandbox = BpfSandbox.Load(program.Code, kernel, entry.Name, vmOptions); }
            catch (BpfLoadException e) { throw new NotebookException(e.Message); }
            (report, instructions, vm) = (sandbox.Relocation, sandbox.Instructions, sandbox.Vm);
        }
        else
        {
            report = CoreRelocationReport.Unrelocated(kernelName, program.Code.Programs);
            instructions = program.Code.Link(report, entry.Name);
            vm = new BpfVm(instructions, vmOptions);
        }

        ulong r1, r2 = 0;
        string description;
        if (objectText is not null)
        {
            var kernelObject = sandbox!.Heap.Parse(objectText);
            r1 = kernelObject.Address;
            description = $"r1 = &{kernelObject.TypeName} ({kernelObject.ToText()}; {kernel!.Name} layout, {kernelObject.Size} bytes)";
        }
        else
        {
            byte[] packet = options.DataFile is { } file ? File.ReadAllBytes(file) : new byte[64];
            r1 = ProgramContext.Setup(vm, kind, packet);
            if (kind == ProgramContextKind.Raw) r2 = (ulong)packet.Length;
            description = kind switch
            {
                ProgramContextKind.Raw => $"raw: r1 = packet, r2 = {packet.Length}",
                ProgramContextKind.Xdp => $"xdp: r1 = struct xdp_md over a {packet.Length}-byte packet",
                ProgramContextKind.SocketFilter => $"socket: r1 = struct __sk_buff over a {packet.Length}-byte packet",
                _ => $"tc: r1 = struct __sk_buff over a {packet.Length}-byte packet",
            };
        }

        if (options.Trace)
        {
            var traced = vm.RunTraced(r1, r2);
            return new Outcome(program.Name, kernelName, entry.Name, description, report, instructions, traced.Result, traced.Fault, traced);
        }
        try
        {
            vm.Compile();
            return new Outcome(program.Name, kernelName, entry.Name, description, report, instructions, vm.Run(r1, r2), null, null, vm.Engine);
        }
        catch (BpfRuntimeException e)
        {
            return new Outcome(program.Name, kernelName, entry.Name, description, report, instructions, null, e, null, vm.Engine);
        }
    }

    private static bool NeedsKernel(string? context) => context is not null && KindOf(context) is null;

    private static ProgramContextKind? KindOf(string context) => context.Trim().ToLowerInvariant() switch
    {
        "xdp" => ProgramContextKind.Xdp,
        "socket" or "socket_filter" => ProgramContextKind.SocketFilter,
        "tc" or "sched_cls" or "classifier" => ProgramContextKind.SchedClassifier,
        "raw" => ProgramContextKind.Raw,
        _ => null,
    };

    // Without --ctx, the packet context of the section's program type; others need --ctx, and the message says so.
    private static ProgramContextKind PacketContextOf(string section)
    {
        try { return ProgramSection.PacketContextOf(section); }
        catch (KernelContextException e) { throw new NotebookException($"{e.Message}; give its context with --ctx (raw, or a kernel object such as \"task_struct pid=42\" with --kernel)"); }
    }

    private static (ProgramContextKind Kind, string? ObjectText) ContextOf(string? context, string section, KernelEntry? kernel)
    {
        if (context is null) return (PacketContextOf(section), null);
        if (KindOf(context) is { } kind) return (kind, null);
        if (kernel is null) throw new NotebookException($"--ctx '{context}' builds a kernel object: name the kernel with --kernel");
        return (ProgramContextKind.Raw, context);
    }
}
