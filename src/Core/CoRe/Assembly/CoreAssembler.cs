using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.BtfExt;

namespace BtfNotebooks.CoRe.Assembly;

/// <summary>
/// An assembled program whose <c>%core</c> operands were resolved against a reference kernel: instructions holding
/// the reference's values, the minimal local BTF (just the types the operands name, <see cref="BtfSubset"/>), and
/// one CO-RE record per operand against that BTF — what clang would have put in .BTF and .BTF.ext.
/// </summary>
public sealed record CoreAssembly(
    AssembledProgram Program,
    IReadOnlyList<Instruction> Instructions,
    byte[] LocalBtf,
    IReadOnlyList<CoreRelocationRecord> Records,
    string Section,
    string Name,
    IReadOnlyDictionary<string, uint> BtfStrings)
{
    /// <summary>
    /// The program as a relocatable BPF object with <c>.BTF</c> (the local types) and <c>.BTF.ext</c> (the records):
    /// what libbpf needs to relocate it against any kernel.
    /// </summary>
    public byte[] ToElf(string license = "GPL") =>
        BpfObjectWriter.Write([(Section, Name, Instructions)], license, ByteOrder.LittleEndian,
            [(".BTF", LocalBtf), (".BTF.ext", BtfExtWriter.Write(Records, s => BtfStrings[s]))]);
}

/// <summary>Assembles text with <c>%core</c> operands (LLVM syntax) against a reference BTF (<c>--against KERNEL</c>).</summary>
public static class CoreAssembler
{
    public static CoreAssembly Assemble(string text, BtfSpec reference, string section = "xdp", string name = "prog", string? source = null)
    {
        var program = Assembler.Assemble(text, AsmSyntax.Llvm, source);
        var operands = program.CoreOperands;
        var diagnostics = new List<AsmDiagnostic>();
        var accesses = new CoreOperandAccess?[operands.Count];
        for (int i = 0; i < operands.Count; i++)
        {
            try { accesses[i] = CoreOperandResolver.Resolve(reference, operands[i]); }
            catch (CoreOperandException e) { diagnostics.Add(new AsmDiagnostic(e.Operand.Line, e.Operand.Column, $"{e.Operand}: {e.Reason}")); }
        }
        if (diagnostics.Count > 0) throw new AssemblyException(diagnostics, source);

        // .BTF.ext names the section and the access strings by offsets into .BTF's strings: add them there.
        var strings = new List<string> { section };
        strings.AddRange(accesses.Select(a => a!.Access));
        var subset = BtfSubset.Extract(reference, accesses.Select(a => a!.RootTypeId).Distinct(), new BtfSubset.Options { Strings = strings });
        var local = BtfSpec.Parse(subset.Btf, source: $"local BTF of {source ?? "the program"}");
        var slotOf = ProgramValidator.SlotIndex(program.Instructions, out _);
        var instructions = program.Instructions.ToArray();
        var records = new List<CoreRelocationRecord>();
        for (int i = 0; i < operands.Count; i++)
        {
            var op = operands[i];
            var access = accesses[i]!;
            var record = new CoreRelocationRecord(section, i, slotOf[op.InstructionIndex] * InstructionCodec.SlotSize, subset.IdMap[access.RootTypeId], access.Access, op.Kind);
            try
            {
                // The local value is what the reference kernel gives: the instruction holds it, as clang's would.
                var spec = CoreAccessSpec.Parse(local, record.TypeId, record.Access, record.Kind);
                ulong value = CoreRelocationValue.Compute(spec, spec).Original;
                instructions[op.InstructionIndex] = WithValue(instructions[op.InstructionIndex], value);
            }
            catch (Exception e) when (e is CoreRelocationException or BtfLookupException or OverflowException)
            {
                diagnostics.Add(new AsmDiagnostic(op.Line, op.Column, $"{op}: {e.Message}"));
            }
            records.Add(record);
        }
        if (diagnostics.Count > 0) throw new AssemblyException(diagnostics, source);
        return new CoreAssembly(program, instructions, subset.Btf, records, section, name, subset.StringOffsets);
    }

    // The operand's place: a memory offset (LDX/ST/STX), a 64-bit immediate (lddw) or an ALU immediate.
    private static Instruction WithValue(Instruction insn, ulong value) =>
        insn.IsLoadStore && !insn.IsWide ? insn with { Offset = checked((short)(long)value) }
        : insn.IsWide ? Instruction.LoadImm64(insn.Dst, (long)value)
        : insn with { Imm = value <= uint.MaxValue ? (int)(uint)value : checked((int)(long)value) };
}
