using System.Buffers.Binary;
using BtfNotebooks.Asm;
using BtfNotebooks.Btf;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.BtfExt;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Elf;

/// <summary>
/// A clang-built object (Data/bpf/btfext/core-kinds.c, little- and big-endian) with one field of its .BTF.ext or
/// .BTF corrupted: reading <see cref="BpfObjectFile.BtfExt"/> gives an <see cref="ElfFormatException"/> with the exact
/// reason and the file offset of the corrupted field.
/// </summary>
[TestFixture("bpf"), TestFixture("bpfeb")]
public class BtfExtMalformedTests(string target)
{
    private byte[] _object = [];
    private BpfObjectFile _parsed = null!;
    private long _ext;          // file offset of .BTF.ext
    private int _extSize;
    private int _core;          // .BTF.ext offset of the core_relo sub-section (its rec_size)
    private int _func, _line;   // same for func_info and line_info
    private bool _bigEndian;

    [OneTimeSetUp]
    public void CompileSample()
    {
        using var o = BtfExtObjects.Compile("core-kinds.c", target);
        _object = File.ReadAllBytes(o.Path);
        _parsed = BpfObjectFile.Parse(_object, "core.o");
        _bigEndian = _parsed.ByteOrder == ByteOrder.BigEndian;
        var section = _parsed.FindSection(".BTF.ext")!;
        (_ext, _extSize) = ((long)section.Offset, (int)section.Size);
        uint headerLength = ExtU32(4);
        Assert.That(headerLength, Is.EqualTo(32), "clang-19 writes the header with core_relo_off/len");
        (_func, _line, _core) = ((int)(headerLength + ExtU32(8)), (int)(headerLength + ExtU32(16)), (int)(headerLength + ExtU32(24)));
    }

    private uint ExtU32(int at) => U32(_object, _ext + at);

