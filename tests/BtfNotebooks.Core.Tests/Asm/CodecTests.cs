using BtfNotebooks.Asm;
using CsCheck;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Asm;

public class CodecTests
{
    [Test]
    public void GeneratorDrawsOnlyValidInstructions() =>
        InstructionGenerator.Valid.Sample(insn => InstructionValidator.Validate(insn) is null, iter: 20_000);

    [Test]
    public void GeneratorDrawsEveryOpcodeShape()
    {
        // Each (opcode, src kind for lddw/call) the generator can produce, drawn at least once in enough samples.
        var seen = new HashSet<(byte, byte)>();
        InstructionGenerator.Valid.Sample(insn =>
        {
            lock (seen) seen.Add((insn.Opcode, insn.IsWide || insn.IsCall ? (byte)insn.Src : (byte)0));
        }, iter: 50_000);
        // 12 binary ops x 2 classes x imm/reg + neg x2 + le/be/bswap + ldx 4 + ldxs 3 + st 4 + stx 4 + atomic 2
        // + 11 conditional jumps x 2 classes x imm/reg + ja, gotol, may_goto + call 3 kinds + callx + exit + lddw 7 kinds
        int expected = 48 + 2 + 3 + 4 + 3 + 4 + 4 + 2 + 44 + 3 + 3 + 1 + 1 + 7;
        Assert.That(seen, Has.Count.EqualTo(expected));
    }

    [Test]
    public void DecodeOfEncodeIsIdentityInBothByteOrders([Values] ByteOrder order) =>
        InstructionGenerator.Program.Sample(program =>
            Assert.That(InstructionCodec.Decode(InstructionCodec.Encode(program, order), order), Is.EqualTo(program)));
}
