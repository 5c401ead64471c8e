namespace BtfNotebooks.Asm.Text;

/// <summary>The result of assembling a text: instructions, where each came from, and the labels it defined.</summary>
public sealed class AssembledProgram
{
    public AssembledProgram(IReadOnlyList<Instruction> instructions, IReadOnlyList<int> lines, IReadOnlyDictionary<string, int> labels, AsmSyntax syntax,
        IReadOnlyList<CoreOperand>? coreOperands = null)
    {
        CoreOperands = coreOperands ?? [];
        Instructions = instructions;
        Lines = lines;
        Labels = labels;
        Syntax = syntax;
    }

    public IReadOnlyList<Instruction> Instructions { get; }

    /// <summary>1-based source line of each instruction (same indexes as <see cref="Instructions"/>).</summary>
    public IReadOnlyList<int> Lines { get; }

    /// <summary>Label name to the slot index it marks.</summary>
    public IReadOnlyDictionary<string, int> Labels { get; }

    /// <summary>The syntax the text was read in (given or detected).</summary>
    public AsmSyntax Syntax { get; }

    /// <summary>The <c>%core...(...)</c> operands, unresolved (their instructions hold 0 in the operand's place).</summary>
    public IReadOnlyList<CoreOperand> CoreOperands { get; }

    public byte[] Encode(ByteOrder order = ByteOrder.LittleEndian) => InstructionCodec.Encode(Instructions, order);
}
