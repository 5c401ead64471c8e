using BtfNotebooks.Asm;
using BtfNotebooks.Btf;
using BtfNotebooks.CoRe.Assembly;
using BtfNotebooks.CoRe.Matrix;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.BtfExt;

namespace BtfNotebooks.CoRe;

/// <summary>
/// What CO-RE relocation needs from a program, whichever way it was built: the local BTF, the records and the
/// programs (for an assembled cell, its one program; for a clang or rustc object, every function). Relocating gives
/// per kernel a report and the relocated, linked instructions a VM can run.
/// </summary>
public sealed class CoreObject
{
    private readonly BpfObjectFile? _elf;

    private CoreObject(string name, BtfSpec? local, IReadOnlyList<CoreRelocationRecord> records, IReadOnlyList<CoreProgram> programs,
        ByteOrder byteOrder, BpfObjectFile? elf)
    {
        Name = name;
        Local = local;
        Records = records;
        Programs = programs;
        ByteOrder = byteOrder;
        _elf = elf;
    }

    public string Name { get; }

    /// <summary>The program's own BTF (.BTF); null for an object without it, which then has no records either.</summary>
    public BtfSpec? Local { get; }

    public IReadOnlyList<CoreRelocationRecord> Records { get; }

    /// <summary>Every function; entry programs are those that are not .text subprograms.</summary>
    public IReadOnlyList<CoreProgram> Programs { get; }

    public ByteOrder ByteOrder { get; }

    /// <summary>The object file, for objects loaded from ELF.</summary>
    public BpfObjectFile? Elf => _elf;

    /// <summary>Entry programs (what a loader attaches): every program outside .text, or the single assembled one.</summary>
    public IReadOnlyList<CoreProgram> EntryPrograms =>
        _elf is null ? Programs : [.. Programs.Where(p => p.Section != BpfObjectProgram.SubprogramSection)];

    public static CoreObject FromAssembly(CoreAssembly assembly, string? name = null) =>
        new(name ?? assembly.Name, BtfSpec.Parse(assembly.LocalBtf, source: $"local BTF of {name ?? assembly.Name}"), assembly.Records,
            [CoreProgram.FromInstructions(assembly.Section, assembly.Name, 0, assembly.Instructions)], ByteOrder.LittleEndian, null);

    /// <summary>A program without CO-RE operands: nothing to relocate, the same code on every kernel.</summary>
    public static CoreObject FromInstructions(string name, string section, IReadOnlyList<Instruction> instructions) =>
        new(name, null, [], [CoreProgram.FromInstructions(section, name, 0, instructions)], ByteOrder.LittleEndian, null);

    public static CoreObject FromObject(BpfObjectFile obj, string? name = null) =>
        new(name ?? Path.GetFileNameWithoutExtension(obj.Source ?? "object"), obj.Btf,
            obj.BtfExt?.CoreRelocations ?? [], [.. obj.Programs.Select(CoreProgram.FromObject)], obj.ByteOrder, obj);

    /// <summary>Relocates against one kernel; an object without records gives an empty report with the programs unchanged.</summary>
    public CoreRelocationReport Relocate(BtfSpec target, string targetName) =>
        Local is null
            ? CoreRelocationReport.Unrelocated(targetName, Programs)
            : CoreRelocator.Relocate(Local, Records, Programs, target, targetName, ByteOrder);

    public CoreMatrix Matrix(IReadOnlyList<CoreMatrixTarget> targets, int maxParallelism = -1) =>
        Local is null
            ? throw new InvalidOperationException($"{Name} has no CO-RE records (no .BTF): the same code runs on every kernel")
            : CoreMatrix.Build(Local, Records, Programs, targets, ByteOrder, maxParallelism);

    /// <summary>
    /// The runnable instructions of entry program <paramref name="program"/> (null: the only one) after
    /// <paramref name="report"/>'s relocation: the relocated slots, with bpf-to-bpf calls linked for objects.
    /// </summary>
    public IReadOnlyList<Instruction> Link(CoreRelocationReport report, string? program = null)
    {
        var entry = EntryProgram(program);
        if (_elf is null)
        {
            var relocated = report.Programs.Single(p => p.Name == entry.Name && p.Section == entry.Section);
            return FromSlots(relocated.Slots);
        }
        return _elf.WithPatchedPrograms(report.Programs).LinkProgram(entry.Name);
    }

    /// <summary>The entry program named <paramref name="name"/>, or the only one when null.</summary>
    public CoreProgram EntryProgram(string? name)
    {
        var entries = EntryPrograms;
        if (name is null)
            return entries.Count == 1 ? entries[0]
                : throw new ArgumentException($"{Name} has {entries.Count} programs; name one of: {string.Join(", ", entries.Select(p => p.Name))}");
        if (entries.FirstOrDefault(p => p.Name == name) is { } byName) return byName;
        var inSection = entries.Where(p => p.Section == name).ToList();
        return inSection.Count switch
        {
            1 => inSection[0],
            0 => throw new ArgumentException($"{Name} has no program '{name}'; its programs: {string.Join(", ", entries.Select(p => $"{p.Name} ({p.Section})"))}"),
            _ => throw new ArgumentException($"section '{name}' of {Name} has {inSection.Count} programs; name one of: {string.Join(", ", inSection.Select(p => p.Name))}"),
        };
    }

    // A CoreProgram keeps lddw as two slots (the second with opcode 0 carrying the upper imm): join them again.
    private static List<Instruction> FromSlots(IReadOnlyList<Instruction> slots)
    {
        var program = new List<Instruction>(slots.Count);
        for (int i = 0; i < slots.Count; i++)
        {
            var insn = slots[i];
            if (insn.IsWide && i + 1 < slots.Count) program.Add(insn with { NextImm = slots[++i].Imm });
            else program.Add(insn);
        }
        return program;
    }
}
