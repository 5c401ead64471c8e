namespace BtfNotebooks.Bench.VmSpeed;

/// <summary>
/// Builds bench/programs/*.c into BPF objects at bench start, so the interpreter and the kernel always run what the
/// sources say (no checked-in binaries to drift from them).
/// </summary>
public static class BenchProgramCompiler
{
    public const string Clang = "clang-19";

    public static string SourceDirectory => Path.Combine(BenchData.RepoRoot(), "bench", "programs");

    /// <summary>Compiles <c>bench/programs/NAME.c</c> and returns the object's path; throws with clang's output on failure.</summary>
    public static string Compile(string name)
    {
        var dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"btfnb-bench-programs-{Environment.UserName}")).FullName;
        var output = Path.Combine(dir, name + ".o");
        // The directory is per user (one another user created is not ours to write). Write to a per-process name
        // first: BenchmarkDotNet's child processes and a parallel quick run may compile the same program at once, and
        // none of them should load a half-written object.
        var partial = $"{output}.{Environment.ProcessId}";
        var (exit, stdout, stderr) = ExternalCommand.Run(Clang, "-O2", "-g0", "-target", "bpf", "-mcpu=v4",
            "-I/usr/include/x86_64-linux-gnu", "-c", Path.Combine(SourceDirectory, name + ".c"), "-o", partial);
        if (exit != 0)
            throw new InvalidOperationException($"{Clang} could not build bench/programs/{name}.c ({exit}):\n{stdout}{stderr}");
        File.Move(partial, output, overwrite: true);
        return output;
    }
}
