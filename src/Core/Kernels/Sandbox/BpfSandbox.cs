using BtfNotebooks.Asm;
using BtfNotebooks.CoRe;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.BtfExt;
using BtfNotebooks.Kernels.Contexts;
using BtfNotebooks.Vm;
using BtfNotebooks.Vm.Helpers;
using BtfNotebooks.Vm.Maps;

namespace BtfNotebooks.Kernels.Sandbox;

/// <summary>
/// One program of a BPF object loaded for one kernel, as libbpf and the kernel would load it, but into the
/// interpreter: CO-RE relocated against the kernel's BTF, linked, its maps created, the emulated helpers installed
/// (refusing helpers the kernel does not have), and a <see cref="KernelHeap"/> for kernel objects laid out by that
/// kernel's BTF. <see cref="Run"/> builds the context its section calls for and runs it.
/// </summary>
public sealed class BpfSandbox
{
    private BpfSandbox(KernelEntry kernel, CoreObject code, CoreProgram entry, CoreRelocationReport relocation, IReadOnlyList<Instruction> instructions,
        BpfVm vm, BpfMapSet maps, BpfEnvironment environment, KernelHeap heap)
    {
        Kernel = kernel;
        Code = code;
        Entry = entry;
        Relocation = relocation;
        Instructions = instructions;
        Vm = vm;
        Maps = maps;
        Environment = environment;
        Heap = heap;
    }

    public KernelEntry Kernel { get; }
    public CoreObject Code { get; }

    /// <summary>The program that runs (section and function).</summary>
    public CoreProgram Entry { get; }

    /// <summary>What CO-RE relocation did for this kernel, record by record.</summary>
    public CoreRelocationReport Relocation { get; }

    /// <summary>The relocated, linked program the VM runs.</summary>
    public IReadOnlyList<Instruction> Instructions { get; }

    public BpfVm Vm { get; }
    public BpfMapSet Maps { get; }

    /// <summary>Current task, clock, CPU and trace output the helpers use.</summary>
    public BpfEnvironment Environment { get; }

    /// <summary>Kernel objects laid out by this kernel's BTF, in the VM's memory.</summary>
    public KernelHeap Heap { get; }

    /// <summary>Loads <paramref name="program"/> (function or section name; null: the only one) of a clang- or rustc-built object.</summary>
    /// <exception cref="BpfLoadException">The kernel would refuse the program: a CO-RE relocation failed, or it calls a helper the kernel lacks.</exception>
    public static BpfSandbox Load(BpfObjectFile obj, KernelEntry kernel, string? program = null, VmOptions? options = null) =>
        Load(CoreObject.FromObject(obj), kernel, program, options);

    public static BpfSandbox Load(CoreObject code, KernelEntry kernel, string? program = null, VmOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(kernel);
        var relocation = code.Relocate(kernel.Spec, kernel.Name);
        var entry = code.EntryProgram(program);
        if (!relocation.Succeeded)
            throw new BpfLoadException($"{code.Name} does not load on {kernel.Name}: CO-RE relocation failed as libbpf's would: {relocation.FirstError!.Message}",
                relocation, kernel);

        BpfObjectFile? patched = code.Elf?.WithPatchedPrograms(relocation.Programs);
        var instructions = patched is null ? code.Link(relocation, entry.Name) : patched.LinkProgramWithMaps(entry.Name);
        CheckHelpers(code, kernel, instructions, relocation);

        var vm = new BpfVm(instructions, options);
        var maps = patched is null ? new BpfMapSet(vm.Memory, []) : BpfMapSet.Load(vm, patched);
        if (patched is null) maps.Attach(vm);
        var environment = BpfHelpers.Register(vm);
        var heap = new KernelHeap(kernel, vm);
        return new BpfSandbox(kernel, code, entry, relocation, instructions, vm, maps, environment, heap);
    }

    /// <summary>
    /// Makes <paramref name="task"/> the current task: bpf_get_current_task returns its address, and pid, tgid, comm
    /// and comm come from it; uid and gid from the arguments.
    /// </summary>
    public HeapObject SetCurrentTask(HeapObject task, uint uid = 0, uint gid = 0)
    {
        ArgumentNullException.ThrowIfNull(task);
        Environment.CurrentTask = new BpfTask((int)task.Get("pid"), (int)task.Get("tgid"), uid, gid, task.GetString("comm"), task.Address);
        return task;
    }

    /// <summary>
    /// Runs the program with the context its section calls for (<see cref="KernelContexts"/>): a packet for xdp,
    /// socket and tc; arguments for kprobe, raw_tp, fentry/fexit, tp_btf. With the interpreter (the default engine)
    /// every step is traced (the last ones explain a failure), up to <paramref name="maxTracedSteps"/>; with
    /// <see cref="VmEngine.Jit"/> in the options the compiled program runs untraced, with the same outcome.
    /// </summary>
    public SandboxRun Run(IReadOnlyList<KernelArgument>? arguments = null, byte[]? packet = null, KernelArgument? returnValue = null,
        int maxTracedSteps = 100_000)
    {
        var context = KernelContexts.Setup(Vm, Heap, Entry.Section, arguments, returnValue, packet);
        if (Vm.Options.Engine == VmEngine.Interpreter)
            return new SandboxRun(this, context, Vm.RunTraced(context.Address, 0, 0, 0, 0, maxTracedSteps));
        // A program rejected before it runs (Compile) is reported like a fault, as a traced run reports it.
        try
        {
            Vm.Compile();
            return new SandboxRun(this, context, Vm.Run(context.Address), null, Vm.Engine);
        }
        catch (BpfRuntimeException fault)
        {
            return new SandboxRun(this, context, null, fault, Vm.Engine);
        }
    }

    /// <summary>The relocation for this kernel as a table: one line per record.</summary>
    public string RelocationTable()
    {
        if (Relocation.Records.Count == 0)
            return $"{Code.Name} has no CO-RE records: every offset in it was fixed when it was compiled, whatever kernel it runs on";
        return $"CO-RE relocation of {Code.Name} for {Kernel.Name}:\n{Relocation.ToTable()}";
    }

    private static void CheckHelpers(CoreObject code, KernelEntry kernel, IReadOnlyList<Instruction> program, CoreRelocationReport relocation)
    {
        var available = KernelHelpers.Of(kernel.Spec);
        if (available is null) return; // a BTF without enum bpf_func_id (not a vmlinux): nothing to check against
        for (int i = 0; i < program.Count; i++)
        {
            var insn = program[i];
            if (!insn.IsCall || insn.Src != Register.R0 || insn.Imm == BpfVm.PoisonedRelocationHelper) continue;
            if (!available.Contains(insn.Imm))
                throw new BpfLoadException(
                    $"{code.Name} does not load on {kernel.Name}: instruction {i} calls helper {BpfHelperIds.NameOf(insn.Imm) ?? "#" + insn.Imm} (#{insn.Imm}), " +
                    $"which this kernel does not have (its enum bpf_func_id ends at #{available.Max()}); the verifier refuses it with \"invalid func unknown#{insn.Imm}\"",
                    relocation, kernel);
        }
    }
}

/// <summary>The kernel refused (would refuse) to load the program; <see cref="Relocation"/> shows what CO-RE did.</summary>
public sealed class BpfLoadException(string message, CoreRelocationReport relocation, KernelEntry kernel) : Exception(message)
{
    public CoreRelocationReport Relocation { get; } = relocation;
    public KernelEntry Kernel { get; } = kernel;
}
