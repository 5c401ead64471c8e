using BtfNotebooks.Btf;

namespace BtfNotebooks.Kernels;

/// <summary>
/// Architecture names in Debian's spelling (amd64, arm64, i386, s390x, ppc64el, ppc64, riscv64), read from the words
/// of a file name or path, or told from the BTF itself: a file called "vmlinux.btf" still says which machine it
/// describes through its pointer size, byte order and the registers its <c>struct pt_regs</c> saves.
/// </summary>
public static class KernelArch
{
    public const string Amd64 = "amd64";
    public const string Arm64 = "arm64";
    public const string I386 = "i386";
    public const string S390x = "s390x";
    public const string Ppc64el = "ppc64el";
    public const string Ppc64 = "ppc64";
    public const string Riscv64 = "riscv64";

    // Words that name an architecture in Debian releases (686-pae is i386's flavour), BTFHub folders
    // (x86_64, arm64), RPM releases (.x86_64, .aarch64) and uname -m.
    private static readonly Dictionary<string, string> Words = new(StringComparer.OrdinalIgnoreCase)
    {
        ["amd64"] = Amd64,
        ["x86_64"] = Amd64,
        ["x86-64"] = Amd64,
        ["arm64"] = Arm64,
        ["aarch64"] = Arm64,
        ["i386"] = I386,
        ["i686"] = I386,
        ["686"] = I386,
        ["s390x"] = S390x,
        ["ppc64el"] = Ppc64el,
        ["ppc64le"] = Ppc64el,
        ["powerpc64le"] = Ppc64el,
        ["ppc64"] = Ppc64,
        ["riscv64"] = Riscv64,
    };

    /// <summary>The Debian name for one word ("x86_64" gives "amd64", "686" gives "i386"), or null when it names no architecture.</summary>
    public static string? Normalize(string? word) => word is not null && Words.TryGetValue(word, out var arch) ? arch : null;

    /// <summary>True when the word is an architecture's own name (amd64, x86_64...), not a flavour that implies one (686).</summary>
    internal static bool IsArchitectureWord(string word) => Normalize(word) is not null && !word.Equals("686", StringComparison.Ordinal);

    /// <summary>
    /// The architecture named by a word of <paramref name="name"/> (words split at '-', '.', '+', '/' and spaces; the
    /// last one that names an architecture wins, as release strings end with it), or null.
    /// </summary>
    public static string? FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var words = name.Split(['-', '.', '+', '/', '\\', ' '], StringSplitOptions.RemoveEmptyEntries);
        for (int i = words.Length - 1; i >= 0; i--)
            if (Normalize(words[i]) is { } arch) return arch;
        return null;
    }

    /// <summary>
    /// The architecture a kernel's BTF describes, from what only that architecture's <c>struct pt_regs</c> holds:
    /// x86 saves <c>orig_ax</c> (i386 when its <c>long</c> is 4 bytes), arm64 <c>orig_x0</c> (and has <c>struct
    /// user_pt_regs</c> with <c>pstate</c>), s390 the <c>psw</c>, riscv <c>epc</c>, powerpc <c>nip</c> (ppc64 when
    /// big-endian). Null when none of these fits, e.g. for BPF program BTF that has no <c>pt_regs</c>. A module's
    /// split BTF is answered through its base.
    /// </summary>
    public static string? Infer(BtfSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int pointer = spec.PointerSize;
        bool big = spec.IsBigEndian || (spec.Base?.IsBigEndian ?? false);
        BtfType? regs = Composite(spec, "pt_regs");
        bool Has(string member) => regs is { } r && HasMember(spec, r, member);

        if (Has("psw")) return pointer == 8 && big ? S390x : null;
        if (Has("orig_ax")) return big ? null : pointer == 4 ? I386 : Amd64;
        if (Has("orig_x0") || (Composite(spec, "user_pt_regs") is { } user && HasMember(spec, user, "pstate")))
            return pointer == 8 && !big ? Arm64 : null;
        if (Has("epc") && pointer == 8) return big ? null : Riscv64;
        if (Has("nip") && pointer == 8) return big ? Ppc64 : Ppc64el;
        return null;
    }

    private static BtfType? Composite(BtfSpec spec, string name) =>
        spec.FindByName(name, BtfKind.Struct) ?? spec.FindByName(name, BtfKind.Union);

    private static bool HasMember(BtfSpec spec, BtfType composite, string member)
    {
        try
        {
            spec.ResolveField(composite, member);
            return true;
        }
        catch (BtfLookupException)
        {
            return false;
        }
    }
}
