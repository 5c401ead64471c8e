using System.Globalization;

namespace BtfNotebooks.Kernels;

/// <summary>
/// A kernel release string ("6.1.0-56-amd64", "6.12.117+deb12-amd64", "6.18", "5.4.0-1025-aws", "6.18-rc3") split
/// into what orders it: the dotted numbers, a release candidate, the distribution's ABI number, a "+local" tag and
/// the rest. Ordering as text gets 6.12 before 6.2 and 6.1.0-100 before 6.1.0-56; this compares the parts as
/// numbers, so a list of kernels sorts in the order they were released.
/// </summary>
public sealed class KernelVersion : IComparable<KernelVersion>, IComparable, IEquatable<KernelVersion>
{
    private readonly int[] _numbers;

    private KernelVersion(string text, int[] numbers, int? releaseCandidate, long? abi, string? localVersion, string? suffix)
    {
        Text = text;
        _numbers = numbers;
        ReleaseCandidate = releaseCandidate;
        Abi = abi;
        LocalVersion = localVersion;
        Suffix = suffix;
    }

    /// <summary>The release as given.</summary>
    public string Text { get; }

    /// <summary>The dotted numbers: [6, 1, 0] for "6.1.0-56-amd64", [6, 18] for "6.18" (at least two).</summary>
    public IReadOnlyList<int> Numbers => _numbers;

    public int Major => _numbers[0];

    public int Minor => _numbers[1];

    /// <summary>The third number, 0 when the release has only two ("6.18").</summary>
    public int Patch => _numbers.Length > 2 ? _numbers[2] : 0;

    /// <summary>N of "-rcN": a release candidate sorts before the release it leads to.</summary>
    public int? ReleaseCandidate { get; }

    /// <summary>The distribution's ABI number after the first dash: 56 in "6.1.0-56-amd64", 1025 in "5.4.0-1025-aws".</summary>
    public long? Abi { get; }

    /// <summary>The "+tag" right after the numbers, without the plus: "deb12" in "6.12.117+deb12-amd64".</summary>
    public string? LocalVersion { get; }

