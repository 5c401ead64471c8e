using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Elf;
using BtfNotebooks.Tests.Vm;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Elf;

/// <summary>
/// Objects written by <see cref="BpfObjectWriter"/> read back through <see cref="BpfObjectFile"/>, are accepted by
/// llvm-readelf-19 and llvm-objdump-19 with the same sections, symbols and instructions, and load into the kernel.
/// </summary>
public partial class BpfObjectWriterTests
{
    // Exercises every slot shape the codec distinguishes: lddw (two slots, negative high word), registers in both
    // nibbles, negative offsets and immediates, a forward branch, ALU32 and a byte swap.
    private static readonly Instruction[] Arithmetic =
    [
        Instruction.LoadImm64(Register.R2, unchecked((long)0x8000_0001_dead_beefUL)),
        Instruction.Mov64(Register.R3, -7),
        Instruction.Alu64(AluOperation.Mul, Register.R2, Register.R3),
        Instruction.Branch(JumpOperation.Jsgt, Register.R2, -1, 2),
        Instruction.Alu32(AluOperation.Xor, Register.R2, 0x5a5a),
        Instruction.Alu64(AluOperation.Arsh, Register.R2, 3),
        Instruction.Alu32(AluOperation.End, Register.R2, Register.R0) with { Imm = 32 }, // be32: the source bit picks big-endian
        Instruction.Mov64(Register.R0, Register.R2),
        Instruction.Exit(),
    ];

    private static readonly Instruction[] ReturnsSeven = [Instruction.Mov64(Register.R0, 7), Instruction.Exit()];

    private static readonly Instruction[] ReturnsPacketLength =
    [
        Instruction.LoadMemory(AccessSize.Word, Register.R2, Register.R1, 4),
        Instruction.LoadMemory(AccessSize.Word, Register.R0, Register.R1, 0),
        Instruction.Alu64(AluOperation.Sub, Register.R2, Register.R0),
        Instruction.Mov64(Register.R0, Register.R2),
        Instruction.Exit(),
    ];

    private static readonly (string Section, string Name, IReadOnlyList<Instruction> Code)[] Sample =
    [
        ("xdp", "arithmetic", Arithmetic),
        ("socket", "seven", ReturnsSeven),
        ("xdp", "packet_length", ReturnsPacketLength),
    ];

    [TestCase(ByteOrder.LittleEndian)]
    [TestCase(ByteOrder.BigEndian)]
    public void ReadsBackAsTheProgramsWritten(ByteOrder order)
    {
        var obj = BpfObjectFile.Parse(BpfObjectWriter.Write(Sample, "Dual BSD/GPL", order));

        Assert.That(obj.ByteOrder, Is.EqualTo(order));
        Assert.That(obj.License, Is.EqualTo("Dual BSD/GPL"));
        Assert.That(obj.Sections.Select(s => s.Name), Is.EqualTo(new[] { "", "xdp", "socket", "license", ".symtab", ".strtab", ".shstrtab" }));
        Assert.That(obj.Sections.Where(s => s.IsExecutable).Select(s => s.Name), Is.EqualTo(new[] { "xdp", "socket" }));
        Assert.That(obj.Programs.Select(p => (p.SectionName, p.Name, p.SlotOffset, p.SlotCount)), Is.EqualTo(new[]
        {
            ("xdp", "arithmetic", 0, 10),                 // 9 instructions, the lddw taking two slots
            ("xdp", "packet_length", 10, 5),              // follows arithmetic in the shared section
            ("socket", "seven", 0, 2),
        }));
        foreach (var (_, name, code) in Sample)
        {
            Assert.That(obj.Program(name).Instructions, Is.EqualTo(code), name);
            Assert.That(obj.LinkProgram(name), Is.EqualTo(code), $"{name} links to itself: it calls nothing");
            Assert.That(obj.Program(name).Symbol, Has.Property(nameof(ElfSymbol.Binding)).EqualTo(ElfSymbol.BindGlobal)
                .And.Property(nameof(ElfSymbol.IsFunction)).True);
        }
        Assert.That(obj.SectionInstructions("xdp"), Is.EqualTo(Arithmetic.Concat(ReturnsPacketLength)));
        Assert.That(obj.Symbols.Select(s => s.Name), Is.EqualTo(new[] { "", "arithmetic", "packet_length", "seven" }), "symbols in section order");
    }

