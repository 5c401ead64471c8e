using System.Text;

namespace BtfNotebooks.Tests.Cli;

/// <summary>Runs the built btfnb (copied next to the tests) as a separate process, as a script would.</summary>
public static class Btfnb
{
    public sealed record Result(int Exit, string Stdout, string Stderr, byte[] StdoutBytes);

    public static Result Run(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "btfnb.dll");
        var (exit, stdout, stderr) = ExternalTool.Run("dotnet", [dll, .. args]);
        return new Result(exit, Encoding.UTF8.GetString(stdout), stderr, stdout);
    }

    public static string Kernel(string name) => TestKernels.PathOf(name);
}