    /// <summary>Whatever follows (flavour, architecture, distribution tags): "amd64", "cloud-amd64", "aws", "fc32.x86_64".</summary>
    public string? Suffix { get; }

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> saying what a release looks like.</summary>
    public static KernelVersion Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var version)
            ? version
            : throw new FormatException($"'{text}' is not a kernel release: expected numbers like 6.1 or 6.1.0, optionally followed by +TAG, -rcN, -ABI and a suffix (6.1.0-56-amd64, 6.12.117+deb12-amd64, 5.4.0-1025-aws)");
    }

    /// <summary>Like <see cref="Parse"/>, false instead of an exception (also for null).</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out KernelVersion? version)
    {
        version = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        string s = text.Trim();
        int at = 0;
        var numbers = new List<int>();
        while (true)
        {
            int start = at;
            while (at < s.Length && char.IsAsciiDigit(s[at])) at++;
            if (at == start || !int.TryParse(s.AsSpan(start, at - start), NumberStyles.None, CultureInfo.InvariantCulture, out int n)) return false;
            numbers.Add(n);
            if (at + 1 < s.Length && s[at] == '.' && char.IsAsciiDigit(s[at + 1])) { at++; continue; }
            break;
        }
        if (numbers.Count < 2) return false;

        string? local = null;
        if (at < s.Length && s[at] == '+')
        {
            int start = ++at;
            while (at < s.Length && s[at] != '-') at++;
            if (at == start) return false;
            local = s[start..at];
        }

        int? rc = null;
        long? abi = null;
        if (at < s.Length && s[at] == '-')
        {
            // "-rcN" then possibly an ABI; or the ABI directly. Either ends at a separator or the end.
            if (TakeNumberAfter(s, at + 1, "rc", out int rcEnd, out long rcValue) && rcValue <= int.MaxValue)
            {
                rc = (int)rcValue;
                at = rcEnd;
            }
            if (at < s.Length && s[at] == '-' && TakeNumberAfter(s, at + 1, "", out int abiEnd, out long abiValue))
            {
                abi = abiValue;
                at = abiEnd;
            }
        }
        else if (at < s.Length && s[at] is not ('.' or '_' or '~'))
            return false; // "6.1x": the numbers run into letters

        string? suffix = at < s.Length ? s[at..].TrimStart('-', '.', '_', '~') : null;
        if (suffix is { Length: 0 }) suffix = null;
        version = new KernelVersion(s, [.. numbers], rc, abi, local, suffix);
        return true;
    }

    // A number right after the prefix at 'from' that ends at the end of text or at '-', '.', '+', '_' or '~'.
    private static bool TakeNumberAfter(string s, int from, string prefix, out int end, out long value)
    {
        end = from;
        value = 0;
        if (!s.AsSpan(from).StartsWith(prefix, StringComparison.Ordinal)) return false;
        int start = from + prefix.Length, at = start;
        while (at < s.Length && char.IsAsciiDigit(s[at])) at++;
        if (at == start || (at < s.Length && s[at] is not ('-' or '.' or '+' or '_' or '~'))) return false;
        if (!long.TryParse(s.AsSpan(start, at - start), NumberStyles.None, CultureInfo.InvariantCulture, out value)) return false;
        end = at;
        return true;
    }

    /// <summary>
    /// Numbers first (missing ones count as 0, then fewer numbers first: 6.18 before 6.18.0), then a release
    /// candidate before the release, then the ABI number (none first), the local tag and the suffix (ordinal).
    /// </summary>
    public int CompareTo(KernelVersion? other)
    {
        if (other is null) return 1;
        if (ReferenceEquals(this, other)) return 0;
        int count = Math.Max(_numbers.Length, other._numbers.Length);
        for (int i = 0; i < count; i++)
        {
            int a = i < _numbers.Length ? _numbers[i] : 0, b = i < other._numbers.Length ? other._numbers[i] : 0;
            if (a != b) return a.CompareTo(b);
        }
        int c = _numbers.Length.CompareTo(other._numbers.Length);
        if (c != 0) return c;
        c = (ReleaseCandidate ?? int.MaxValue).CompareTo(other.ReleaseCandidate ?? int.MaxValue);
        if (c != 0) return c;
        c = Nullable.Compare(Abi, other.Abi);
        if (c != 0) return c;
        c = string.CompareOrdinal(LocalVersion, other.LocalVersion);
        if (c != 0) return c;
        return string.CompareOrdinal(Suffix, other.Suffix);
    }

    int IComparable.CompareTo(object? obj) => obj switch
    {
        null => 1,
        KernelVersion v => CompareTo(v),
        _ => throw new ArgumentException($"cannot compare a kernel version with {obj.GetType().Name}", nameof(obj)),
    };

    public bool Equals(KernelVersion? other) => other is not null && CompareTo(other) == 0;

    public override bool Equals(object? obj) => obj is KernelVersion v && Equals(v);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (int n in _numbers) hash.Add(n);
        hash.Add(ReleaseCandidate);
        hash.Add(Abi);
        hash.Add(LocalVersion);
        hash.Add(Suffix);
        return hash.ToHashCode();
    }

    public static bool operator ==(KernelVersion? a, KernelVersion? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(KernelVersion? a, KernelVersion? b) => !(a == b);
    public static bool operator <(KernelVersion? a, KernelVersion? b) => Compare(a, b) < 0;
    public static bool operator >(KernelVersion? a, KernelVersion? b) => Compare(a, b) > 0;
    public static bool operator <=(KernelVersion? a, KernelVersion? b) => Compare(a, b) <= 0;
    public static bool operator >=(KernelVersion? a, KernelVersion? b) => Compare(a, b) >= 0;

    private static int Compare(KernelVersion? a, KernelVersion? b) => a is null ? (b is null ? 0 : -1) : a.CompareTo(b);

    public override string ToString() => Text;
}