    [Test]
    public void ByteOrdersDifferOnlyInTheirEncoding()
    {
        var little = BpfObjectWriter.Write(Sample);
        var big = BpfObjectWriter.Write(Sample, order: ByteOrder.BigEndian);
        Assert.That(big, Has.Length.EqualTo(little.Length), "the layout does not depend on the byte order");
        Assert.That(big, Is.Not.EqualTo(little));
        Assert.That((little[5], big[5]), Is.EqualTo(((byte)1, (byte)2)), "EI_DATA");
        var program = BpfObjectFile.Parse(big).Program("arithmetic");
        Assert.That(InstructionCodec.Encode(program.Instructions, ByteOrder.BigEndian), Is.EqualTo(InstructionCodec.Encode(Arithmetic, ByteOrder.BigEndian)));
    }

    [Test]
    public void RefusesObjectsLibbpfCouldNotName()
    {
        Assert.Throws<ArgumentException>(() => BpfObjectWriter.Write([]), "no programs");
        Assert.Throws<ArgumentException>(() => BpfObjectWriter.Write([("xdp", "p", ReturnsSeven), ("socket", "p", ReturnsSeven)]), "duplicate name");
        Assert.Throws<ArgumentException>(() => BpfObjectWriter.Write([("xdp", "p", Array.Empty<Instruction>())]), "empty program");
        Assert.Throws<ArgumentException>(() => BpfObjectWriter.Write([("license", "p", ReturnsSeven)]), "reserved section");
        Assert.Throws<ArgumentException>(() => BpfObjectWriter.Write([(".text", "p", ReturnsSeven)]), "subprogram section");
        Assert.Throws<ArgumentException>(() => BpfObjectWriter.Write([("xdp", "", ReturnsSeven)]), "empty name");
        Assert.Throws<ArgumentException>(() => BpfObjectWriter.Write([("xdp", "p", ReturnsSeven)], "G\0PL"), "NUL in license");
    }

    [TestCase(ByteOrder.LittleEndian)]
    [TestCase(ByteOrder.BigEndian)]
    public void ReadelfListsTheSameSectionsAndSymbols(ByteOrder order)
    {
        var bytes = BpfObjectWriter.Write(Sample, order: order);
        using var file = ExternalTool.Temp(bytes, ".o");
        var readelf = ExternalTool.Require("llvm-readelf-19");
        var (exit, stdout, stderr) = ExternalTool.Run(readelf, "--elf-output-style=JSON", "-h", "-S", "-s", file.Path);
        Assert.That((exit, stderr), Is.EqualTo((0, "")), "llvm-readelf-19 reads the object without a warning");
        var json = JsonDocument.Parse(stdout).RootElement[0];
        var obj = BpfObjectFile.Parse(bytes);

        var header = json.GetProperty("ElfHeader");
        Assert.That(header.GetProperty("Machine").GetProperty("Value").GetInt32(), Is.EqualTo(247), "EM_BPF");
        Assert.That(header.GetProperty("Type").GetString(), Is.EqualTo("Relocatable (0x1)"));
        Assert.That(json.GetProperty("FileSummary").GetProperty("Arch").GetString(), Is.EqualTo(order == ByteOrder.BigEndian ? "bpfeb" : "bpfel"));
        var sections = json.GetProperty("Sections").EnumerateArray().Select(s => s.GetProperty("Section")).ToList();
        Assert.That(sections.Select(s => (s.GetProperty("Name").GetProperty("Name").GetString(), s.GetProperty("Offset").GetUInt64(), s.GetProperty("Size").GetUInt64())),
            Is.EqualTo(obj.Sections.Select(s => (s.Name, s.Offset, s.Size))));
        var symbols = json.GetProperty("Symbols").EnumerateArray().Select(s => s.GetProperty("Symbol")).ToList();
        Assert.That(symbols.Select(s => (s.GetProperty("Name").GetProperty("Name").GetString(), s.GetProperty("Type").GetProperty("Value").GetInt32(),
                s.GetProperty("Binding").GetProperty("Value").GetInt32(), s.GetProperty("Section").GetProperty("Value").GetInt32(),
                s.GetProperty("Value").GetUInt64(), s.GetProperty("Size").GetUInt64())),
            Is.EqualTo(obj.Symbols.Select(s => (s.Name, (int)s.Type, (int)s.Binding, (int)s.SectionIndex, s.Value, s.Size))));
    }

