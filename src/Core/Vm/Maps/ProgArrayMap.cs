using System.Runtime.CompilerServices;
using BtfNotebooks.Asm;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.Maps;

namespace BtfNotebooks.Vm.Maps;

/// <summary>
/// A program a prog array can hold: either a <see cref="BpfVm"/> made with <see cref="BpfVm.CreateSibling"/> of the
/// calling program's VM (it must share its memory), or instructions (an object's other program, linked with its maps),
/// for which each calling VM's memory gets one sibling VM, created on the first tail call and kept.
/// </summary>
public sealed class TailCallProgram
{
    private readonly ConditionalWeakTable<AddressSpace, BpfVm> _siblings = new();

    public TailCallProgram(string name, IReadOnlyList<Instruction> instructions)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(instructions);
        Name = name;
        Instructions = [.. instructions];
    }

    public TailCallProgram(BpfVm vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        Vm = vm;
        Name = vm.Name ?? "program";
        Instructions = vm.Instructions;
    }

    /// <summary>Program <paramref name="programName"/> of <paramref name="obj"/>, linked with its subprograms and map
    /// references (<see cref="BpfObjectFile.LinkProgramWithMaps"/>), so it runs with the caller's <see cref="BpfMapSet"/>.</summary>
    public static TailCallProgram FromObject(BpfObjectFile obj, string programName) => new(programName, obj.LinkProgramWithMaps(programName));

    public string Name { get; }

    public IReadOnlyList<Instruction> Instructions { get; }

    /// <summary>The fixed VM, when the program was given as one.</summary>
    public BpfVm? Vm { get; }

    /// <summary>The VM that runs this program when <paramref name="caller"/> tail-calls it.</summary>
    public BpfVm VmFor(BpfVm caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return Vm ?? _siblings.GetValue(caller.Memory, _ => caller.CreateSibling(Instructions, Name));
    }

    public override string ToString() => $"program '{Name}' ({Instructions.Count} instructions)";
}

/// <summary>
/// BPF_MAP_TYPE_PROG_ARRAY: index to program, for bpf_tail_call. User space fills it with program fds; tests fill it
/// with <see cref="Set(uint, TailCallProgram)"/>. Programs cannot look up or update it (the verifier refuses), only
/// tail-call through it.
/// </summary>
public sealed class ProgArrayMap : BpfMap
{
    private readonly TailCallProgram?[] _programs;

    internal ProgArrayMap(AddressSpace memory, BpfMapDefinition definition) : base(memory, definition)
    {
        if (definition.KeySize != 4 || definition.ValueSize != 4)
            throw new ArgumentException($"{this}: key_size {definition.KeySize} and value_size {definition.ValueSize} must both be 4 (-EINVAL)");
        if (definition.MaxEntries == 0 || definition.MaxEntries > 1 << 20)
            throw new ArgumentException($"{this}: max_entries {definition.MaxEntries} must be 1..{1 << 20}");
        _programs = new TailCallProgram?[definition.MaxEntries];
    }

    public override int Count => _programs.Count(p => p is not null);

    /// <summary>The program at <paramref name="index"/>, or null (also past max_entries).</summary>
    public TailCallProgram? this[uint index] => index < MaxEntries ? _programs[index] : null;

    /// <summary>Puts <paramref name="program"/> at <paramref name="index"/> (BPF_MAP_UPDATE_ELEM with its fd).</summary>
    public void Set(uint index, TailCallProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        if (index >= MaxEntries) throw new ArgumentOutOfRangeException(nameof(index), index, $"{this} has {MaxEntries} entries (the syscall answers -E2BIG)");
        _programs[index] = program;
    }

    /// <summary>Puts a sibling VM at <paramref name="index"/> (see <see cref="BpfVm.CreateSibling"/>).</summary>
    public void Set(uint index, BpfVm program) => Set(index, new TailCallProgram(program));

    /// <summary>Not by bytes: user space stores program fds, which the VM does not have; use <see cref="Set(uint, TailCallProgram)"/>.</summary>
    public override int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, BpfMapUpdateFlags flags = BpfMapUpdateFlags.Any) =>
        throw new NotSupportedException($"{this} holds programs, not bytes: use Set(index, program)");

    /// <summary>Empties the slot (BPF_MAP_DELETE_ELEM): 0, -E2BIG past max_entries, -ENOENT when empty.</summary>
    public override int Delete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        uint index = Index(key);
        if (index >= MaxEntries) return -BpfErrno.E2BIG;
        if (_programs[index] is null) return -BpfErrno.ENOENT;
        _programs[index] = null;
        return 0;
    }

    /// <summary>The filled slots, by index.</summary>
    public IEnumerable<KeyValuePair<uint, TailCallProgram>> Programs =>
        _programs.Select((p, i) => KeyValuePair.Create((uint)i, p)).Where(e => e.Value is not null).Select(e => KeyValuePair.Create(e.Key, e.Value!));
}
