using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using CsCheck;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Asm;

/// <summary>assemble(disassemble(p)) == p for every valid encoding, relative and labelled, and the text reads as LLVM.</summary>
public class LlvmRoundTripTests
{
    [Test]
    public void EveryValidInstructionFormatsAndReassembles() =>
        InstructionGenerator.Valid.Sample(insn =>
        {
            string text = Disassembler.Format(insn, AsmSyntax.Llvm);
            var back = Assembler.Assemble(text, AsmSyntax.Llvm).Instructions;
            return back.Count == 1 && back[0] == insn && Assembler.DetectSyntax(text) == AsmSyntax.Llvm;
        }, iter: 20_000, print: insn => $"{insn} -> {Disassembler.Format(insn, AsmSyntax.Llvm)}");

    [Test]
    public void ProgramsRoundTrip([Values] bool labels) =>
        InstructionGenerator.Program.Sample(program =>
        {
            string text = Disassembler.Disassemble(program, AsmSyntax.Llvm, labels);
            var back = Assembler.Assemble(text, AsmSyntax.Llvm).Instructions;
            return back.SequenceEqual(program) && Assembler.DetectSyntax(text) == AsmSyntax.Llvm;
        }, iter: 2_000, print: p => Disassembler.Disassemble(p, AsmSyntax.Llvm, labels));

    [Test]
    public void LabelledListingNamesTargets()
    {
        Instruction[] program =
        [
            Instruction.Mov64(Register.R0, 0),
            Instruction.Branch(JumpOperation.Jeq, Register.R1, 0, 2),
            Instruction.Call(1, CallKind.Local),
            Instruction.Jump(-4),
            Instruction.Exit(),
        ];
        string text = Disassembler.Disassemble(program, AsmSyntax.Llvm, labels: true);
        Assert.That(text, Is.EqualTo("L0:\n\tr0 = 0x0\n\tif r1 == 0x0 goto L4\n\tcall L4\n\tgoto L0\nL4:\n\texit\n"));
        Assert.That(Assembler.Assemble(text).Instructions, Is.EqualTo(program));
    }

    [Test]
    public void HandWrittenSourceWithLabelsAndComments()
    {
        const string text = """
            // count down
            entry:
                r1 = 3          # loop counter
            LBB0_3:
                r1 += -1        ; one less
                if r1 s> 0 goto LBB0_3
                call sub
                gotol done
            sub:
                r0 = 1
                exit
            done: exit
            """;
        var program = Assembler.Assemble(text);
        Assert.That(program.Syntax, Is.EqualTo(AsmSyntax.Llvm));
        Assert.That(program.Labels, Is.EqualTo(new Dictionary<string, int> { ["entry"] = 0, ["LBB0_3"] = 1, ["sub"] = 5, ["done"] = 7 }));
        Assert.That(program.Instructions[2], Is.EqualTo(Instruction.Branch(JumpOperation.Jsgt, Register.R1, 0, -2)));
        Assert.That(program.Instructions[3], Is.EqualTo(Instruction.Call(1, CallKind.Local)));
        Assert.That(program.Instructions[4], Is.EqualTo(Instruction.LongJump(2)));
        Assert.That(program.Lines, Is.EqualTo(new[] { 3, 5, 6, 7, 8, 10, 11, 12 }));
    }
}
