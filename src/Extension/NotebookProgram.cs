using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.CoRe;

namespace BtfNotebooks.Extension;

/// <summary>
/// A program kept by name in the notebook: a <c>#!bpf</c> cell (assembly, CO-RE operands resolved against the
/// <see cref="Against"/> kernel) or a <c>#!bpf-load-elf</c> object. Shared with C# cells as a variable of this type.
/// </summary>
public sealed class NotebookProgram
{
    internal NotebookProgram(string name, CoreObject code, string? against, AssembledProgram? assembly, string? path)
    {
        Name = name;
        Code = code;
        Against = against;
        Assembly = assembly;
        Path = path;
    }

    public string Name { get; }

    /// <summary>Local BTF, CO-RE records and programs: relocate with <see cref="CoreObject.Relocate"/> or <see cref="CoreObject.Matrix"/>.</summary>
    public CoreObject Code { get; }

    /// <summary>The reference kernel a <c>#!bpf</c> cell was assembled against (null for objects and cells without CO-RE operands).</summary>
    public string? Against { get; }

    /// <summary>The assembled text (labels, source lines, CO-RE operands) of a <c>#!bpf</c> cell.</summary>
    public AssembledProgram? Assembly { get; }

    /// <summary>The object file of a <c>#!bpf-load-elf</c> program.</summary>
    public string? Path { get; }

    /// <summary>The instructions as built (before relocation): the reference kernel's values for a cell.</summary>
    public IReadOnlyList<Instruction> Instructions(string? program = null) => Code.Link(CoreRelocationReport.Unrelocated("local", Code.Programs), program);

    public override string ToString() =>
        $"{Name}: {Code.EntryPrograms.Count} program(s), {Code.Records.Count} CO-RE record(s)" + (Against is null ? "" : $", assembled against {Against}");
}
