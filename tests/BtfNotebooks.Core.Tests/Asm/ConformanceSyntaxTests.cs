using System.Globalization;
using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using CsCheck;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Asm;

public class ConformanceSyntaxTests
{
    private static string Hex(string text) => Convert.ToHexString(ConformanceAssembler.Assemble(text, null).Encode()).ToLowerInvariant();

    private static AssemblyException Rejects(string text) => Assert.Throws<AssemblyException>(() => ConformanceAssembler.Assemble(text, null))!;

    // Expected bytes are little-endian slots: opcode, src<<4|dst, offset (2), imm (4).
    [TestCase("add %r1, 2", "0701000002000000")]
    [TestCase("add64 r1, 2", "0701000002000000")]
    [TestCase("add32 %r1, %r2", "0c21000000000000")]
    [TestCase("sub %r1, -1", "17010000ffffffff")]
    [TestCase("mul32 %r1, 0xffffffff", "24010000ffffffff")]
    [TestCase("div %r1, %r2", "3f21000000000000")]
    [TestCase("sdiv %r1, %r2", "3f21010000000000")]
    [TestCase("sdiv32 %r1, 3", "3401010003000000")]
    [TestCase("smod %r1, 3", "9701010003000000")]
    [TestCase("smod32 %r1, %r2", "9c21010000000000")]
    [TestCase("or %r0, 0xa0", "47000000a0000000")]
    [TestCase("and32 %r0, 0xa3", "54000000a3000000")]
    [TestCase("lsh %r0, 32", "6700000020000000")]
    [TestCase("rsh32 %r0, %r1", "7c10000000000000")]
    [TestCase("arsh %r0, 1", "c700000001000000")]
    [TestCase("xor32 %r0, %r1", "ac10000000000000")]
    [TestCase("mov %r0, 1", "b700000001000000")]
    [TestCase("mov32 %r0, %r1", "bc10000000000000")]
    [TestCase("neg %r2", "8702000000000000")]
    [TestCase("neg32 %r2", "8402000000000000")]
    [TestCase("movsx864 %r0, %r1", "bf10080000000000")]
    [TestCase("movsx1664 %r0, %r1", "bf10100000000000")]
    [TestCase("movsx3264 %r0, %r1", "bf10200000000000")]
    [TestCase("movsx832 %r0, %r1", "bc10080000000000")]
    [TestCase("movsx1632 %r0, %r1", "bc10100000000000")]
    [TestCase("le16 %r0", "d400000010000000")]
    [TestCase("le64 %r0", "d400000040000000")]
    [TestCase("be32 %r0", "dc00000020000000")]
    [TestCase("swap16 %r0", "d700000010000000")]
    [TestCase("bswap64 %r3", "d703000040000000")]
    public void AssemblesArithmetic(string text, string hex) => Assert.That(Hex(text), Is.EqualTo(hex));

    [TestCase("ldxb %r0, [%r1+4]", "7110040000000000")]
    [TestCase("ldxh %r0, [%r1]", "6910000000000000")]
    [TestCase("ldxw %r0, [%r1+0x1]", "6110010000000000")]
    [TestCase("ldxdw %r0, [%r10-8]", "79a0f8ff00000000")]
    [TestCase("ldxdw %r0, [%r10 - 8]", "79a0f8ff00000000")]
    [TestCase("ldxsb %r0, [%r1+2]", "9110020000000000")]
    [TestCase("ldxsh %r0, [%r1+2]", "8910020000000000")]
    [TestCase("ldxsw %r0, [%r1+2]", "8110020000000000")]
    [TestCase("ldxb %r0, [%r1+0xffff]", "7110ffff00000000")]
    [TestCase("stb [%r1+2], 3", "7201020003000000")]
    [TestCase("sth [%r1], -1", "6a010000ffffffff")]
    [TestCase("stw [%r1+2], 0x11223344", "6201020044332211")]
    [TestCase("stdw [%r1+2], 1", "7a01020001000000")]
    [TestCase("stxb [%r1+2], %r3", "7331020000000000")]
    [TestCase("stxh [%r1+2], %r3", "6b31020000000000")]
    [TestCase("stxw [%r1+2], %r3", "6331020000000000")]
    [TestCase("stxdw [%r10-8], %r0", "7b0af8ff00000000")]
    [TestCase("lock add [%r10-8], %r1", "db1af8ff00000000")]
    [TestCase("lock add32 [%r10-4], %r1", "c31afcff00000000")]
    [TestCase("lock fetch add [%r10-8], %r1", "db1af8ff01000000")]
    [TestCase("lock or [%r10-8], %r1", "db1af8ff40000000")]
    [TestCase("lock fetch and32 [%r10-8], %r1", "c31af8ff51000000")]
    [TestCase("lock fetch xor [%r10-8], %r3", "db3af8ffa1000000")]
    [TestCase("lock xchg [%r10-8], %r1", "db1af8ffe1000000")]
    [TestCase("lock cmpxchg32 [%r10-8], %r1", "c31af8fff1000000")]
    public void AssemblesMemoryAndAtomics(string text, string hex) => Assert.That(Hex(text), Is.EqualTo(hex));

