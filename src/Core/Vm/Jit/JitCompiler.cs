using System.Buffers.Binary;
using System.Reflection;
using System.Reflection.Emit;
using BtfNotebooks.Asm;

namespace BtfNotebooks.Vm;

public sealed partial class BpfVm
{
    /// <summary>
    /// Compiled code of a program (see <see cref="JitCompiler"/>): runs from the function starting at
    /// <paramref name="entry"/> in frame <paramref name="baseDepth"/> until that frame exits, exactly as
    /// <see cref="Execute{TMode}"/> does with the same arguments, and returns the same <see cref="RunResult"/>.
    /// </summary>
    private delegate RunResult JitCode(int entry, int baseDepth, long budget, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5);

    /// <summary>
    /// Translates a decoded program (<see cref="Prepare"/> without superinstructions) into one IL method, compiled by
    /// the .NET JIT to machine code. The method is the interpreter's loop unrolled over the program:
    /// <list type="bullet">
    /// <item>BPF registers are IL locals, so the .NET JIT keeps them in machine registers;</item>
    /// <item>every BPF jump is an IL branch to the target's label: no dispatch;</item>
    /// <item>memory goes through the interpreter's own inlined accessors (<see cref="Load32"/>, <see cref="Store"/>...),
    /// so the bounds checks, slow paths and faults are the same code, with the same messages;</item>
    /// <item>helpers go through <see cref="CallHelper(long,int,int,long,ulong,ulong,ulong,ulong,ulong)"/> and the same table;</item>
    /// <item>instructions are counted at compile time along straight-line code, including across untaken branches,
    /// and added to the run's count only where control merges, leaves or the count is read (a taken jump, a call,
    /// an exit, a label other jumps reach); the budget is checked on every taken jump, call and return, the same
    /// points as the interpreter, so a runaway loop faults on the same instruction with the same count;</item>
    /// <item>bpf-to-bpf calls keep the interpreter's frame array: a call saves r6..r10 and a return-site number, and
    /// <c>exit</c> in a called frame restores them and jumps through an IL <c>switch</c> over the return sites;</item>
    /// <item>every function start (the entry, call targets, callback addresses) is an entry point, so a helper's
    /// callback (<see cref="CallFunction"/>) and a tail call run compiled code too.</item>
    /// </list>
    /// The method is a <see cref="DynamicMethod"/> taking the VM as its first argument (bound as each delegate's target),
    /// shared by VMs that run the same code through <see cref="JitMethodCache"/>, and collected once no VM and no
    /// cache entry holds it.
    /// </summary>
    private sealed class JitCompiler
    {
        private static readonly BindingFlags Any = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;

