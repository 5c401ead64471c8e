using System.Buffers.Binary;
using BtfNotebooks.Asm;
using BtfNotebooks.Elf;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Elf;

/// <summary>Truncated and corrupted objects: an <see cref="ElfFormatException"/> naming the offset, never a crash.</summary>
public class MalformedObjectTests
{
    private static byte[] _sample = [];

    [OneTimeSetUp]
    public void CompileSample()
    {
        using var o = ClangBpf.Compile(SampleObject.Source);
        _sample = File.ReadAllBytes(o.Path);
    }

    private static byte[] Sample() => (byte[])_sample.Clone();

    private static ElfFormatException Fails(byte[] bytes) =>
        Assert.Throws<ElfFormatException>(() => BpfObjectFile.Parse(bytes, "sample.o"))!;

    [Test]
    public void EveryTruncationIsAFormatErrorInsideTheFile()
    {
        for (int length = 0; length < _sample.Length; length++)
        {
            var e = Fails(_sample[..length]);
            Assert.That(e.Offset, Is.InRange(0, _sample.Length), $"truncated to {length}: {e.Message}");
            Assert.That(e.Message, Does.StartWith("sample.o, offset 0x"));
        }
    }

    [Test]
    public void RandomCorruptionParsesOrIsAFormatError()
    {
        var random = new Random(20261126);
        int parsed = 0;
        for (int round = 0; round < 3000; round++)
        {
            var bytes = Sample();
            for (int k = random.Next(1, 5); k > 0; k--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            BpfObjectFile obj;
            try { obj = BpfObjectFile.Parse(bytes, "sample.o"); }
            catch (ElfFormatException) { continue; }
            parsed++;
            foreach (var p in obj.Programs.Where(p => !p.IsSubprogram))
            {
                // A corrupted name may now be ambiguous or a corrupted relocation may miss: clear errors, not crashes.
                try { obj.LinkProgram(p.Name); }
                catch (Exception e) when (e is ElfFormatException or InvalidOperationException or KeyNotFoundException) { }
            }
        }
        Assert.That(parsed, Is.GreaterThan(0), "some corruptions hit bytes the reader does not interpret (debug info)");
    }

    [Test]
    public void NotAnElfFile()
    {
        var e = Fails("this is not an ELF object at all"u8.ToArray());
        Assert.That((e.Offset, e.Reason), Is.EqualTo((0L, "not an ELF file (magic 74 68 69 73, expected 7f 45 4c 46)")));
    }

    [TestCase(4, 1, "ELF EI_CLASS 1 is not 2 (ELF64); BPF objects are ELF64")]
    [TestCase(5, 3, "ELF EI_DATA 3 is neither 1 (little-endian) nor 2 (big-endian)")]
    [TestCase(18, 62, "ELF e_machine 62 is not EM_BPF (247)")]
    [TestCase(16, 2, "ELF e_type 2 is not ET_REL (1): not a relocatable BPF object")]
    public void WrongHeaderField(int offset, int value, string reason)
    {
        var bytes = Sample();
        bytes[offset] = (byte)value;
        var e = Fails(bytes);
        Assert.That((e.Offset, e.Reason), Is.EqualTo(((long)offset, reason)));
    }

    [Test]
    public void SectionPastEndOfFile()
    {
        var (bytes, xdp) = WithSection("xdp");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)xdp.HeaderOffset + 32), 0x10000);
        var e = Fails(bytes);
        Assert.That(e.Offset, Is.EqualTo(xdp.HeaderOffset));
        Assert.That(e.Reason, Is.EqualTo($"section {xdp.Index} 'xdp' (0x10000 bytes at 0x{xdp.Offset:x}) runs past end of file (0x{bytes.Length:x} bytes)"));
    }

    [Test]
    public void ExecutableSectionNotAWholeNumberOfSlots()
    {
        var (bytes, xdp) = WithSection("xdp");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)xdp.HeaderOffset + 32), xdp.Size - 3);
        var e = Fails(bytes);
        Assert.That(e.Offset, Is.EqualTo(xdp.HeaderOffset));
        Assert.That(e.Reason, Does.StartWith($"executable section 'xdp' size 0x{xdp.Size - 3:x} is not a multiple of 8"));
    }

    [Test]
    public void InvalidInstructionIsReportedAtItsSlot()
    {
        var (bytes, xdp) = WithSection("xdp");
        int at = (int)xdp.Offset + 3 * 8;
        bytes[at] = 0xff; // no such opcode
        var e = Fails(bytes);
        Assert.That(e.Offset, Is.EqualTo(at));
        Assert.That(e.Reason, Does.StartWith("section 'xdp' slot 3: "));
        Assert.That(e.InnerException, Is.TypeOf<BpfEncodingException>());
    }

    [Test]
    public void MisalignedFunctionSymbol()
    {
        var obj = BpfObjectFile.Parse(Sample());
        var symbol = obj.Program("xdp_second").Symbol;
        var bytes = Sample();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)symbol.EntryOffset + 8), symbol.Value + 4);
        var e = Fails(bytes);
        Assert.That(e.Offset, Is.EqualTo(symbol.EntryOffset));
        Assert.That(e.Reason, Does.StartWith("function 'xdp_second' in section 'xdp': st_value"));
    }

    [Test]
    public void FunctionRunningPastItsSection()
    {
        var obj = BpfObjectFile.Parse(Sample());
        var symbol = obj.Program("tc_plain").Symbol;
        var bytes = Sample();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)symbol.EntryOffset + 16), symbol.Size + 8);
        var e = Fails(bytes);
        Assert.That(e.Offset, Is.EqualTo(symbol.EntryOffset));
        Assert.That(e.Reason, Does.Contain("run past the section's end"));
    }

    [Test]
    public void RelocationNamingAMissingSymbol()
    {
        var obj = BpfObjectFile.Parse(Sample());
        var relocation = obj.RelocationsFor(obj.FindSection("xdp")!)[0];
        var bytes = Sample();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)relocation.EntryOffset + 12), 5000); // r_info's symbol half
        var e = Fails(bytes);
        Assert.That(e.Offset, Is.EqualTo(relocation.EntryOffset));
        Assert.That(e.Reason, Is.EqualTo($".relxdp entry 0 names symbol 5000, but the symbol table has {obj.Symbols.Count}"));
    }

    [Test]
    public void RelocatedCallLandingOutsideText()
    {
        var obj = BpfObjectFile.Parse(Sample());
        var xdp = obj.FindSection("xdp")!;
        var relocation = obj.RelocationsFor(xdp).First(r => r.Type == ElfRelocation.Bpf64_32);
        var bytes = Sample();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan((int)(xdp.Offset + relocation.Offset) + 4), 1000); // the call's imm
        var corrupted = BpfObjectFile.Parse(bytes, "sample.o");
        var e = Assert.Throws<ElfFormatException>(() => corrupted.LinkProgram("xdp_first"))!;
        Assert.That(e.Offset, Is.EqualTo(relocation.EntryOffset));
        Assert.That(e.Reason, Does.Contain("lands on .text slot").And.Contain("which is not an instruction"));
    }

    [Test]
    public void SymbolNameOutsideStringTable()
    {
        var obj = BpfObjectFile.Parse(Sample());
        var symbol = obj.Program("tc_plain").Symbol;
        var bytes = Sample();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)symbol.EntryOffset), 0x7fffffff);
        var e = Fails(bytes);
        Assert.That(e.Offset, Is.EqualTo(symbol.EntryOffset));
        Assert.That(e.Reason, Does.StartWith($"symbol {symbol.Index} name offset 0x7fffffff is outside string table"));
    }

    private static (byte[] Bytes, ElfSectionHeader Section) WithSection(string name) =>
        (Sample(), BpfObjectFile.Parse(Sample()).FindSection(name)!);
}
