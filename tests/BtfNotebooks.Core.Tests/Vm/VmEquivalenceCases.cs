using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Conformance;
using BtfNotebooks.Vm;
using CsCheck;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Vm;

/// <summary>
/// What the run-equivalence tests share (a traced run against a plain one, the JIT against the interpreter): how
/// conformance files and random programs are set up and made runnable, and hand-written corner cases with the
/// outcome each must have.
/// </summary>
internal static class VmEquivalenceCases
{
    /// <summary>The conformance harness's setup: r1 = a copy of the file's memory, r2 = its length, helper 5 a clock.</summary>
    public static TraceEquivalence.Setup ConformanceSetup(ConformanceTestFile file) => (vm, log) =>
    {
        ulong clock = 0;
        vm.Helpers.Register(5, "bpf_ktime_get_ns", c => { log.Add($"5({c.R1:x})"); return clock += 1000; });
        ulong mem = ProgramContext.Setup(vm, ProgramContextKind.Raw, (byte[])file.Memory.Clone());
        return [mem, (ulong)file.Memory.Length, 0, 0, 0];
    };

    /// <summary>
    /// The files among <paramref name="paths"/> that give a program a VM can be built for: parsed, assembled or
    /// decoded, and accepted by the VM's own validation. The others are rejected for every kind of run alike.
    /// </summary>
    public static IEnumerable<(string Name, ConformanceTestFile File, IReadOnlyList<Instruction> Program)> RunnableConformanceFiles(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            ConformanceTestFile file;
            try { file = ConformanceTestFile.Load(path); }
            catch (FormatException) { continue; }
            if (ConformanceProgram(file) is not { } program) continue;
            try { _ = new BpfVm(program); }
            catch (BpfEncodingException) { continue; }
            yield return (Path.GetFileName(path), file, program);
        }
    }

    private static IReadOnlyList<Instruction>? ConformanceProgram(ConformanceTestFile file)
    {
        try
        {
            return file.Raw is not null
                ? InstructionCodec.Decode(file.Raw, ByteOrder.LittleEndian, validate: true, source: file.Path)
                : Assembler.Assemble(file.Assembly!, AsmSyntax.Conformance, file.Path).Instructions;
        }
        catch (Exception e) when (e is AssemblyException or BpfEncodingException)
        {
            return null; // neither kind of run gets a program to execute
        }
    }

    /// <summary>r1 = a 64-byte packet, r2 = its length, r3 = its end; helpers 0-13 return r1 ^ r2, 14 increments
    /// the byte r1 points at (a helper that touches memory and can fault), 15 fails for odd r1.</summary>
    public static ulong[] RandomSetup(BpfVm vm, List<string> log)
    {
        for (int id = 0; id < 14; id++)
        {
            int helper = id;
            vm.Helpers.Register(id, $"h{id}", c => { log.Add($"{helper}({c.R1:x},{c.R2:x},{c.R3:x},{c.R4:x},{c.R5:x})"); return c.R1 ^ c.R2; });
        }
        vm.Helpers.Register(14, "poke", c => { log.Add($"14({c.R1:x})"); c.Memory.Span(c.R1, 1, write: true)[0]++; return 0; });
        vm.Helpers.Register(15, "picky", c =>
        {
            log.Add($"15({c.R1:x})");
            return (c.R1 & 1) == 0 ? c.R1 / 2 : throw new BpfRuntimeException(RuntimeErrorKind.HelperFailed, "odd argument");
        });
        var packet = new byte[64];
        for (int i = 0; i < packet.Length; i++) packet[i] = (byte)(i * 7 + 3);
        ulong p = ProgramContext.Setup(vm, ProgramContextKind.Raw, packet);
        return [p, 64, p + 64, 0, 0];
    }

    // Random instructions made runnable: branch and call targets on instruction starts, lddw of plain values, calls
    // to helpers 0-15 or to real functions, a final exit; and a quarter of the memory instructions rebased on r10
    // with a small negative offset, so that stores, atomics and loads also succeed and memory effects get compared,
    // not only faults.
    public static Instruction[] MakeRunnable(Instruction[] program, int[] choices)
    {
        var list = program.Select(i => i.IsWide ? i with { Src = 0 } : i).ToList();
        list.Add(Instruction.Exit());
        for (int i = 0; i < list.Count; i++)
        {
            var insn = list[i];
            int choice = choices[(i + 7) % choices.Length];
            if (insn.IsCall && insn.Src != (Register)CallKind.Local)
                list[i] = Instruction.Call(Math.Abs(insn.Imm % 16));
            else if (insn.IsLoadStore && !insn.IsWide && (choice & 3) == 0)
            {
                short offset = (short)(-8 * (1 + (int)((uint)choice % 60)));
                list[i] = insn.Class == InstructionClass.Ldx ? insn with { Src = Register.R10, Offset = offset } : insn with { Dst = Register.R10, Offset = offset };
            }
        }
        var slotOf = ProgramValidator.SlotIndex(list, out _);
        for (int i = 0; i < list.Count; i++)
        {
            var insn = list[i];
            int target = slotOf[(int)((uint)choices[i % choices.Length] % (uint)list.Count)];
            int displacement = target - (slotOf[i] + 1);
            if (insn.IsBranch) list[i] = insn.WithBranchDisplacement(displacement);
            else if (insn.IsLocalCall) list[i] = insn with { Imm = displacement };
        }
        return [.. list];
    }

    /// <summary>Random programs made runnable (<see cref="MakeRunnable"/>), for CsCheck.</summary>
    public static Gen<Instruction[]> RandomRunnable =>
        Gen.Select(BtfNotebooks.Tests.Asm.InstructionGenerator.Program, Gen.Int.Array[40], MakeRunnable);

    /// <summary>What random programs run with: every register but r10 counts as written, a small budget so that
    /// loops end, and a small may_goto count.</summary>
    public static VmOptions RandomOptions => new() { InstructionBudget = 3_000, EntryRegisters = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], MayGotoBudget = 50 };

    /// <summary>The VM options the corner cases run with.</summary>
    public static VmOptions CornerOptions => new() { EntryRegisters = [1, 2], InstructionBudget = 1_000, MayGotoBudget = 50 };

    /// <summary>A 16-byte packet of bytes 0..15, with helper 1 (r1 * r2) and helper 2 (r1 if even, else it fails), logged.</summary>
    public static TraceEquivalence.Setup CornerSetup => (vm, log) =>
    {
        LoggingHelper(vm, log, 1, h => h.R1 * h.R2);
        LoggingHelper(vm, log, 2, h => h.R1 % 2 == 0 ? h.R1 : throw new BpfRuntimeException(RuntimeErrorKind.HelperFailed, "odd"));
        var packet = new byte[16];
        for (int i = 0; i < packet.Length; i++) packet[i] = (byte)i;
        ulong p = ProgramContext.Setup(vm, ProgramContextKind.Raw, packet);
        return [p, (ulong)packet.Length, 0, 0, 0];
    };

    public static void LoggingHelper(BpfVm vm, List<string> log, int id, Func<HelperCall, ulong> body) =>
        vm.Helpers.Register(id, $"helper{id}", c => { log.Add($"{id}({c.R1:x},{c.R2:x})"); return body(c); });

    /// <summary>Program text (LLVM syntax) and how its run starts to be described ("r0 = 0x7, 2 instructions", "MemoryFault at slot 1").</summary>
    public static IEnumerable<TestCaseData> CornerCases()
    {
        yield return new TestCaseData("r0 = 7\nexit", "r0 = 0x7, 2 instructions");
        yield return new TestCaseData("r0 = 0\nr1 = 3\nloop:\nr0 += r1\nr1 += -1\nif r1 != 0 goto loop\nexit", "r0 = 0x6, 12 instructions");
        yield return new TestCaseData("r0 = 0\nif r0 == 0 goto +0\nexit", "r0 = 0x0, 3 instructions"); // a taken jump to the next slot
        yield return new TestCaseData("r0 = 0x123456789 ll\nr0 += 1\nexit", "r0 = 0x12345678a, 3 instructions");
        yield return new TestCaseData("r6 = 6\nr1 = 10\ncall f\nr0 += r6\nexit\nf:\nr6 = 100\nr0 = r1\nexit", "r0 = 0x10, 8 instructions");
        yield return new TestCaseData("r1 = 1\ncall f\nexit\nf:\nr1 += 1\nif r1 > 3 goto +1\ncall f\nr0 = r1\nexit", "r0 = 0x4, 17 instructions");
        yield return new TestCaseData("r0 = 0\ncall f\nexit\nf:\ncall f\nexit", "CallDepthExceeded at slot 3");
        yield return new TestCaseData("r0 = 0\nloop:\nmay_goto +2\nr0 += 1\ngoto loop\nexit", "r0 = 0x32, 153 instructions");
        yield return new TestCaseData("r0 = 0\nloop:\nr0 += 1\ngoto loop", "BudgetExhausted at slot 2");
        yield return new TestCaseData("r0 = 0\nloop:\nr0 += 1\ngotol loop", "BudgetExhausted at slot 2");
        yield return new TestCaseData("r1 = 0\nr0 = *(u32 *)(r1 + 16)\nexit", "MemoryFault at slot 1");
        yield return new TestCaseData("*(u64 *)(r10 - 8) = 10\nr1 = 5\nr1 = atomic_fetch_add((u64 *)(r10 - 8), r1)\nr0 = 15\nr3 = 99\nr0 = cmpxchg_64(r10 - 8, r0, r3)\nr4 = *(u64 *)(r10 - 8)\nr0 += r4\nexit", "r0 = 0x72, 9 instructions");
        yield return new TestCaseData("r1 = r10\nr1 += -8\n*(u64 *)(r1 + 0) = r1\nr1 = atomic_fetch_add((u64 *)(r1 + 0), r1)\nr0 = *(u64 *)(r10 - 8)\nr0 -= r1\nexit", "r0 = 0x1000001f8, 7 instructions");
        yield return new TestCaseData("r3 = r1\nr3 += r2\nr4 = r1\nr4 += 6\nif r4 > r3 goto out\nr0 = *(u16 *)(r1 + 4)\nr0 = be16 r0\nexit\nout:\nr0 = 99\nexit", "r0 = 0x405, 8 instructions");
        yield return new TestCaseData("r3 = r1\nr3 += r2\nr4 = r1\nr4 += 60\nif r4 > r3 goto out\nr0 = *(u16 *)(r1 + 4)\nr0 = be16 r0\nexit\nout:\nr0 = 99\nexit", "r0 = 0x63, 7 instructions");
        yield return new TestCaseData("r0 = 0\nr0 = *(u32 *)(r1 + 14)\nr0 = be32 r0\nexit", "MemoryFault at slot 1");
        yield return new TestCaseData("r1 = 8\nr2 = 3\ncall 1\nr6 = r0\nr1 = 2\ncallx r1\nr0 += r6\nexit", "r0 = 0x1a, 8 instructions");
        yield return new TestCaseData("r1 = 9\ncall 2\nexit", "HelperFailed at slot 1");
        yield return new TestCaseData("r2 = 99\ncallx r2\nexit", "UnknownHelper at slot 1");
        yield return new TestCaseData("r0 = r3\nexit", "Unsupported at slot 0"); // rejected before running: no steps
    }
}