    [TestCase("lddw %r0, 0x1122334455667788", "18000000887766550000000044332211")]
    [TestCase("lddw %r1, -1", "18010000ffffffff00000000ffffffff")]
    [TestCase("lddw %r1, 18446744073709551615", "18010000ffffffff00000000ffffffff")]
    [TestCase("lddw %r1, map_fd 3", "1811000003000000" + "0000000000000000")]
    [TestCase("lddw %r1, map_value 3, 16", "1821000003000000" + "0000000010000000")]
    [TestCase("lddw %r1, btf_id 7", "1831000007000000" + "0000000000000000")]
    [TestCase("lddw %r1, map_idx 0", "1851000000000000" + "0000000000000000")]
    [TestCase("lddw %r1, map_idx_value 2, 8", "1861000002000000" + "0000000008000000")]
    public void AssemblesLoadImm64(string text, string hex) => Assert.That(Hex(text), Is.EqualTo(hex));

    [TestCase("jeq %r1, 0, +2", "1501020000000000")]
    [TestCase("jeq32 %r1, %r2, -1", "1e21ffff00000000")]
    [TestCase("jgt %r1, 5, +0", "2501000005000000")]
    [TestCase("jge %r1, %r2, +1", "3d21010000000000")]
    [TestCase("jset %r1, 1, +1", "4501010001000000")]
    [TestCase("jne32 %r1, 1, +1", "5601010001000000")]
    [TestCase("jsgt %r1, -1, +1", "65010100ffffffff")]
    [TestCase("jsge %r1, %r2, +1", "7d21010000000000")]
    [TestCase("jlt %r1, 1, +1", "a501010001000000")]
    [TestCase("jle32 %r1, %r2, +1", "be21010000000000")]
    [TestCase("jslt %r1, 1, +1", "c501010001000000")]
    [TestCase("jsle %r1, 1, +1", "d501010001000000")]
    [TestCase("ja +3", "0500030000000000")]
    [TestCase("ja32 -2", "06000000feffffff")]
    [TestCase("may_goto +4", "e500040000000000")]
    [TestCase("call 5", "8500000005000000")]
    [TestCase("call helper 5", "8500000005000000")]
    [TestCase("call local +3", "8510000003000000")]
    [TestCase("call runtime 1234", "85200000d2040000")]
    [TestCase("call %r2", "8d02000000000000")]
    [TestCase("exit", "9500000000000000")]
    public void AssemblesJumpsAndCalls(string text, string hex) => Assert.That(Hex(text), Is.EqualTo(hex));

