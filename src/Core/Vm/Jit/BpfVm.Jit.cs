using System.Runtime.CompilerServices;

namespace BtfNotebooks.Vm;

/// <summary>Which engine executes a <see cref="BpfVm"/>'s runs.</summary>
public enum VmEngine
{
    /// <summary>The dispatch loop over decoded instructions: starts at once, about 1.4 ns per instruction.</summary>
    Interpreter,

    /// <summary>
    /// The program compiled to IL and then to machine code by the .NET JIT (milliseconds per program, paid once per
    /// distinct program and process): about seven times faster on loops, as fast as the kernel's JIT. Same results,
    /// instruction counts and faults as the interpreter; runs are not traced.
    /// </summary>
    Jit,
}

/// <summary>How the command line, notebooks and test settings name the engines.</summary>
public static class VmEngineNames
{
    /// <summary>"interp" or "interpreter", or "jit" (any case, surrounding spaces ignored); null for anything else.</summary>
    public static VmEngine? Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "interp" or "interpreter" => VmEngine.Interpreter,
        "jit" => VmEngine.Jit,
        _ => null,
    };

    /// <summary>"interpreter" or "jit", as output names the engine that ran.</summary>
    public static string Name(VmEngine engine) => engine == VmEngine.Jit ? "jit" : "interpreter";
}

/// <summary>The JIT engine's side of the VM: when code is compiled, which code a run uses, and what compiled code calls.</summary>
public sealed partial class BpfVm
{
    /// <summary>
    /// Programs longer than this run in the interpreter even with <see cref="VmEngine.Jit"/>: the .NET JIT takes
    /// seconds over a method this large (4.5 s for 65,000 instructions) and compiles it without optimizations.
    /// </summary>
    public const int MaxJitSlots = 1 << 16;

    /// <summary>Programs compiled (not found in the shared cache of compiled methods) in this process.</summary>
    internal static int JitCompilationCount => JitMethodCache.Compilations;

    private JitCode? _jit;
    private bool _jitTried;

    /// <summary>The compiled code of the run in progress (null: it runs in the interpreter, traced runs included).</summary>
    private JitCode? _runningJit;

    /// <summary>
    /// The engine runs of this VM use: <see cref="VmOptions.Engine"/>, unless the JIT could not compile the program
    /// (<see cref="JitFallbackReason"/> then says why and runs use the interpreter). Settled by <see cref="Compile"/>
    /// or the first run; until then it is the engine asked for.
    /// </summary>
    public VmEngine Engine => _jit is not null ? VmEngine.Jit : _jitTried || Options.Engine == VmEngine.Interpreter ? VmEngine.Interpreter : VmEngine.Jit;

    /// <summary>Why runs use the interpreter although <see cref="VmOptions.Engine"/> asked for the JIT; null otherwise.</summary>
    public string? JitFallbackReason { get; private set; }

    /// <summary>
    /// Decodes the program (and with <see cref="VmEngine.Jit"/> compiles it) now instead of on the first run, and
    /// returns the engine runs will use. Throws what <see cref="Run"/> would for a program that cannot run.
    /// </summary>
    public VmEngine Compile()
    {
        Ready();
        return Engine;
    }

    /// <summary>The interpreter's code, with the compiled code made first if the options ask for the JIT.</summary>
    private DecodedSlot[] Ready()
    {
        var code = _code ??= Prepare();
        if (Options.Engine == VmEngine.Jit && !_jitTried)
        {
            _jitTried = true;
            _jit = TryCompile(out string? reason);
            JitFallbackReason = reason;
        }
        return code;
    }

    private JitCode? TryCompile(out string? reason)
    {
        if (SlotCount > MaxJitSlots)
        {
            reason = $"the program has {SlotCount:N0} slots; the JIT compiles programs of up to {MaxJitSlots:N0}";
            return null;
        }
        var code = _plainCode ??= Prepare(fuse: false);
        int[] entries = [.. (_functionEntries ??= FunctionEntries()).Order()];
        var compiled = JitMethodCache.GetOrCompile(code, entries, () => CompileMethod(code, entries));
        reason = compiled.FailureReason;
        return compiled.Method is { } method ? (JitCode)method.CreateDelegate(typeof(JitCode), this) : null;
    }

    private JitMethodCache.Entry CompileMethod(DecodedSlot[] code, int[] entries)
    {
        System.Reflection.Emit.DynamicMethod method;
        try
        {
            method = JitCompiler.Build(this, code, entries);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException or PlatformNotSupportedException)
        {
            return new(null, $"compiling failed ({e.GetType().Name}: {e.Message})");
        }
        // The .NET JIT compiles the method on its first call and only then reports IL it rejects; call it with entry
        // -1 (it returns before the first instruction) so that a rejection means the interpreter, not a failed run.
        try
        {
            ((JitCode)method.CreateDelegate(typeof(JitCode), this))(-1, 0, 0, 0, 0, 0, 0, 0);
        }
        catch (Exception e) when (e is InvalidProgramException or NotSupportedException)
        {
            return new(null, $"the .NET JIT rejected the compiled method ({e.GetType().Name}: {e.Message})");
        }
        return new(method, null);
    }

    /// <summary>Runs <paramref name="code"/> (or this VM's compiled code, when the run in progress uses it) from <paramref name="entry"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private RunResult RunFrom(JitCode? jit, DecodedSlot[] code, int entry, int baseDepth, long budget, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5) =>
        jit is not null ? jit(entry, baseDepth, budget, a1, a2, a3, a4, a5) : Execute<FastRun>(code, entry, baseDepth, budget, a1, a2, a3, a4, a5);

    // ---- called by compiled code ----

    /// <summary>r10 of a run that starts in frame <paramref name="depth"/>.</summary>
    private ulong JitFrameTop(int depth) => _frameTop[depth];

    /// <summary>
    /// A bpf-to-bpf call from frame <paramref name="depth"/>: the interpreter's depth check, saved registers and
    /// zeroed callee frame (the return site is the compiled method's number for it); returns the callee's r10.
    /// </summary>
    private ulong JitEnterCall(int depth, int returnSite, int pc, ulong r6, ulong r7, ulong r8, ulong r9, ulong r10)
    {
        if (depth + 1 >= _frames.Length) throw CallDepthExceeded(pc, _frames.Length);
        _frames[depth] = new Frame { ReturnSlot = returnSite, R6 = r6, R7 = r7, R8 = r8, R9 = r9, R10 = r10 };
        Array.Clear(_stack[depth + 1].Data, _stackClearFrom, Options.StackSize - _stackClearFrom);
        return _stack[depth + 1].End;
    }

    /// <summary>Compiled code was entered at a slot where no function starts.</summary>
    private InvalidOperationException JitNoEntry(int entry) => new($"slot {entry} is not the start of a function of this program");

    // The RFC's division by zero (result 0) and modulo by zero (dividend unchanged), where IL would throw.
    private static ulong UDiv64(ulong a, ulong b) => b == 0 ? 0 : a / b;

    private static ulong UMod64(ulong a, ulong b) => b == 0 ? a : a % b;

    private static uint UDiv32(uint a, uint b) => b == 0 ? 0 : a / b;

    private static uint UMod32(uint a, uint b) => b == 0 ? a : a % b;
}
