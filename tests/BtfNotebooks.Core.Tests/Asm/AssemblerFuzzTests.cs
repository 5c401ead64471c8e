using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using CsCheck;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Asm;

/// <summary>
/// Bad input never crashes: random and mutated texts either assemble or fail with an <see cref="AssemblyException"/>
/// whose every diagnostic points at a line of the text; random bytes either decode or fail with a
/// <see cref="BpfEncodingException"/> naming slots of the input.
/// </summary>
public class AssemblerFuzzTests
{
    private static readonly string[] Tokens =
    [
        "r0", "r1", "w2", "r10", "r11", "%r3", "%r10", "%r16", "=", "+=", "-=", "s/=", "s%=", "<<=", "s>>=", ">>=", "&=", "|=", "^=",
        "*(u8 *)", "*(u16 *)", "*(u32 *)", "*(u64 *)", "*(s8 *)", "(", ")", "[", "]", "+", "-", ",", ":", "#", ";", "//",
        "if", "goto", "gotol", "call", "callx", "exit", "lock", "fetch", "add", "add32", "mov", "mov32", "ldxw", "stxdw",
        "lddw", "jeq", "jne32", "ja", "ja32", "be16", "le64", "bswap32", "ll", "0", "1", "-1", "0x7fffffff", "0x100000000",
        "-0x8000", "99999999999999999999", "label", "L1:", "exit:", "local", "map[fd:1]", "func[pc+1]", "<invalid", ">", "==",
        "s>", "<=", "&", "atomic_fetch_add(", "cmpxchg_64(", "xchg32_32(", "\t", " ", "\n", "\u00e9", "\u0000",
    ];

    private static readonly Gen<string> TokenText =
        Gen.Int[0, Tokens.Length - 1].Array[0, 40].Select(ix => string.Join(' ', ix.Select(i => Tokens[i])).Replace(" \n ", "\n"));

    private static readonly Gen<string> MutatedProgram =
        Gen.Select(InstructionGenerator.Program, Gen.Bool, Gen.Int[0, 1000].Array[1, 6], Gen.Char.Array[1, 6],
            (program, llvm, positions, chars) =>
            {
                var text = Disassembler.Disassemble(program, llvm ? AsmSyntax.Llvm : AsmSyntax.Conformance).ToCharArray().ToList();
                for (int k = 0; k < positions.Length && text.Count > 0; k++)
                {
                    int at = positions[k] % text.Count;
                    if (k % 2 == 0) text.RemoveAt(at);
                    else text.Insert(at, chars[k % chars.Length]);
                }
                return new string([.. text]);
            });

    private static void AssembleOrFailCleanly(string text)
    {
        foreach (var syntax in new AsmSyntax?[] { AsmSyntax.Conformance, AsmSyntax.Llvm, null })
        {
            try
            {
                var program = Assembler.Assemble(text, syntax);
                Assert.That(program.Lines, Has.Count.EqualTo(program.Instructions.Count));
            }
            catch (AssemblyException e)
            {
                int lines = text.Split('\n').Length;
                Assert.That(e.Diagnostics, Is.Not.Empty);
                foreach (var d in e.Diagnostics)
                {
                    Assert.That(d.Line, Is.InRange(1, lines), $"{syntax}: {d} in\n{text}");
                    Assert.That(d.Column, Is.GreaterThanOrEqualTo(1), $"{syntax}: {d}");
                    Assert.That(d.Message, Is.Not.Empty);
                }
            }
        }
    }

    [Test]
    public void Token_soup_assembles_or_fails_with_diagnostics() => TokenText.Sample(AssembleOrFailCleanly, iter: 5_000);

    [Test]
    public void Mutated_programs_assemble_or_fail_with_diagnostics() => MutatedProgram.Sample(AssembleOrFailCleanly, iter: 3_000);

    private static readonly string[] DataLines =
        ["-- asm", "-- raw", "-- mem", "-- result", "-- error", "-- c", "-- no register offset", "-- bogus", "mov %r0, 1", "exit",
         "0x5566778800000018", "07 00 01 00 01 00 00 00", "zz", "0x", "00 11", "0x1", "12", "# comment", "", "Invalid", "ldxw %r0, [%r1+4]"];

    [Test]
    public void Random_conformance_files_run_or_fail_with_a_reason()
    {
        Gen.Int[0, DataLines.Length - 1].Array[0, 12].Sample(ix =>
        {
            string path = Path.Combine(Path.GetTempPath(), $"btfnb-fuzz-{Guid.NewGuid():N}.data");
            File.WriteAllText(path, string.Join('\n', ix.Select(i => DataLines[i])));
            try
            {
                foreach (bool negative in new[] { false, true })
                {
                    var outcome = BtfNotebooks.Conformance.ConformanceRunner.Run(path, negative, instructionBudget: 1000);
                    if (!outcome.Passed || outcome.Reason is not null) Assert.That(outcome.Reason, Is.Not.Null.And.Not.Empty);
                }
            }
            finally
            {
                File.Delete(path);
            }
        }, iter: 2_000);
    }

    [Test]
    public void Random_bytes_decode_or_fail_naming_slots()
    {
        Gen.Byte.Array[0, 96].Sample(bytes =>
        {
            foreach (var order in new[] { ByteOrder.LittleEndian, ByteOrder.BigEndian })
            foreach (bool validate in new[] { true, false })
            {
                try
                {
                    var program = InstructionCodec.Decode(bytes, order, validate);
                    Assert.That(InstructionCodec.Encode(program, order), Is.EqualTo(bytes[..(bytes.Length / 8 * 8)]));
                }
                catch (BpfEncodingException e)
                {
                    Assert.That(e.Errors, Is.Not.Empty);
                    Assert.That(e.Errors.All(x => x.Slot >= 0 && x.Slot <= bytes.Length / 8 && x.Reason.Length > 0));
                }
            }
        }, iter: 20_000);
    }
}
