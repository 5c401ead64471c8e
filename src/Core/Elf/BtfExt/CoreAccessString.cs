using System.Globalization;

namespace BtfNotebooks.Elf.BtfExt;

/// <summary>
/// The syntax of a CO-RE access string (<c>0:1:2</c>): non-empty, decimal non-negative numbers that fit an int,
/// separated by single colons, at most <see cref="MaxLength"/> of them (libbpf's <c>bpf_core_parse_spec</c>).
/// What the numbers index is checked against the types by the CO-RE engine, not here.
/// </summary>
public static class CoreAccessString
{
    /// <summary>libbpf's <c>BPF_CORE_SPEC_MAX_LEN</c>: more accessors give E2BIG.</summary>
    public const int MaxLength = 64;

    /// <summary>Null when <paramref name="access"/> is well-formed, else why not.</summary>
    public static string? Problem(string access)
    {
        if (access.Length == 0) return "is empty";
        int count = 0;
        foreach (var part in access.Split(':'))
        {
            // libbpf reads each number with sscanf("%d"), which would also take signs and leading blanks; clang
            // writes plain digits only, and anything else is a corrupted string, so only digits are accepted.
            if (part.Length == 0) return "has an empty number (a leading, trailing or doubled ':')";
            if (!part.All(char.IsAsciiDigit)) return $"has '{part}', which is not a non-negative decimal number";
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out _)) return $"has {part}, which does not fit an int";
            if (++count > MaxLength) return $"has more than {MaxLength} numbers";
        }
        return null;
    }

    /// <summary>The numbers of a well-formed access string.</summary>
    public static int[] Parse(string access) =>
        Problem(access) is { } problem ? throw new FormatException($"access string '{access}' {problem}") : access.Split(':').Select(n => int.Parse(n, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
}
