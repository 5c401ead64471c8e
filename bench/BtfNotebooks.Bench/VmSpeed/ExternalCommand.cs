using System.ComponentModel;
using System.Diagnostics;

namespace BtfNotebooks.Bench.VmSpeed;

/// <summary>Runs a tool to completion and returns its exit code and output; a missing tool is exit -1, not an exception.</summary>
public static class ExternalCommand
{
    public static (int Exit, string Stdout, string Stderr) Run(string file, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            // Read stderr concurrently: a tool that fills the stderr pipe while we wait on stdout would hang.
            var stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, stdout, stderr.Result);
        }
        catch (Win32Exception e)
        {
            return (-1, "", e.Message);
        }
    }

    /// <summary>The full path of <paramref name="name"/> on PATH (or /usr/sbin, where bpftool lives), else null.</summary>
    public static string? Find(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin").Append("/sbin");
        return dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }
}
