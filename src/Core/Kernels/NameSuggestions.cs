namespace BtfNotebooks.Kernels;

/// <summary>
/// "Did you mean" for a mistyped kernel or member name: the candidates within a few edits of it (ignoring case), or
/// containing it, closest first. A message with the two likely names beats a list of 300 members.
/// </summary>
internal static class NameSuggestions
{
    public static IReadOnlyList<string> Closest(string wanted, IEnumerable<string> candidates, int max = 3)
    {
        string w = wanted.ToLowerInvariant();
        int limit = Math.Max(1, w.Length / 3);
        return candidates
            .Distinct(StringComparer.Ordinal)
            .Select(c => (Name: c, Distance: Score(w, c.ToLowerInvariant(), limit)))
            // rewriting every character of a short name ("e" into "a") is no suggestion
            .Where(c => c.Distance <= limit && c.Distance < w.Length)
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(max)
            .Select(c => c.Name)
            .ToList();
    }

    /// <summary>", did you mean a or b?" or "" when nothing is close.</summary>
    public static string DidYouMean(string wanted, IEnumerable<string> candidates)
    {
        var close = Closest(wanted, candidates);
        return close.Count == 0 ? "" : $"; did you mean {string.Join(" or ", close)}?";
    }

    // Edit distance; a candidate that contains the wanted text (or the reverse) counts as just within the limit,
    // unless it is closer than that ("do_unlinkat" for "do_unlinkatt" is one edit, ahead of "io_unlinkat").
    private static int Score(string wanted, string candidate, int limit)
    {
        if (wanted.Length > 0 && candidate != wanted && (candidate.Contains(wanted, StringComparison.Ordinal) || (candidate.Length > 2 && wanted.Contains(candidate, StringComparison.Ordinal))))
            return Math.Min(limit, Distance(wanted, candidate, limit));
        return Distance(wanted, candidate, limit);
    }

    private static int Distance(string wanted, string candidate, int limit)
    {
        if (Math.Abs(wanted.Length - candidate.Length) > limit) return int.MaxValue;
        // Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions
        // ("pdi" for "pid") each cost one edit.
        var d = new int[wanted.Length + 1, candidate.Length + 1];
        for (int i = 0; i <= wanted.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= candidate.Length; j++) d[0, j] = j;
        for (int i = 1; i <= wanted.Length; i++)
            for (int j = 1; j <= candidate.Length; j++)
            {
                int cost = wanted[i - 1] == candidate[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && wanted[i - 1] == candidate[j - 2] && wanted[i - 2] == candidate[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[wanted.Length, candidate.Length];
    }
}