    [TestCase(ByteOrder.LittleEndian)]
    [TestCase(ByteOrder.BigEndian)]
    public void ObjdumpDisassemblesTheSameInstructions(ByteOrder order)
    {
        using var file = ExternalTool.Temp(BpfObjectWriter.Write(Sample, order: order), ".o");
        var objdump = ExternalTool.Require("llvm-objdump-19");
        var (exit, stdout, stderr) = ExternalTool.Run(objdump, "-d", file.Path);
        Assert.That((exit, stderr), Is.EqualTo((0, "")), "llvm-objdump-19 disassembles the object without a warning");

        var listed = new Dictionary<string, List<(byte[] Bytes, string Text)>>();
        List<(byte[], string)>? current = null;
        foreach (var line in Encoding.UTF8.GetString(stdout).Split('\n'))
        {
            if (FunctionLine().Match(line) is { Success: true } f) listed[f.Groups[1].Value] = current = [];
            else if (InstructionLine().Match(line) is { Success: true } i)
                current!.Add((Convert.FromHexString(i.Groups[1].Value.Replace(" ", "")), i.Groups[2].Value.Trim()));
        }
        Assert.That(listed.Keys, Is.EquivalentTo(Sample.Select(p => p.Name)));
        foreach (var (_, name, code) in Sample)
        {
            Assert.That(listed[name].Select(l => l.Bytes), Is.EqualTo(code.Select(i => InstructionCodec.Encode([i], order))), $"{name}: bytes");
            // objdump annotates branch targets ("<arithmetic+0x38>"); the instruction is the text before that.
            Assert.That(listed[name].Select(l => BranchAnnotation().Replace(l.Text, "")), Is.EqualTo(code.Select(i => Disassembler.Format(i, AsmSyntax.Llvm))), $"{name}: text");
        }
    }

    [Test]
    public void BpftoolLoadsAWrittenObjectAndTheKernelRunsIt()
    {
        if (KernelDifferentialKernel.Unavailable is string reason) Assert.Ignore(reason);
        using var file = ExternalTool.Temp(BpfObjectWriter.Write([("xdp", "arithmetic", Arithmetic)]), ".o");
        using var program = KernelDifferentialKernel.Load(file.Path, "arithmetic", "xdp");

        var vm = new BpfVm(Arithmetic);
        var packet = new byte[64];
        var expected = (uint)vm.Run(ProgramContext.Setup(vm, ProgramContextKind.Xdp, packet)).R0;
        Assert.That(program.Run(packet), Is.EqualTo(expected));
    }

    [Test]
    public void BpftoolLoadsEveryProgramOfASharedSection()
    {
        if (KernelDifferentialKernel.Unavailable is string reason) Assert.Ignore(reason);
        using var file = ExternalTool.Temp(BpfObjectWriter.Write([("xdp", "seven", ReturnsSeven), ("xdp", "packet_length", ReturnsPacketLength)]), ".o");
        var dir = $"/sys/fs/bpf/btfnb_writer_{Environment.ProcessId}";
        var (exit, stdout, stderr) = ExternalTool.Run(ExternalTool.Require("bpftool"), "prog", "loadall", file.Path, dir, "type", "xdp");
        try
        {
            Assert.That(exit, Is.Zero, Encoding.UTF8.GetString(stdout) + stderr);
            using var seven = new KernelDifferentialKernel.LoadedProgram($"{dir}/seven");
            using var length = new KernelDifferentialKernel.LoadedProgram($"{dir}/packet_length");
            Assert.That((seven.Run(new byte[64]), length.Run(new byte[99])), Is.EqualTo((7u, 99u)));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [GeneratedRegex(@"^[0-9a-f]{16} <(.+)>:$")]
    private static partial Regex FunctionLine();

    [GeneratedRegex(@"^\s+\d+:\t((?:[0-9a-f]{2} )*[0-9a-f]{2})\s*\t(.*)$")]
    private static partial Regex InstructionLine();

    [GeneratedRegex(@"\s+<[^>]*>$")]
    private static partial Regex BranchAnnotation();
}
