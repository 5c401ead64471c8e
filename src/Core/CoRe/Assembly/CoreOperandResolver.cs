using System.Globalization;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.Elf.BtfExt;

namespace BtfNotebooks.CoRe.Assembly;

/// <summary>What a <c>%core</c> operand names in a BTF: the root type and the access string clang would emit.</summary>
public sealed record CoreOperandAccess(uint RootTypeId, string Access, string Path);

/// <summary>
/// Turns a <c>%core...(...)</c> operand's arguments into a CO-RE root type and access string against a reference
/// BTF, the way clang builds them from C: a field path <c>T.a.b[2]</c> becomes <c>0:i:j:2</c> (the leading 0 is the
/// subscript of the base pointer; anonymous members between named ones are steps of their own), a type-based
/// operand's access is <c>0</c>, and an enumerator's is its index in the enum.
/// </summary>
public static class CoreOperandResolver
{
    public static CoreOperandAccess Resolve(BtfSpec reference, CoreOperand operand)
    {
        try
        {
            if (operand.Kind.IsFieldBased()) return ResolveField(reference, operand.Arguments);
            if (operand.Kind.IsEnumValueBased()) return ResolveEnumerator(reference, operand.Arguments);
            var type = reference.FindType(operand.Arguments);
            return new CoreOperandAccess(type.Id, "0", operand.Arguments.Trim());
        }
        catch (BtfLookupException e)
        {
            throw new CoreOperandException(operand, e.Message);
        }
    }

    private static CoreOperandAccess ResolveField(BtfSpec reference, string arguments)
    {
        // "struct task_struct.pid" or "task_struct.pid": the type is everything before the first '.'.
        string text = arguments.Trim();
        int dot = text.IndexOf('.');
        if (dot <= 0 || dot == text.Length - 1)
            throw new BtfLookupException($"'{text}' is not a field path: expected TYPE.field[.field...]");
        var root = reference.FindType(text[..dot]);
        var current = reference.SkipModifiers(root);
        var access = new List<string> { "0" };
        foreach (var segment in text[(dot + 1)..].Split('.'))
        {
            var (name, subscripts) = SplitSubscripts(segment, text);
            if (!current.Kind.IsComposite())
                throw new BtfLookupException($"'{name}' cannot be reached inside {BtfSpec.Describe(current)} (in '{text}')");
            var location = reference.ResolveField(current, name);
            foreach (var step in location.Steps) access.Add(step.Member.Index.ToString(CultureInfo.InvariantCulture));
            current = reference.SkipModifiers(location.Member.TypeId);
            foreach (int index in subscripts)
            {
                if (current.Kind != BtfKind.Array)
                    throw new BtfLookupException($"'{name}[{index}]' subscripts {BtfSpec.Describe(current)}, not an array (in '{text}')");
                access.Add(index.ToString(CultureInfo.InvariantCulture));
                current = reference.SkipModifiers(current.ArrayElementTypeId);
            }
        }
        return new CoreOperandAccess(root.Id, string.Join(':', access), text);
    }

    private static (string Name, List<int> Subscripts) SplitSubscripts(string segment, string text)
    {
        int bracket = segment.IndexOf('[');
        string name = (bracket < 0 ? segment : segment[..bracket]).Trim();
        var subscripts = new List<int>();
        while (bracket >= 0)
        {
            int close = segment.IndexOf(']', bracket);
            if (close < 0 || !int.TryParse(segment[(bracket + 1)..close], NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                throw new BtfLookupException($"'{segment}' has a bad subscript: expected name[N] with N a non-negative integer (in '{text}')");
            subscripts.Add(index);
            bracket = segment.IndexOf('[', close);
            if (bracket < 0 && close != segment.Length - 1)
                throw new BtfLookupException($"unexpected text after ']' in '{segment}' (in '{text}')");
        }
        if (name.Length == 0) throw new BtfLookupException($"empty member name in '{text}'");
        return (name, subscripts);
    }

    private static CoreOperandAccess ResolveEnumerator(BtfSpec reference, string arguments)
    {
        var parts = arguments.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            throw new BtfLookupException($"'{arguments}' is not an enumerator: expected ENUM, VALUE");
        string enumName = parts[0].StartsWith("enum ", StringComparison.Ordinal) ? parts[0] : "enum " + parts[0];
        var type = reference.FindType(enumName);
        var resolved = reference.SkipModifiers(type);
        var values = resolved.EnumValues;
        for (int i = 0; i < values.Count; i++)
            if (values[i].Name == parts[1]) return new CoreOperandAccess(type.Id, i.ToString(CultureInfo.InvariantCulture), $"{parts[0]}::{parts[1]}");
        throw new BtfLookupException($"{BtfSpec.Describe(resolved)} has no enumerator '{parts[1]}'");
    }
}

/// <summary>A <c>%core</c> operand that does not resolve in the reference BTF; names the line and column.</summary>
public sealed class CoreOperandException(CoreOperand operand, string reason)
    : Exception($"line {operand.Line}, column {operand.Column}: {operand}: {reason}")
{
    public CoreOperand Operand { get; } = operand;
    public string Reason { get; } = reason;
}
