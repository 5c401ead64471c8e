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

    private static byte[] Bytes(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    [Test]
    public void EncodesKnownInstructionsAsLlvmMcDoes()
    {
        Assert.Multiple(() =>
        {
            // llvm-mc -triple bpfel: r0 = bswap16 r0
            Assert.That(InstructionCodec.Encode([Instruction.Alu64(AluOperation.End, Register.R0, 16)]), Is.EqualTo(Bytes("d7 00 00 00 10 00 00 00")));
            // r1 = *(u32 *)(r2 - 8)
            Assert.That(InstructionCodec.Encode([Instruction.LoadMemory(AccessSize.Word, Register.R1, Register.R2, -8)]), Is.EqualTo(Bytes("61 21 f8 ff 00 00 00 00")));
            // llvm-mc -triple bpfeb: the same, dst in the high nibble, offset and imm big-endian
            Assert.That(InstructionCodec.Encode([Instruction.LoadMemory(AccessSize.Word, Register.R1, Register.R2, -8)], ByteOrder.BigEndian), Is.EqualTo(Bytes("61 12 ff f8 00 00 00 00")));
            Assert.That(InstructionCodec.Encode([Instruction.Mov64(Register.R0, 1)], ByteOrder.BigEndian), Is.EqualTo(Bytes("b7 00 00 00 00 00 00 01")));
        });
    }

    [Test]
    public void LddwOccupiesTwoSlots()
    {
        var lddw = Instruction.LoadImm64(Register.R0, 0x1122334455667788);
        var bytes = InstructionCodec.Encode([lddw, Instruction.Exit()]);
        Assert.That(bytes, Is.EqualTo(Bytes("18 00 00 00 88 77 66 55 00 00 00 00 44 33 22 11 95 00 00 00 00 00 00 00")));
        Assert.That(InstructionCodec.Decode(bytes), Is.EqualTo(new[] { lddw, Instruction.Exit() }));
        Assert.That(InstructionCodec.SlotCount([lddw, Instruction.Exit()]), Is.EqualTo(3));
        Assert.That(lddw.Imm64, Is.EqualTo(0x1122334455667788));
    }

    [Test]
    public void DecodeReportsEveryInvalidSlotWithItsReason()
    {
        // slot 0 valid, slot 1 add32 with offset, slots 2-3 lddw, slot 4 exit with dst set, slot 5 opcode 0xff
        var bytes = Bytes("b7 00 00 00 01 00 00 00  04 00 01 00 01 00 00 00  18 00 00 00 01 00 00 00  00 00 00 00 00 00 00 00"
            + " 95 01 00 00 00 00 00 00  ff 00 00 00 00 00 00 00");
        var e = Assert.Throws<BpfEncodingException>(() => InstructionCodec.Decode(bytes, source: "t.o"))!;
        Assert.That(e.Errors.Select(x => x.Slot), Is.EqualTo(new[] { 1, 4, 5 }));
        Assert.That(e.Errors[0].Reason, Does.Contain("offset"));
        Assert.That(e.Errors[1].Reason, Does.Contain("exit"));
        Assert.That(e.Message, Does.StartWith("t.o: 3 invalid instructions"));
        Assert.That(InstructionCodec.Decode(bytes, validate: false), Has.Length.EqualTo(5));
    }

    [Test]
    public void DecodeReportsStructuralErrorsEvenWithoutValidation()
    {
        Assert.Throws<BpfEncodingException>(() => InstructionCodec.Decode(Bytes("95 00 00 00 00 00 00"), validate: false));
        var e = Assert.Throws<BpfEncodingException>(() => InstructionCodec.Decode(Bytes("18 00 00 00 01 00 00 00"), validate: false))!;
        Assert.That(e.Errors.Single().Reason, Does.Contain("second slot"));
        e = Assert.Throws<BpfEncodingException>(() => InstructionCodec.Decode(Bytes("18 00 00 00 01 00 00 00 95 00 00 00 00 00 00 00"), validate: false))!;
        Assert.That(e.Errors.Single().Slot, Is.EqualTo(1));
    }

    // One row per InstructionValidator rule: the 8 bytes of a slot (little-endian) and a word of the reason.
    [TestCase("04 00 01 00 01 00 00 00", "offset")]          // add32 imm, offset set
    [TestCase("04 10 00 00 01 00 00 00", "source register")] // add32 imm, src set
    [TestCase("0c 10 00 00 01 00 00 00", "immediate")]       // add32 reg, imm set
    [TestCase("07 0a 00 00 01 00 00 00", "r10")]             // add64 writes r10
    [TestCase("07 0b 00 00 01 00 00 00", "destination register r11")]
    [TestCase("0f b0 00 00 00 00 00 00", "source register r11")]
    [TestCase("e7 00 00 00 00 00 00 00", "unknown ALU operation")]
    [TestCase("87 00 00 00 01 00 00 00", "neg")]            // neg with imm
    [TestCase("8f 10 00 00 00 00 00 00", "neg")]            // neg with the register bit
    [TestCase("d4 00 00 00 08 00 00 00", "width 8")]
    [TestCase("df 00 00 00 10 00 00 00", "bswap")]
    [TestCase("dc 10 00 00 10 00 00 00", "byte swap")]       // be16 with src set
    [TestCase("bf 10 07 00 00 00 00 00", "movsx offset 7")]
    [TestCase("bc 10 20 00 00 00 00 00", "movsx offset 32")] // movsx32 from 32 bits
    [TestCase("3f 10 02 00 00 00 00 00", "offset")]          // div with offset 2
    [TestCase("0d 10 00 00 00 00 00 00", "ja")]              // ja with the register bit
    [TestCase("05 01 00 00 00 00 00 00", "ja")]              // ja with dst
    [TestCase("05 00 00 00 01 00 00 00", "immediate")]
    [TestCase("06 00 01 00 00 00 00 00", "gotol")]
    [TestCase("86 00 00 00 01 00 00 00", "JMP32")]
    [TestCase("85 00 01 00 01 00 00 00", "offset")]          // call with offset
    [TestCase("85 30 00 00 01 00 00 00", "unknown src 3")]
    [TestCase("85 01 00 00 01 00 00 00", "destination")]
    [TestCase("8d 10 00 00 00 00 00 00", "callx")]
    [TestCase("8d 00 00 00 01 00 00 00", "callx")]
    [TestCase("96 00 00 00 00 00 00 00", "exit")]
    [TestCase("95 00 00 00 01 00 00 00", "exit")]
    [TestCase("e6 00 00 00 00 00 00 00", "may_goto")]
    [TestCase("e5 00 00 00 01 00 00 00", "may_goto")]
    [TestCase("f5 00 00 00 00 00 00 00", "unknown jump operation")]
    [TestCase("1d 10 01 00 01 00 00 00", "immediate")]       // jeq reg with imm
    [TestCase("15 10 01 00 01 00 00 00", "source register")] // jeq imm with src
    [TestCase("20 00 00 00 00 00 00 00", "ld_abs")]
    [TestCase("40 00 00 00 00 00 00 00", "ld_ind")]
    [TestCase("00 00 00 00 00 00 00 00", "only lddw")]
    [TestCase("99 10 00 00 00 00 00 00", "double word")]
    [TestCase("a1 10 00 00 00 00 00 00", "LDX")]
    [TestCase("61 1a 00 00 00 00 00 00", "r10")]
    [TestCase("61 10 00 00 01 00 00 00", "immediate")]
    [TestCase("62 10 00 00 01 00 00 00", "source register")] // stw with src
    [TestCase("82 00 00 00 01 00 00 00", "ST class")]
    [TestCase("63 10 00 00 01 00 00 00", "immediate")]       // stxw with imm
    [TestCase("d3 10 00 00 00 00 00 00", "atomic operation on 1")]
    [TestCase("db 10 00 00 02 00 00 00", "unknown atomic")]
    [TestCase("a3 10 00 00 00 00 00 00", "STX")]
    public void ValidatorRejects(string hex, string reasonWord)
    {
        var insn = InstructionCodec.ReadSlot(Bytes(hex), ByteOrder.LittleEndian);
        Assert.That(InstructionValidator.Validate(insn), Does.Contain(reasonWord));
    }

    [TestCase(LoadImm64Kind.MapFd, 1, "second slot")]
    [TestCase(LoadImm64Kind.Function, 1, "second slot")]
    [TestCase(LoadImm64Kind.MapIndex, 1, "second slot")]
    [TestCase((LoadImm64Kind)7, 0, "unknown src 7")]
    public void ValidatorRejectsLddw(LoadImm64Kind kind, int next, string reasonWord) =>
        Assert.That(InstructionValidator.Validate(new Instruction(Instruction.LoadImm64Opcode, Register.R1, (Register)kind, 0, 1, next)), Does.Contain(reasonWord));

    [Test]
    public void ValidatorRejectsLddwIntoR10AndWithOffset()
    {
        Assert.That(InstructionValidator.Validate(Instruction.LoadImm64(Register.R10, 1)), Does.Contain("r10"));
        Assert.That(InstructionValidator.Validate(Instruction.LoadImm64(Register.R1, 1) with { Offset = 1 }), Does.Contain("offset"));
    }

    [Test]
    public void ProgramValidatorAcceptsAValidProgram() =>
        Assert.That(ProgramValidator.Validate([Instruction.Branch(JumpOperation.Jeq, Register.R1, 0, 2), Instruction.LoadImm64(Register.R0, 5), Instruction.Exit()]), Is.Empty);

    [Test]
    public void ProgramValidatorFindsJumpsOutOfRangeIntoLddwAndFallingOffTheEnd()
    {
        var errors = ProgramValidator.Validate(
        [
            Instruction.Jump(5),                          // slot 0: beyond the end
            Instruction.Branch(JumpOperation.Jeq, Register.R1, 0, 1), // slot 1: into the second half of the lddw at 2
            Instruction.LoadImm64(Register.R0, 1),
            Instruction.Call(-10, CallKind.Local),        // slot 4: before the start
            Instruction.Mov64(Register.R0, 0),            // last: falls off the end
        ]);
        Assert.That(errors.Select(e => e.Slot), Is.EqualTo(new[] { 0, 1, 4, 5 }));
        Assert.That(errors[0].Reason, Does.Contain("outside the program"));
        Assert.That(errors[1].Reason, Does.Contain("second half of an lddw"));
        Assert.That(errors[2].Reason, Does.Contain("local call"));
        Assert.That(errors[3].Reason, Does.Contain("fall off the end"));
        Assert.That(ProgramValidator.Validate([]).Single().Reason, Does.Contain("no instructions"));
    }
}