    [Test]
    public void LabelsResolveRelativeToTheNextSlotAndLddwTakesTwo()
    {
        var program = ConformanceAssembler.Assemble("""
            # comment line
            start: mov %r0, 0
              jeq %r0, 0, done   # forward over an lddw
              lddw %r1, 0x100000000
            done:
              ja start
              call local fn
              exit
            fn:
              exit
            """, null);
        Assert.Multiple(() =>
        {
            Assert.That(program.Labels, Is.EquivalentTo(new Dictionary<string, int> { ["start"] = 0, ["done"] = 4, ["fn"] = 7 }));
            Assert.That(program.Lines, Is.EqualTo(new[] { 2, 3, 4, 6, 7, 8, 10 }));
            Assert.That(program.Instructions[1].Offset, Is.EqualTo(2));
            Assert.That(program.Instructions[3].Offset, Is.EqualTo(-5));
            Assert.That(program.Instructions[4].Imm, Is.EqualTo(1));
        });
    }

    [Test]
    public void ExitIsAnImplicitLabelForTheFirstExit()
    {
        var program = ConformanceAssembler.Assemble("jne %r1, %r0, exit\nmov %r0, 0\nexit\nexit\n", null);
        Assert.That(program.Instructions[0].Offset, Is.EqualTo(1));
        var explicitLabel = ConformanceAssembler.Assemble("jne %r1, %r0, exit\nexit\nexit:\nexit\n", null);
        Assert.That(explicitLabel.Instructions[0].Offset, Is.EqualTo(1), "a written exit: label wins over the implicit one");
    }