    private uint U32(byte[] bytes, long at) => _bigEndian
        ? BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan((int)at)) : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)at));

    private void Write(byte[] bytes, long at, uint value)
    {
        if (_bigEndian) BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan((int)at), value);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)at), value);
    }

    /// <summary>The object with the 32-bit word at .BTF.ext offset <paramref name="at"/> set to <paramref name="value"/>.</summary>
    private byte[] WithExtWord(int at, uint value)
    {
        var bytes = (byte[])_object.Clone();
        Write(bytes, _ext + at, value);
        return bytes;
    }

    /// <summary>Reading .BTF.ext fails at .BTF.ext offset <paramref name="at"/> with <paramref name="reason"/>.</summary>
    private void FailsAt(byte[] bytes, int at, string reason)
    {
        var obj = BpfObjectFile.Parse(bytes, "core.o");
        var e = Assert.Throws<ElfFormatException>(() => _ = obj.BtfExt)!;
        Assert.That((e.Reason, e.Offset - _ext), Is.EqualTo((reason, (long)at)), e.Message);
        Assert.That(e.Message, Does.StartWith($"core.o, offset 0x{_ext + at:x} "));
    }

    private uint StringOffset(Func<BtfType, bool> which) => _parsed.Btf!.LocalTypes.First(which).NameOffset;

    // First core_relo block: sec_name_off at +4, num_info at +8, first record at +12 (insn_off, type_id, access_str_off, kind).
    private int CoreBlock => _core + 4;
    private int CoreRecord => _core + 12;

    [Test]
    public void TheSampleIsWellFormed() =>
        Assert.That(_parsed.BtfExt!.CoreRelocations, Has.Count.GreaterThan(25));

    [Test]
    public void Magic()
    {
        var bytes = (byte[])_object.Clone();
        bytes[_ext] = 0x12; bytes[_ext + 1] = 0x34;
        FailsAt(bytes, 0, $".BTF.ext magic 0x{(_bigEndian ? 0x1234 : 0x3412):x4} is not 0xeb9f");
    }

    [Test]
    public void Version()
    {
        var bytes = (byte[])_object.Clone();
        bytes[_ext + 2] = 2;
        FailsAt(bytes, 2, ".BTF.ext version 2 is not 1");
    }

    [Test]
    public void Flags()
    {
        var bytes = (byte[])_object.Clone();
        bytes[_ext + 3] = 0x80;
        FailsAt(bytes, 3, ".BTF.ext flags 0x80 are not 0");
    }

    [Test]
    public void HeaderLength()
    {
        FailsAt(WithExtWord(4, (uint)_extSize + 4), 4, $".BTF.ext hdr_len {_extSize + 4} is larger than the section ({_extSize} bytes)");
        FailsAt(WithExtWord(4, (uint)_extSize), 4, $".BTF.ext hdr_len {_extSize} covers the whole section: it has no data");
        FailsAt(WithExtWord(4, 20), 4, ".BTF.ext hdr_len 20 is shorter than 24: the header misses func_info/line_info");
    }

    [Test]
    public void ShortHeaderWithoutCoreRelocations()
    {
        // hdr_len 24 ends before core_relo_off/len: libbpf then reads no CO-RE records at all. The sub-section
        // offsets count from the header's end, so they move back by 8 to keep pointing at the same bytes.
        var bytes = WithExtWord(4, 24);
        Write(bytes, _ext + 8, ExtU32(8) + 8);
        Write(bytes, _ext + 16, ExtU32(16) + 8);
        var ext = BpfObjectFile.Parse(bytes).BtfExt!;
        Assert.That(ext.CoreRelocations, Is.Empty);
        Assert.That(ext.FuncInfos.Values.Sum(f => f.Count), Is.EqualTo(_parsed.BtfExt!.FuncInfos.Values.Sum(f => f.Count)));
        Assert.That(ext.LineInfos.Values.Sum(f => f.Count), Is.EqualTo(_parsed.BtfExt.LineInfos.Values.Sum(f => f.Count)));
    }

    [Test]
    public void SubsectionOffsetAndLength()
    {
        FailsAt(WithExtWord(8, ExtU32(8) + 2), 8, $".BTF.ext func_info_off {ExtU32(8) + 2} is not a multiple of 4");
        FailsAt(WithExtWord(20, 0x10000), 16, $".BTF.ext line_info sub-section (65536 bytes at {_line}) runs past the end of .BTF.ext ({_extSize} bytes)");
        FailsAt(WithExtWord(24, 0xfffffffc), 24, $".BTF.ext core_relo sub-section ({ExtU32(28)} bytes at {32L + 0xfffffffc}) runs past the end of .BTF.ext ({_extSize} bytes)");
        FailsAt(WithExtWord(28, 2), _core, ".BTF.ext core_relo sub-section is 2 bytes, too short for its rec_size");
        FailsAt(WithExtWord(28, 4), _core + 4, ".BTF.ext core_relo sub-section has a rec_size but no section blocks");
        FailsAt(WithExtWord(28, 8), _core + 4, ".BTF.ext core_relo block header (sec_name_off, num_info) is truncated: 4 bytes left in the sub-section");
    }

    [Test]
    public void AbsentSubsection()
    {
        var ext = BpfObjectFile.Parse(WithExtWord(28, 0)).BtfExt!;
        Assert.That(ext.CoreRelocations, Is.Empty);
        Assert.That(ext.FuncInfos, Is.Not.Empty);
    }

    [TestCase(12u, "at least 16"), TestCase(18u, "at least 16"), TestCase(0u, "at least 16")]
    public void RecordSize(uint size, string rule) =>
        FailsAt(WithExtWord(_core, size), _core, $".BTF.ext core_relo rec_size {size} is invalid: it must be a multiple of 4 and {rule}");

    [Test]
    public void FuncInfoRecordSize() =>
        FailsAt(WithExtWord(_func, 4), _func, ".BTF.ext func_info rec_size 4 is invalid: it must be a multiple of 4 and at least 8");

    [Test]
    public void LargerRecordsAreReadUpToTheKnownFields()
    {
        // A rec_size of 32 makes the first block's records twice as long, so it swallows the next records: the
        // reader must then find the block's end past the sub-section.
        uint count = ExtU32(CoreBlock + 4);
        FailsAt(WithExtWord(_core, 32), CoreBlock + 4,
            $".BTF.ext core_relo block of {count} records of 32 bytes runs past the end of the sub-section ({ExtU32(28) - 12} bytes left)");
    }

    [Test]
    public void NumInfo()
    {
        FailsAt(WithExtWord(CoreBlock + 4, 0), CoreBlock + 4, ".BTF.ext core_relo block has num_info 0");
        FailsAt(WithExtWord(CoreBlock + 4, 0x40000000), CoreBlock + 4,
            $".BTF.ext core_relo block of {0x40000000} records of 16 bytes runs past the end of the sub-section ({ExtU32(28) - 12} bytes left)");
    }

    [Test]
    public void SectionName()
    {
        uint strings = _parsed.Btf!.TotalStringLength;
        FailsAt(WithExtWord(CoreBlock, strings), CoreBlock, $".BTF.ext core_relo sec_name_off {strings} is outside the .BTF strings ({strings} bytes)");
        FailsAt(WithExtWord(CoreBlock, 0), CoreBlock, ".BTF.ext core_relo block names no section (empty sec_name_off string)");
        FailsAt(WithExtWord(CoreBlock, StringOffset(t => t.Name == "task")), CoreBlock, ".BTF.ext core_relo block is for section 'task', which the object does not have");
        FailsAt(WithExtWord(CoreBlock, StringOffset(t => t.Kind == BtfKind.Datasec && t.Name == "license")), CoreBlock,
            ".BTF.ext core_relo block is for section 'license', which is not a code section");
        FailsAt(WithExtWord(_func + 4, 0), _func + 4, ".BTF.ext func_info block names no section (empty sec_name_off string)");
    }

    [Test]
    public void InstructionOffset()
    {
        var section = _parsed.FindSection(_parsed.BtfExt!.CoreRelocations[0].Section)!;
        FailsAt(WithExtWord(CoreRecord, 12), CoreRecord, ".BTF.ext core_relo insn_off 12 is not a multiple of 8 (an instruction boundary)");
        // Past the section's end is kept, as libbpf keeps it (a dropped __weak subprogram's record); relocation skips it.
        var kept = BpfObjectFile.Parse(WithExtWord(CoreRecord, (uint)section.Size)).BtfExt!.CoreRelocations[0];
        Assert.That(kept.InstructionOffset, Is.EqualTo((int)section.Size));
        FailsAt(WithExtWord(_line + 12, 3), _line + 12, ".BTF.ext line_info insn_off 3 is not a multiple of 8 (an instruction boundary)");
    }

    [Test]
    public void TypeId()
    {
        uint count = _parsed.Btf!.TypeCount;
        FailsAt(WithExtWord(CoreRecord + 4, count), CoreRecord + 4, $".BTF.ext core_relo type_id {count} is not in .BTF (type IDs 0..{count - 1})");
        FailsAt(WithExtWord(_func + 16, count), _func + 16, $".BTF.ext func_info type_id {count} is not in .BTF (type IDs 0..{count - 1})");
        uint structId = _parsed.Btf.LocalTypes.First(t => t.Name == "task").Id;
        FailsAt(WithExtWord(_func + 16, structId), _func + 16, $".BTF.ext func_info type_id {structId} is [{structId}] STRUCT 'task', not a FUNC");
    }

    [Test]
    public void AccessString()
    {
        uint strings = _parsed.Btf!.TotalStringLength;
        FailsAt(WithExtWord(CoreRecord + 8, strings), CoreRecord + 8, $".BTF.ext core_relo access_str_off {strings} is outside the .BTF strings ({strings} bytes)");
        FailsAt(WithExtWord(CoreRecord + 8, StringOffset(t => t.Name == "task")), CoreRecord + 8,
            ".BTF.ext core_relo access string 'task' has 'task', which is not a non-negative decimal number");
        FailsAt(WithExtWord(CoreRecord + 8, 0), CoreRecord + 8, ".BTF.ext core_relo access string '' is empty");
    }

    [Test]
    public void LineInfoStrings()
    {
        uint strings = _parsed.Btf!.TotalStringLength;
        FailsAt(WithExtWord(_line + 16, strings), _line + 16, $".BTF.ext line_info file_name_off {strings} is outside the .BTF strings ({strings} bytes)");
        FailsAt(WithExtWord(_line + 20, strings + 7), _line + 20, $".BTF.ext line_info line_off {strings + 7} is outside the .BTF strings ({strings} bytes)");
    }

    [TestCase(13u), TestCase(0xffffffffu)]
    public void UnknownKind(uint kind) =>
        FailsAt(WithExtWord(CoreRecord + 12, kind), CoreRecord + 12, $".BTF.ext core_relo kind {kind} is not a known CO-RE relocation kind (0..12)");

    private void WriteSectionSize(byte[] bytes, string section, ulong size)
    {
        var at = _parsed.FindSection(section)!.HeaderOffset + 32;   // sh_size of an ELF64 section header
        if (_bigEndian) BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan((int)at), size);
        else BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)at), size);
    }

    [Test]
    public void EveryTruncationIsAnErrorInsideTheSection()
    {
        // Shrinking sh_size of .BTF.ext cuts the last sub-section (or the header) short. Its relocation section
        // is emptied too, or the ELF reader would (rightly) stop at relocations outside the shrunk section.
        for (int size = 0; size < _extSize; size++)
        {
            var bytes = (byte[])_object.Clone();
            WriteSectionSize(bytes, ".BTF.ext", (ulong)size);
            WriteSectionSize(bytes, ".rel.BTF.ext", 0);
            var obj = BpfObjectFile.Parse(bytes, "core.o");
            var e = Assert.Throws<ElfFormatException>(() => _ = obj.BtfExt, $"size {size}")!;
            Assert.That(e.Offset - _ext, Is.InRange(0, Math.Max(size, 4)), $"size {size}: {e.Message}");
            Assert.That(e.Reason, Does.StartWith(".BTF.ext "), $"size {size}");
        }
    }

    [Test]
    public void RandomCorruptionReadsOrIsAFormatError()
    {
        var random = new Random(20261126);
        int read = 0;
        for (int round = 0; round < 3000; round++)
        {
            var bytes = (byte[])_object.Clone();
            for (int k = random.Next(1, 4); k > 0; k--) bytes[_ext + random.Next(_extSize)] = (byte)random.Next(256);
            var obj = BpfObjectFile.Parse(bytes, "core.o");
            try { _ = obj.BtfExt; read++; }
            catch (ElfFormatException e) { Assert.That(e.Offset - _ext, Is.InRange(0, _extSize - 1), e.Message); }
        }
        Assert.That(read, Is.GreaterThan(0), "some corruptions only change line numbers or columns");
    }

    /// <summary>The object with its .BTF.ext in the other byte order: after magic, version and flags, every field is a u32.</summary>
    private byte[] WithForeignBtfExt()
    {
        var bytes = (byte[])_object.Clone();
        (bytes[_ext], bytes[_ext + 1]) = (bytes[_ext + 1], bytes[_ext]);
        for (int at = 4; at + 4 <= _extSize; at += 4)
            bytes.AsSpan((int)_ext + at, 4).Reverse();
        return bytes;
    }

    [Test]
    public void ForeignByteOrderReadsTheSameRecords()
    {
        Assert.That(_extSize % 4, Is.EqualTo(0));
        var ext = BpfObjectFile.Parse(WithForeignBtfExt()).BtfExt!;
        Assert.That(ext.IsBigEndian, Is.Not.EqualTo(_bigEndian));
        Assert.That(ext.CoreRelocations, Is.EqualTo(_parsed.BtfExt!.CoreRelocations));
        Assert.That(ext.FuncInfos.SelectMany(f => f.Value), Is.EqualTo(_parsed.BtfExt.FuncInfos.SelectMany(f => f.Value)));
        Assert.That(ext.LineInfos.SelectMany(f => f.Value), Is.EqualTo(_parsed.BtfExt.LineInfos.SelectMany(f => f.Value)));
    }

    [Test]
    public void ForeignByteOrderNeedsExactRecordSizes()
    {
        // libbpf swaps a foreign .BTF.ext field by field, so it refuses records longer than it knows.
        var bytes = WithForeignBtfExt();
        if (_bigEndian) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)_ext + _core), 20);
        else BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan((int)_ext + _core), 20);
        FailsAt(bytes, _core, ".BTF.ext core_relo rec_size 20 is invalid: it must be a multiple of 4 and exactly 16 in a .BTF.ext of the other byte order than the object");
    }

    [Test]
    public void MalformedBtfNamesTheSection()
    {
        var btf = _parsed.FindSection(".BTF")!;
        var bytes = (byte[])_object.Clone();
        bytes[btf.Offset + 2] = 9;   // BTF version
        var obj = BpfObjectFile.Parse(bytes, "core.o");
        var e = Assert.Throws<ElfFormatException>(() => _ = obj.Btf)!;
        Assert.That(e.Reason, Does.StartWith("section '.BTF': "));
        Assert.That(e.Offset, Is.InRange((long)btf.Offset, (long)(btf.Offset + btf.Size)));
        Assert.That(e.InnerException, Is.InstanceOf<BtfFormatException>());
        Assert.Throws<ElfFormatException>(() => _ = obj.BtfExt, ".BTF.ext needs .BTF");
    }

    [Test]
    public void BtfExtWithoutBtf()
    {
        // Renaming .BTF (its sh_name pointing one byte into another name) leaves .BTF.ext without strings and types.
        var btf = _parsed.FindSection(".BTF")!;
        var bytes = (byte[])_object.Clone();
        Write(bytes, btf.HeaderOffset, U32(bytes, btf.HeaderOffset) + 1);
        var obj = BpfObjectFile.Parse(bytes, "core.o");
        Assert.That(obj.Btf, Is.Null);
        var ext = obj.FindSection(".BTF.ext")!;
        var e = Assert.Throws<ElfFormatException>(() => _ = obj.BtfExt)!;
        Assert.That((e.Reason, e.Offset), Is.EqualTo(("section '.BTF.ext' needs a '.BTF' section for its strings and types, and the object has none", ext.HeaderOffset)));
    }
}
