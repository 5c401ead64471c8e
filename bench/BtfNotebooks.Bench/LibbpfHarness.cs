using System.Diagnostics;

namespace BtfNotebooks.Bench;

/// <summary>Builds bench/libbpf/btf_parse_bench.c with the system libbpf and runs it on the same blob.</summary>
public static class LibbpfHarness
{
    public static void RunAndPrint(string rawBtf)
    {
        var source = Path.Combine(BenchData.RepoRoot(), "bench", "libbpf", "btf_parse_bench.c");
        var exe = Path.Combine(Path.GetTempPath(), "btfnb-btf_parse_bench");
        var (ccExit, ccOut) = Run("cc", "-O2", source, "-lbpf", "-o", exe);
        if (ccExit != 0)
        {
            Console.WriteLine($"libbpf harness not built (needs cc and libbpf-dev): {ccOut.Trim()}");
            return;
        }
        var (exit, output) = Run(exe, rawBtf, "300");
        Console.WriteLine();
        Console.WriteLine("libbpf on the same blob (ms):     best   median");
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ');
            Console.WriteLine(parts.Length == 3 ? $"  {parts[0],-30} {parts[1],7} {parts[2],8}" : "  " + line);
        }
        if (exit != 0) Console.WriteLine($"  (harness exited {exit})");
    }

    private static (int, string) Run(string file, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
