using System.Text;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Elf;

/// <summary>
/// Compiles BPF C with clang-19 into a temporary object (deleted with the handle). Tests using it are ignored
/// where clang-19 is not installed.
/// </summary>
public static class ClangBpf
{
    public const string Clang = "clang-19";

    /// <summary>The default flags of these tests: optimised, with BTF, cpu v4 (sign-extending loads, bswap, gotol, sdiv).</summary>
    public static readonly string[] DefaultFlags = ["-O2", "-g", "-mcpu=v4"];

    /// <summary>
    /// <c>-I</c> for the host's multiarch include directories: Debian keeps <c>&lt;asm/types.h&gt;</c>, which
    /// <c>&lt;linux/bpf.h&gt;</c> needs, under <c>/usr/include/&lt;triplet&gt;</c>, where a BPF target does not look.
    /// </summary>
    public static readonly string[] SystemIncludes =
        Directory.Exists("/usr/include") ? [.. Directory.GetDirectories("/usr/include", "*-linux-gnu").Order().Select(d => "-I" + d)] : [];

    /// <summary>Compiles <paramref name="source"/> for <paramref name="target"/> ("bpf"/"bpfel" or "bpfeb"), with <see cref="SystemIncludes"/>.</summary>
    public static ExternalTool.TempFile Compile(string source, string target = "bpf", params string[] flags)
    {
        var clang = ExternalTool.Require(Clang);
        using var c = ExternalTool.Temp(Encoding.UTF8.GetBytes(source), ".c");
        var output = new ExternalTool.TempFile(Path.ChangeExtension(c.Path, ".o"));
        var (exit, _, stderr) = ExternalTool.Run(clang, [.. (flags.Length == 0 ? DefaultFlags : flags), .. SystemIncludes, "-target", target, "-c", c.Path, "-o", output.Path]);
        if (exit != 0) Assert.Fail($"{Clang} -target {target} failed ({exit}):\n{stderr}");
        return output;
    }

    /// <summary>Runs an LLVM 19 tool (llvm-readelf-19, llvm-objdump-19, llvm-objcopy-19) and returns its stdout.</summary>
    public static byte[] Llvm(string tool, params string[] args)
    {
        var path = ExternalTool.Require(tool);
        var (exit, stdout, stderr) = ExternalTool.Run(path, args);
        if (exit != 0) Assert.Fail($"{tool} {string.Join(' ', args)} failed ({exit}):\n{stderr}");
        return stdout;
    }
}