        private static readonly MethodInfo Load8Method = Method(nameof(Load8));
        private static readonly MethodInfo Load16Method = Method(nameof(Load16));
        private static readonly MethodInfo Load32Method = Method(nameof(Load32));
        private static readonly MethodInfo Load64Method = Method(nameof(Load64));
        private static readonly MethodInfo StoreMethod = Method(nameof(Store));
        private static readonly MethodInfo AtomicUpdate32Method = Method(nameof(AtomicUpdate32));
        private static readonly MethodInfo AtomicUpdate64Method = Method(nameof(AtomicUpdate64));
        private static readonly MethodInfo CallHelperMethod = typeof(BpfVm).GetMethod(nameof(CallHelper), Any,
            [typeof(long), typeof(int), typeof(int), typeof(long), typeof(ulong), typeof(ulong), typeof(ulong), typeof(ulong), typeof(ulong)])!;
        private static readonly MethodInfo BudgetExhaustedMethod = Method(nameof(BudgetExhausted));
        private static readonly MethodInfo NotExecutableMethod = Method(nameof(NotExecutable));
        private static readonly MethodInfo JitEnterCallMethod = Method(nameof(JitEnterCall));
        private static readonly MethodInfo JitFrameTopMethod = Method(nameof(JitFrameTop));
        private static readonly MethodInfo JitNoEntryMethod = Method(nameof(JitNoEntry));
        private static readonly MethodInfo MemoryGetter = typeof(BpfVm).GetProperty(nameof(Memory))!.GetMethod!;
        private static readonly MethodInfo OptionsGetter = typeof(BpfVm).GetProperty(nameof(Options))!.GetMethod!;
        private static readonly MethodInfo MayGotoGetter = typeof(VmOptions).GetProperty(nameof(VmOptions.MayGotoBudget))!.GetMethod!;
        private static readonly FieldInfo ViewsField = typeof(AddressSpace).GetField(nameof(AddressSpace.Views), Any)!;
        private static readonly FieldInfo FramesField = typeof(BpfVm).GetField(nameof(_frames), Any)!;
        private static readonly FieldInfo NestedField = typeof(BpfVm).GetField(nameof(_nested), Any)!;
        private static readonly FieldInfo TailCalledField = typeof(BpfVm).GetField(nameof(_tailCalled), Any)!;
        private static readonly FieldInfo[] SavedRegisterFields =
            [.. new[] { nameof(Frame.R6), nameof(Frame.R7), nameof(Frame.R8), nameof(Frame.R9), nameof(Frame.R10) }.Select(n => typeof(Frame).GetField(n)!)];
        private static readonly FieldInfo ReturnSlotField = typeof(Frame).GetField(nameof(Frame.ReturnSlot))!;
        private static readonly ConstructorInfo RunResultConstructor = typeof(RunResult).GetConstructor([typeof(ulong), typeof(long)])!;
        private static readonly MethodInfo SDiv64Method = Method(nameof(SDiv64)), SMod64Method = Method(nameof(SMod64));
        private static readonly MethodInfo SDiv32Method = Method(nameof(SDiv32)), SMod32Method = Method(nameof(SMod32));
        private static readonly MethodInfo UDiv64Method = Method(nameof(UDiv64)), UMod64Method = Method(nameof(UMod64));
        private static readonly MethodInfo UDiv32Method = Method(nameof(UDiv32)), UMod32Method = Method(nameof(UMod32));
        private static readonly MethodInfo Swap16Method = typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(ushort)])!;
        private static readonly MethodInfo Swap32Method = typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(uint)])!;
        private static readonly MethodInfo Swap64Method = typeof(BinaryPrimitives).GetMethod(nameof(BinaryPrimitives.ReverseEndianness), [typeof(ulong)])!;

        // Argument numbers of the DynamicMethod; argument 0 is the VM (Ldarg_0), bound as the delegate's target.
        private const short ArgEntry = 1, ArgBaseDepth = 2, ArgBudget = 3, ArgFirstRegister = 4;

        private readonly DecodedSlot[] _code;
        private readonly bool[] _isStart;   // slot begins an instruction (not an lddw's second half)
        private readonly bool[] _merge;     // control can reach the slot other than by falling into it (jump target, entry, return site)
        private readonly ILGenerator _il;
        private readonly DynamicMethod _method;
        private readonly Label[] _labels;
        private readonly LocalBuilder[] _r = new LocalBuilder[11];
        // _left: budget minus instructions executed so far (one live value instead of a count and a limit).
        private readonly LocalBuilder _left, _depth, _mayGoto, _regions, _exitPc;
        private readonly List<(Label Stub, int Pc, int Target, int Pending)> _takenStubs = [];
        private readonly List<int> _returnSites = [];
        private readonly Label _sharedExit;

        private static MethodInfo Method(string name) => typeof(BpfVm).GetMethod(name, Any)
            ?? throw new MissingMethodException(nameof(BpfVm), name);

        private JitCompiler(BpfVm vm, DecodedSlot[] code)
        {
            _code = code;
            _isStart = new bool[code.Length];
            foreach (int slot in vm._slotOf) _isStart[slot] = true;
            _merge = new bool[code.Length + 1];
            // Named after the VM that compiled it first (VMs running the same code share it); profilers show the name.
            _method = new DynamicMethod($"bpf_{vm.Name ?? "program"}", typeof(RunResult),
                [typeof(BpfVm), typeof(int), typeof(int), typeof(long), typeof(ulong), typeof(ulong), typeof(ulong), typeof(ulong), typeof(ulong)],
                typeof(BpfVm), skipVisibility: true);
            _il = _method.GetILGenerator(code.Length * 24 + 256);
            _labels = new Label[code.Length + 1];
            for (int i = 0; i < _labels.Length; i++) _labels[i] = _il.DefineLabel();
            for (int i = 0; i < _r.Length; i++) _r[i] = _il.DeclareLocal(typeof(ulong));
            _left = _il.DeclareLocal(typeof(long));
            _depth = _il.DeclareLocal(typeof(int));
            _mayGoto = _il.DeclareLocal(typeof(long));
            _regions = _il.DeclareLocal(typeof(RegionView[]));
            _exitPc = _il.DeclareLocal(typeof(int));
            _sharedExit = _il.DefineLabel();
        }

        /// <summary>
        /// Emits the method for <paramref name="code"/> with <paramref name="entries"/> as its function starts. The
        /// method takes the VM as its first argument and depends on nothing else of it, so it serves every VM that
        /// runs the same code (<see cref="JitMethodCache"/>).
        /// </summary>
        public static DynamicMethod Build(BpfVm vm, DecodedSlot[] code, int[] entries)
        {
            var compiler = new JitCompiler(vm, code);
            compiler.Emit(entries);
            return compiler._method;
        }

        private void Emit(int[] entries)
        {
            FindMerges(entries);
            EmitPrologue(entries);

            // pending: instructions executed on the straight line to here (through untaken branches) not yet taken from
            // _left; a known constant at compile time wherever only falling through reaches a slot.
            int pending = 0;
            bool fallsThrough = false; // control reaches the next slot from the one before
            for (int pc = 0; pc < _code.Length; pc++)
            {
                if (!_isStart[pc]) continue;
                if (_merge[pc] || !fallsThrough)
                {
                    if (fallsThrough) AddExecuted(pending);
                    pending = 0;
                }
                if (_merge[pc]) _il.MarkLabel(_labels[pc]);
                pending++;
                fallsThrough = EmitInstruction(pc, ref pending);
            }
            // The validator rejects programs whose last instruction falls through; the IL must still end in a branch.
            _il.MarkLabel(_labels[_code.Length]);
            ThrowNotExecutable(_code.Length, 0);

            EmitSharedExit();
            foreach (var (stub, pc, target, count) in _takenStubs)
            {
                _il.MarkLabel(stub);
                AddExecuted(count);
                BudgetCheckThenBranch(pc, target);
            }
        }

        private void FindMerges(int[] entries)
        {
            foreach (int e in entries) _merge[e] = true;
            for (int pc = 0; pc < _code.Length; pc++)
            {
                if (!_isStart[pc]) continue;
                if (JumpTarget(pc) is int target) _merge[target] = true;
                if (_code[pc].Op == LocalCall) _merge[pc + 1] = true; // a return site
            }
        }

        /// <summary>The slot a jump (or local call) at <paramref name="pc"/> can transfer to; null for other instructions.</summary>
        private int? JumpTarget(int pc)
        {
            ref readonly var ins = ref _code[pc];
            int cls = ins.Op & 7;
            if (ins.Op == LocalCall || ins.Op == 0x06) return pc + 1 + ins.Imm;
            if (cls is 5 or 6 && ins.Op is not (0x85 or 0x8d or 0x95)) return pc + 1 + ins.Off;
            return null;
        }

        // r0 = 0, r1..r5 = arguments, r6..r9 = 0, r10 = top of the base frame's stack; then jump to the entry.
        private void EmitPrologue(int[] entries)
        {
            for (int i = 1; i <= 5; i++)
            {
                _il.Emit(OpCodes.Ldarg, (short)(ArgFirstRegister + i - 1));
                _il.Emit(OpCodes.Stloc, _r[i]);
            }
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldarg, ArgBaseDepth);
            _il.Emit(OpCodes.Call, JitFrameTopMethod);
            _il.Emit(OpCodes.Stloc, _r[10]);
            _il.Emit(OpCodes.Ldarg, ArgBaseDepth);
            _il.Emit(OpCodes.Stloc, _depth);
            _il.Emit(OpCodes.Ldarg, ArgBudget);
            _il.Emit(OpCodes.Stloc, _left);
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Call, OptionsGetter);
            _il.Emit(OpCodes.Callvirt, MayGotoGetter);
            _il.Emit(OpCodes.Stloc, _mayGoto);
            ReloadRegions();
            // Entry -1 is the compile-time probe (TryCompile): return before the first instruction.
            var run = _il.DefineLabel();
            _il.Emit(OpCodes.Ldarg, ArgEntry);
            _il.Emit(OpCodes.Ldc_I4_M1);
            _il.Emit(OpCodes.Bne_Un, run);
            _il.Emit(OpCodes.Ldc_I8, 0L);
            _il.Emit(OpCodes.Ldc_I8, 0L);
            _il.Emit(OpCodes.Newobj, RunResultConstructor);
            _il.Emit(OpCodes.Ret);
            _il.MarkLabel(run);
            foreach (int e in entries)
            {
                _il.Emit(OpCodes.Ldarg, ArgEntry);
                _il.Emit(OpCodes.Ldc_I4, e);
                _il.Emit(OpCodes.Beq, _labels[e]);
            }
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldarg, ArgEntry);
            _il.Emit(OpCodes.Call, JitNoEntryMethod);
            _il.Emit(OpCodes.Throw);
        }

        /// <summary>Emits one instruction; returns whether control can fall through to the next slot.</summary>
        private bool EmitInstruction(int pc, ref int pending)
        {
            ref readonly var ins = ref _code[pc];
            byte op = ins.Op;
            switch (op & 7)
            {
                case 0x07: // ALU64
                    EmitAlu64(in ins, pc);
                    return true;
                case 0x04: // ALU
                    EmitAlu32(in ins, pc);
                    return true;
                case 0x00: // LD: only lddw (value resolved by Prepare, high word in the next slot)
                    if (op != 0x18) { ThrowNotExecutable(pc, op); return false; }
                    _il.Emit(OpCodes.Ldc_I8, (long)((uint)ins.Imm | ((ulong)(uint)_code[pc + 1].Imm << 32)));
                    _il.Emit(OpCodes.Stloc, _r[ins.Dst]);
                    return true;
                case 0x01: // LDX
                    EmitLoad(in ins, pc);
                    return true;
                case 0x02: // ST
                case 0x03: // STX
                    EmitStore(in ins, pc);
                    return true;
                default: // JMP, JMP32
                    return EmitJump(in ins, pc, ref pending);
            }
        }

        private void Ld(int reg) => _il.Emit(OpCodes.Ldloc, _r[reg]);

        private void St(int reg) => _il.Emit(OpCodes.Stloc, _r[reg]);

        private void LdImm64(int imm) => _il.Emit(OpCodes.Ldc_I8, (long)imm);

        private void Call(MethodInfo method) => _il.Emit(OpCodes.Call, method);

        // ---- ALU ----

        private void EmitAlu64(in DecodedSlot ins, int pc)
        {
            int d = ins.Dst, s = ins.Src, imm = ins.Imm;
            switch (ins.Op)
            {
                case 0x07: Binary64(d, imm, OpCodes.Add); break;
                case 0x17: Binary64(d, imm, OpCodes.Sub); break;
                case 0x27: Binary64(d, imm, OpCodes.Mul); break;
                case 0x37: if (imm == 0) { _il.Emit(OpCodes.Ldc_I8, 0L); St(d); } else Binary64(d, imm, OpCodes.Div_Un); break;
                case 0x47: Binary64(d, imm, OpCodes.Or); break;
                case 0x57: Binary64(d, imm, OpCodes.And); break;
                case 0x67: Shift(d, imm & 63, OpCodes.Shl, is64: true); break;
                case 0x77: Shift(d, imm & 63, OpCodes.Shr_Un, is64: true); break;
                case 0x87: Ld(d); _il.Emit(OpCodes.Neg); St(d); break;
                case 0x97: if (imm != 0) Binary64(d, imm, OpCodes.Rem_Un); break;
                case 0xa7: Binary64(d, imm, OpCodes.Xor); break;
                case 0xb7: LdImm64(imm); St(d); break;
                case 0xc7: Shift(d, imm & 63, OpCodes.Shr, is64: true); break;
                case 0xd7: Swap(d, imm); break;
                case SDiv64Imm: Ld(d); LdImm64(imm); Call(SDiv64Method); St(d); break;
                case SMod64Imm: Ld(d); LdImm64(imm); Call(SMod64Method); St(d); break;

                case 0x0f: BinaryReg64(d, s, OpCodes.Add); break;
                case 0x1f: BinaryReg64(d, s, OpCodes.Sub); break;
                case 0x2f: BinaryReg64(d, s, OpCodes.Mul); break;
                case 0x3f: Ld(d); Ld(s); Call(UDiv64Method); St(d); break;
                case 0x4f: BinaryReg64(d, s, OpCodes.Or); break;
                case 0x5f: BinaryReg64(d, s, OpCodes.And); break;
                case 0x6f: ShiftReg(d, s, OpCodes.Shl, is64: true); break;
                case 0x7f: ShiftReg(d, s, OpCodes.Shr_Un, is64: true); break;
                case 0x9f: Ld(d); Ld(s); Call(UMod64Method); St(d); break;
                case 0xaf: BinaryReg64(d, s, OpCodes.Xor); break;
                case 0xbf: Ld(s); St(d); break;
                case 0xcf: ShiftReg(d, s, OpCodes.Shr, is64: true); break;
                case SDiv64Reg: Ld(d); Ld(s); Call(SDiv64Method); St(d); break;
                case SMod64Reg: Ld(d); Ld(s); Call(SMod64Method); St(d); break;
                case MovSx64:
                    Ld(s);
                    _il.Emit(ins.Off switch { 8 => OpCodes.Conv_I1, 16 => OpCodes.Conv_I2, _ => OpCodes.Conv_I4 });
                    _il.Emit(OpCodes.Conv_I8);
                    St(d);
                    break;
                default: ThrowNotExecutable(pc, ins.Op); break;
            }
        }

        private void EmitAlu32(in DecodedSlot ins, int pc)
        {
            int d = ins.Dst, s = ins.Src, imm = ins.Imm;
            switch (ins.Op)
            {
                case 0x04: Binary32(d, imm, OpCodes.Add); break;
                case 0x14: Binary32(d, imm, OpCodes.Sub); break;
                case 0x24: Binary32(d, imm, OpCodes.Mul); break;
                case 0x34: if (imm == 0) { _il.Emit(OpCodes.Ldc_I8, 0L); St(d); } else Binary32(d, imm, OpCodes.Div_Un); break;
                case 0x44: Binary32(d, imm, OpCodes.Or); break;
                case 0x54: Binary32(d, imm, OpCodes.And); break;
                case 0x64: Shift(d, imm & 31, OpCodes.Shl, is64: false); break;
                case 0x74: Shift(d, imm & 31, OpCodes.Shr_Un, is64: false); break;
                case 0x84: Ld(d); _il.Emit(OpCodes.Conv_U4); _il.Emit(OpCodes.Neg); ZeroExtendTo(d); break;
                case 0x94: if (imm == 0) { Ld(d); ZeroExtendLow32To(d); } else Binary32(d, imm, OpCodes.Rem_Un); break;
                case 0xa4: Binary32(d, imm, OpCodes.Xor); break;
                case 0xb4: _il.Emit(OpCodes.Ldc_I8, (long)(uint)imm); St(d); break;
                case 0xc4: Shift(d, imm & 31, OpCodes.Shr, is64: false); break;
                case 0xd4: // le on a little-endian machine: truncate to the width
                    if (imm is 16 or 32)
                    {
                        Ld(d);
                        _il.Emit(imm == 16 ? OpCodes.Conv_U2 : OpCodes.Conv_U4);
                        _il.Emit(OpCodes.Conv_U8);
                        St(d);
                    }
                    break;
                case SDiv32Imm: Ld(d); _il.Emit(OpCodes.Conv_I4); _il.Emit(OpCodes.Ldc_I4, imm); Call(SDiv32Method); ZeroExtendTo(d); break;
                case SMod32Imm: Ld(d); _il.Emit(OpCodes.Conv_I4); _il.Emit(OpCodes.Ldc_I4, imm); Call(SMod32Method); ZeroExtendTo(d); break;

                case 0x0c: BinaryReg32(d, s, OpCodes.Add); break;
                case 0x1c: BinaryReg32(d, s, OpCodes.Sub); break;
                case 0x2c: BinaryReg32(d, s, OpCodes.Mul); break;
                case 0x3c: Ld(d); _il.Emit(OpCodes.Conv_U4); Ld(s); _il.Emit(OpCodes.Conv_U4); Call(UDiv32Method); ZeroExtendTo(d); break;
                case 0x4c: BinaryReg32(d, s, OpCodes.Or); break;
                case 0x5c: BinaryReg32(d, s, OpCodes.And); break;
                case 0x6c: ShiftReg(d, s, OpCodes.Shl, is64: false); break;
                case 0x7c: ShiftReg(d, s, OpCodes.Shr_Un, is64: false); break;
                case 0x9c: Ld(d); _il.Emit(OpCodes.Conv_U4); Ld(s); _il.Emit(OpCodes.Conv_U4); Call(UMod32Method); ZeroExtendTo(d); break;
                case 0xac: BinaryReg32(d, s, OpCodes.Xor); break;
                case 0xbc: Ld(s); ZeroExtendLow32To(d); break;
                case 0xcc: ShiftReg(d, s, OpCodes.Shr, is64: false); break;
                case 0xdc: Swap(d, imm); break; // be on a little-endian machine: swap
                case SDiv32Reg: Ld(d); _il.Emit(OpCodes.Conv_I4); Ld(s); _il.Emit(OpCodes.Conv_I4); Call(SDiv32Method); ZeroExtendTo(d); break;
                case SMod32Reg: Ld(d); _il.Emit(OpCodes.Conv_I4); Ld(s); _il.Emit(OpCodes.Conv_I4); Call(SMod32Method); ZeroExtendTo(d); break;
                case MovSx32:
                    Ld(s);
                    _il.Emit(ins.Off == 8 ? OpCodes.Conv_I1 : OpCodes.Conv_I2); // sign-extended to 32 bits...
                    ZeroExtendTo(d); // ...then zero-extended to 64, like every ALU32 result
                    break;
                default: ThrowNotExecutable(pc, ins.Op); break;
            }
        }

        private void Binary64(int d, int imm, OpCode op) { Ld(d); LdImm64(imm); _il.Emit(op); St(d); }

        private void BinaryReg64(int d, int s, OpCode op) { Ld(d); Ld(s); _il.Emit(op); St(d); }

        private void Binary32(int d, int imm, OpCode op) { Ld(d); _il.Emit(OpCodes.Conv_U4); _il.Emit(OpCodes.Ldc_I4, imm); _il.Emit(op); ZeroExtendTo(d); }

        private void BinaryReg32(int d, int s, OpCode op)
        {
            Ld(d); _il.Emit(OpCodes.Conv_U4);
            Ld(s); _il.Emit(OpCodes.Conv_U4);
            _il.Emit(op);
            ZeroExtendTo(d);
        }

        // A 32-bit value on the IL stack becomes the register's value, zero-extended.
        private void ZeroExtendTo(int d) { _il.Emit(OpCodes.Conv_U8); St(d); }

        private void ZeroExtendLow32To(int d) { _il.Emit(OpCodes.Conv_U4); ZeroExtendTo(d); }

        // IL leaves shifts by the operand width or more unspecified; C# (and so the interpreter) masks the count.
        private void Shift(int d, int count, OpCode op, bool is64)
        {
            Ld(d);
            if (!is64) _il.Emit(OpCodes.Conv_U4);
            _il.Emit(OpCodes.Ldc_I4, count);
            _il.Emit(op);
            if (is64) St(d); else ZeroExtendTo(d);
        }

        private void ShiftReg(int d, int s, OpCode op, bool is64)
        {
            Ld(d);
            if (!is64) _il.Emit(OpCodes.Conv_U4);
            Ld(s);
            _il.Emit(OpCodes.Conv_I4);
            _il.Emit(OpCodes.Ldc_I4, is64 ? 63 : 31);
            _il.Emit(OpCodes.And);
            _il.Emit(op);
            if (is64) St(d); else ZeroExtendTo(d);
        }

        private void Swap(int d, int width)
        {
            Ld(d);
            switch (width)
            {
                case 16: _il.Emit(OpCodes.Conv_U2); Call(Swap16Method); _il.Emit(OpCodes.Conv_U8); break;
                case 32: _il.Emit(OpCodes.Conv_U4); Call(Swap32Method); _il.Emit(OpCodes.Conv_U8); break;
                default: Call(Swap64Method); break;
            }
            St(d);
        }

        // ---- memory ----

        private void ReloadRegions()
        {
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Call, MemoryGetter);
            _il.Emit(OpCodes.Ldfld, ViewsField);
            _il.Emit(OpCodes.Stloc, _regions);
        }

        // vm, regions, base + off: the first arguments of every accessor.
        private void AccessPrefix(int baseRegister, short off)
        {
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldloc, _regions);
            Ld(baseRegister);
            if (off != 0)
            {
                _il.Emit(OpCodes.Ldc_I8, (long)off);
                _il.Emit(OpCodes.Add);
            }
        }

        private void EmitLoad(in DecodedSlot ins, int pc)
        {
            var (method, extend) = ins.Op switch
            {
                0x61 => (Load32Method, (OpCode?)null),
                0x69 => (Load16Method, null),
                0x71 => (Load8Method, null),
                0x79 => (Load64Method, null),
                0x81 => (Load32Method, OpCodes.Conv_I4),
                0x89 => (Load16Method, OpCodes.Conv_I2),
                0x91 => (Load8Method, OpCodes.Conv_I1),
                _ => (null, null),
            };
            if (method is null) { ThrowNotExecutable(pc, ins.Op); return; }
            AccessPrefix(ins.Src, ins.Off);
            _il.Emit(OpCodes.Ldc_I4, pc);
            Call(method);
            if (extend is { } conv)
            {
                _il.Emit(conv);
                _il.Emit(OpCodes.Conv_I8);
            }
            St(ins.Dst);
        }

        private void EmitStore(in DecodedSlot ins, int pc)
        {
            int size;
            switch (ins.Op)
            {
                case 0x62: case 0x63: size = 4; break;
                case 0x6a: case 0x6b: size = 2; break;
                case 0x72: case 0x73: size = 1; break;
                case 0x7a: case 0x7b: size = 8; break;
                case 0xc3: EmitAtomic(in ins, pc, AtomicUpdate32Method, is64: false); return;
                case 0xdb: EmitAtomic(in ins, pc, AtomicUpdate64Method, is64: true); return;
                default: ThrowNotExecutable(pc, ins.Op); return;
            }
            AccessPrefix(ins.Dst, ins.Off);
            _il.Emit(OpCodes.Ldc_I4, size);
            if ((ins.Op & 7) == 0x03) Ld(ins.Src);
            else _il.Emit(OpCodes.Ldc_I8, size == 8 ? (long)ins.Imm : (long)(uint)ins.Imm);
            _il.Emit(OpCodes.Ldc_I4, pc);
            Call(StoreMethod);
        }

        private void EmitAtomic(in DecodedSlot ins, int pc, MethodInfo update, bool is64)
        {
            AccessPrefix(ins.Dst, ins.Off);
            _il.Emit(OpCodes.Ldc_I4, ins.Imm);
            Ld(ins.Src);
            if (!is64) _il.Emit(OpCodes.Conv_U4);
            Ld(0);
            if (!is64) _il.Emit(OpCodes.Conv_U4);
            _il.Emit(OpCodes.Ldc_I4, pc);
            Call(update);
            if (!is64) _il.Emit(OpCodes.Conv_U8);
            if (ins.Imm == (int)AtomicOperation.Cmpxchg) St(0);
            else if ((ins.Imm & 1) != 0) St(ins.Src);
            else _il.Emit(OpCodes.Pop);
        }

        // ---- control ----

        private void AddExecuted(int count)
        {
            if (count == 0) return;
            _il.Emit(OpCodes.Ldloc, _left);
            _il.Emit(OpCodes.Ldc_I8, (long)count);
            _il.Emit(OpCodes.Sub);
            _il.Emit(OpCodes.Stloc, _left);
        }

        // if (executed <= budget) goto target; else throw the budget fault at pc (the interpreter's Transfer).
        private void BudgetCheckThenBranch(int pc, int target)
        {
            _il.Emit(OpCodes.Ldloc, _left);
            _il.Emit(OpCodes.Ldc_I8, 0L);
            _il.Emit(OpCodes.Bge, _labels[target]);
            ThrowBudgetExhausted(() => _il.Emit(OpCodes.Ldc_I4, pc));
        }

        private void ThrowBudgetExhausted(Action loadPc)
        {
            _il.Emit(OpCodes.Ldarg_0);
            loadPc();
            _il.Emit(OpCodes.Ldarg, ArgBudget);
            Call(BudgetExhaustedMethod);
            _il.Emit(OpCodes.Throw);
        }

        private void ThrowNotExecutable(int pc, byte op)
        {
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldc_I4, pc);
            _il.Emit(OpCodes.Ldc_I4, (int)op);
            Call(NotExecutableMethod);
            _il.Emit(OpCodes.Throw);
        }

        // A conditional jump's taken edge goes to a stub (emitted after the code) that adds the straight line's count
        // (the jump included) and checks the budget; the untaken edge carries the count on.
        private Label TakenStub(int pc, int target, int pending)
        {
            var stub = _il.DefineLabel();
            _takenStubs.Add((stub, pc, target, pending));
            return stub;
        }

        private bool EmitJump(in DecodedSlot ins, int pc, ref int pending)
        {
            byte op = ins.Op;
            bool is64 = (op & 7) == 0x05;
            switch (op)
            {
                case 0x05: // ja
                    AddExecuted(pending); pending = 0;
                    BudgetCheckThenBranch(pc, pc + 1 + ins.Off);
                    return false;
                case 0x06: // gotol
                    AddExecuted(pending); pending = 0;
                    BudgetCheckThenBranch(pc, pc + 1 + ins.Imm);
                    return false;
                case 0xe5: // may_goto: taken once the hidden counter is used up
                {
                    _il.Emit(OpCodes.Ldloc, _mayGoto);
                    _il.Emit(OpCodes.Brfalse, TakenStub(pc, pc + 1 + ins.Off, pending));
                    _il.Emit(OpCodes.Ldloc, _mayGoto);
                    _il.Emit(OpCodes.Ldc_I8, 1L);
                    _il.Emit(OpCodes.Sub);
                    _il.Emit(OpCodes.Stloc, _mayGoto);
                    return true;
                }
                case 0x85:
                case 0x8d:
                    AddExecuted(pending); pending = 0;
                    EmitHelperCall(in ins, pc);
                    return true;
                case LocalCall:
                    AddExecuted(pending); pending = 0;
                    EmitLocalCall(in ins, pc);
                    return false;
                case 0x95:
                    AddExecuted(pending); pending = 0;
                    _il.Emit(OpCodes.Ldc_I4, pc);
                    _il.Emit(OpCodes.Stloc, _exitPc);
                    _il.Emit(OpCodes.Br, _sharedExit);
                    return false;
            }

            // Conditional: compare, branch to the taken stub.
            var taken = TakenStub(pc, pc + 1 + ins.Off, pending);
            bool reg = (op & 0x08) != 0;
            Ld(ins.Dst);
            if (!is64) _il.Emit(OpCodes.Conv_U4);
            if (reg)
            {
                Ld(ins.Src);
                if (!is64) _il.Emit(OpCodes.Conv_U4);
            }
            else if (is64) LdImm64(ins.Imm);
            else _il.Emit(OpCodes.Ldc_I4, ins.Imm);
            switch (op & 0xf0)
            {
                case 0x10: _il.Emit(OpCodes.Beq, taken); break;
                case 0x20: _il.Emit(OpCodes.Bgt_Un, taken); break;
                case 0x30: _il.Emit(OpCodes.Bge_Un, taken); break;
                case 0x40: _il.Emit(OpCodes.And); _il.Emit(OpCodes.Brtrue, taken); break;
                case 0x50: _il.Emit(OpCodes.Bne_Un, taken); break;
                case 0x60: _il.Emit(OpCodes.Bgt, taken); break;
                case 0x70: _il.Emit(OpCodes.Bge, taken); break;
                case 0xa0: _il.Emit(OpCodes.Blt_Un, taken); break;
                case 0xb0: _il.Emit(OpCodes.Ble_Un, taken); break;
                case 0xc0: _il.Emit(OpCodes.Blt, taken); break;
                case 0xd0: _il.Emit(OpCodes.Ble, taken); break;
                default:
                    _il.Emit(OpCodes.Pop);
                    _il.Emit(OpCodes.Pop);
                    ThrowNotExecutable(pc, op);
                    return false;
            }
            return true;
        }

        // r0 = helper(r1..r5), then: memory may have new regions (a map's value, a ring buffer reservation), and a
        // helper that ran BPF code (bpf_loop, a tail call) left its instruction count; a tail call ends the frame.
        private void EmitHelperCall(in DecodedSlot ins, int pc)
        {
            _il.Emit(OpCodes.Ldarg_0);
            if (ins.Op == 0x85) _il.Emit(OpCodes.Ldc_I8, (long)ins.Imm);
            else Ld(ins.Dst);
            _il.Emit(OpCodes.Ldc_I4, pc);
            _il.Emit(OpCodes.Ldloc, _depth);
            _il.Emit(OpCodes.Ldloc, _left);
            for (int i = 1; i <= 5; i++) Ld(i);
            Call(CallHelperMethod);
            St(0);
            ReloadRegions();

            var done = _il.DefineLabel();
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldfld, NestedField);
            _il.Emit(OpCodes.Brfalse, done);
            _il.Emit(OpCodes.Ldloc, _left);
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldfld, NestedField);
            _il.Emit(OpCodes.Sub);
            _il.Emit(OpCodes.Stloc, _left);
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldc_I8, 0L);
            _il.Emit(OpCodes.Stfld, NestedField);
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldfld, TailCalledField);
            _il.Emit(OpCodes.Brfalse, done);
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldc_I4_0);
            _il.Emit(OpCodes.Stfld, TailCalledField);
            _il.Emit(OpCodes.Ldc_I4, pc);
            _il.Emit(OpCodes.Stloc, _exitPc);
            _il.Emit(OpCodes.Br, _sharedExit);
            _il.MarkLabel(done);
        }

        // Save r6..r10 and the return site in the frame array (the depth check first, as the interpreter does), enter
        // the callee's zeroed frame, then the transfer's budget check.
        private void EmitLocalCall(in DecodedSlot ins, int pc)
        {
            int site = _returnSites.Count;
            _returnSites.Add(pc + 1);
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldloc, _depth);
            _il.Emit(OpCodes.Ldc_I4, site);
            _il.Emit(OpCodes.Ldc_I4, pc);
            for (int i = 6; i <= 10; i++) Ld(i);
            Call(JitEnterCallMethod);
            St(10);
            _il.Emit(OpCodes.Ldloc, _depth);
            _il.Emit(OpCodes.Ldc_I4_1);
            _il.Emit(OpCodes.Add);
            _il.Emit(OpCodes.Stloc, _depth);
            BudgetCheckThenBranch(pc, pc + 1 + ins.Imm);
        }

        // exit (at _exitPc): from the base frame, return r0 and the count; from a called frame, restore the caller's
        // r6..r10, check the budget (a return is a transfer) and jump to the return site.
        private void EmitSharedExit()
        {
            _il.MarkLabel(_sharedExit);
            var toCaller = _il.DefineLabel();
            _il.Emit(OpCodes.Ldloc, _depth);
            _il.Emit(OpCodes.Ldarg, ArgBaseDepth);
            _il.Emit(OpCodes.Bne_Un, toCaller);
            Ld(0);
            _il.Emit(OpCodes.Ldarg, ArgBudget);
            _il.Emit(OpCodes.Ldloc, _left);
            _il.Emit(OpCodes.Sub);
            _il.Emit(OpCodes.Newobj, RunResultConstructor);
            _il.Emit(OpCodes.Ret);

            _il.MarkLabel(toCaller);
            _il.Emit(OpCodes.Ldloc, _depth);
            _il.Emit(OpCodes.Ldc_I4_1);
            _il.Emit(OpCodes.Sub);
            _il.Emit(OpCodes.Stloc, _depth);
            for (int i = 0; i < SavedRegisterFields.Length; i++)
            {
                LoadFrame();
                _il.Emit(OpCodes.Ldfld, SavedRegisterFields[i]);
                St(6 + i);
            }
            var budgetOk = _il.DefineLabel();
            _il.Emit(OpCodes.Ldloc, _left);
            _il.Emit(OpCodes.Ldc_I8, 0L);
            _il.Emit(OpCodes.Bge, budgetOk);
            ThrowBudgetExhausted(() => _il.Emit(OpCodes.Ldloc, _exitPc));
            _il.MarkLabel(budgetOk);
            LoadFrame();
            _il.Emit(OpCodes.Ldfld, ReturnSlotField);
            _il.Emit(OpCodes.Switch, [.. _returnSites.Select(slot => _labels[slot])]);
            // A return site this method never saved: only possible if the frame array was changed under the run.
            ThrowNotExecutable(-1, 0x95);
        }

        private void LoadFrame()
        {
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldfld, FramesField);
            _il.Emit(OpCodes.Ldloc, _depth);
            _il.Emit(OpCodes.Ldelema, typeof(Frame));
        }
    }
}