    [Test]
    public void FormatsLikeBpfConformance()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ConformanceFormatter.Format(Instruction.Alu32(AluOperation.Add, Register.R1, 0x10)), Is.EqualTo("add32 %r1, 0x10"));
            Assert.That(ConformanceFormatter.Format(Instruction.Alu64(AluOperation.Mov, Register.R1, -5)), Is.EqualTo("mov %r1, -5"));
            Assert.That(ConformanceFormatter.Format(Instruction.LoadMemory(AccessSize.Word, Register.R0, Register.R1, 4)), Is.EqualTo("ldxw %r0, [%r1+4]"));
            Assert.That(ConformanceFormatter.Format(Instruction.Branch(JumpOperation.Jeq, Register.R1, 0, 2)), Is.EqualTo("jeq %r1, 0, +2"));
            Assert.That(ConformanceFormatter.Format(Instruction.Call(3, CallKind.Local)), Is.EqualTo("call local +3"));
            Assert.That(ConformanceFormatter.Format(Instruction.Atomic(AccessSize.DoubleWord, AtomicOperation.FetchAdd, Register.R10, -8, Register.R1)),
                Is.EqualTo("lock fetch add [%r10-8], %r1"));
            Assert.That(ConformanceFormatter.Format(Instruction.LoadImm64(Register.R0, 0x1122334455667788)), Is.EqualTo("lddw %r0, 0x1122334455667788"));
        });
    }

    [Test]
    public void LabelledDisassemblyNamesTargets()
    {
        var program = new[]
        {
            Instruction.Branch(JumpOperation.Jeq, Register.R1, 0, 1),
            Instruction.Call(1, CallKind.Local),
            Instruction.Exit(),
            Instruction.Exit(),
        };
        Assert.That(ConformanceFormatter.Disassemble(program, labels: true),
            Is.EqualTo("jeq %r1, 0, L2\ncall local fn3\nL2:\nexit\nfn3:\nexit\n"));
    }

    [Test]
    public void InvalidEncodingPrintsAsALineTheAssemblerRejects()
    {
        var bad = Instruction.Alu32(AluOperation.Add, Register.R0, 1, offset: 1);
        string text = ConformanceFormatter.Format(bad);
        Assert.That(text, Does.StartWith(".invalid 0x0000000100010004 # "));
        var e = Rejects(text);
        Assert.That(e.Diagnostics.Single().Message, Does.Contain("Invalid mnemonic").And.Contain("not a valid instruction"));
    }

    [Test]
    public void GeneratedInstructionsRoundTripThroughFormat() =>
        InstructionGenerator.Valid.Sample(insn =>
        {
            string text = ConformanceFormatter.Format(insn);
            Assert.That(ConformanceAssembler.Assemble(text, null).Instructions, Is.EqualTo(new[] { insn }), text);
        }, iter: 20_000);

    [Test]
    public void GeneratedProgramsRoundTripThroughDisassembly([Values] bool labels) =>
        InstructionGenerator.Program.Sample(program =>
        {
            string text = ConformanceFormatter.Disassemble(program, labels);
            Assert.That(ConformanceAssembler.Assemble(text, null).Instructions, Is.EqualTo(program), text);
        });

    // ---- Errors ----

    [TestCase("mov32 %r0, 2147483648", 12, "Immediate out of 32-bit range")]
    [TestCase("mov32 %r0, -2147483649", 12, "Immediate out of 32-bit range")]
    [TestCase("mov32 %r0, 0x100000000", 12, "Immediate out of 32-bit range")]
    [TestCase("ldxb %r0, [%r1+0x10000]", 15, "Offset out of 16-bit range")]
    [TestCase("ldxb %r0, [%r1+32768]", 15, "Offset out of 16-bit range")]
    [TestCase("jeq %r0, 0, +32768", 13, "Offset out of 16-bit range")]
    [TestCase("or %r0, %r50", 9, "Invalid register")]
    [TestCase("or %r11, 1", 4, "Invalid register")]
    [TestCase("ldxb %r0, [%rx+1]", 12, "Invalid register")]
    [TestCase("ldxq %r0, %r1", 1, "Invalid mnemonic")]
    [TestCase("  lddw %r0", 3, "Invalid number of operands")]
    [TestCase("exit %r0", 1, "Invalid number of operands")]
    [TestCase("lock or [%r10-8]", 1, "Invalid number of operands for lock")]
    [TestCase("lock", 1, "Invalid number of operands for lock")]
    [TestCase("lock sub [%r10-8], %r1", 6, "Invalid mnemonic")]
    [TestCase("ja NOT_A_LABEL", 4, "Invalid label")]
    [TestCase("ja 5", 4, "Invalid label")]
    [TestCase("ldxb %r0, %r1", 11, "Invalid memory operand")]
    [TestCase("call remote 1", 6, "Invalid call mode")]
    [TestCase("mov %r10, 1", 1, "writes r10")]
    [TestCase("lddw %r1, map_fd 3, 1", 1, "second slot")]
    [TestCase("x:\nx:\nexit", 1, "Duplicate label")]
    public void ReportsErrorWithColumn(string text, int column, string phrase)
    {
        var d = Rejects(text).Diagnostics.Single();
        Assert.That(d.Message, Does.Contain(phrase));
        Assert.That((d.Line, d.Column), Is.EqualTo((text.Contains('\n') ? 2 : 1, column)), d.ToString());
    }

    [Test]
    public void ReportsEveryErrorInTheText()
    {
        var e = Rejects("""
            mov %r0, 1
            bogus %r1
            add %r1, %r12
            ja nowhere
            stw [%r1+4], 0x1ffffffff
            exit
            """);
        Assert.That(e.Diagnostics.Select(d => (d.Line, d.Column)), Is.EqualTo(new[] { (2, 1), (3, 10), (4, 4), (5, 14) }));
        Assert.That(e.Diagnostics.Select(d => d.Message.Split(':')[0]),
            Is.EqualTo(new[] { "Invalid mnemonic", "Invalid register", "Invalid label", "Immediate out of 32-bit range" }));
        Assert.That(e.Message, Does.Contain("4 errors"));
    }

    [Test]
    public void RangeEdgesAreAccepted()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Hex("mov32 %r0, -2147483648"), Is.EqualTo("b400000000000080"));
            Assert.That(Hex("mov32 %r0, 0xFFFFFFFF"), Is.EqualTo("b4000000ffffffff"));
            Assert.That(Hex("ldxb %r0, [%r1-32768]"), Is.EqualTo("7110008000000000"));
            Assert.That(Hex("lddw %r0, -9223372036854775808"), Is.EqualTo("18000000000000000000000000000080"));
        });
        Rejects("lddw %r0, 0x10000000000000000");
        Rejects("lddw %r0, -9223372036854775809");
    }

    [Test]
    public void HelperIdsPrintInDecimal() =>
        Assert.That(ConformanceFormatter.Format(Instruction.Call(1234)), Is.EqualTo("call " + 1234.ToString(CultureInfo.InvariantCulture)));
}
