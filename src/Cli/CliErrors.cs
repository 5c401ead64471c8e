using BtfNotebooks.Btf;

namespace BtfNotebooks.Cli;

/// <summary>Turns the errors users cause (bad files, unknown names) into one clear stderr line and exit code 1.</summary>
internal static class CliErrors
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (IsUserError(e))
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"btfnb: error: {e.Message}");
            return 1;
        }
    }

    /// <summary>Wraps a command action so its user errors end the same way.</summary>
    public static Func<System.CommandLine.ParseResult, int> Action(Func<System.CommandLine.ParseResult, int> body) => pr => Run(() => body(pr));

    private static bool IsUserError(Exception e) => e is BtfFormatException or BtfLookupException or CliException
        or BtfNotebooks.Asm.Text.AssemblyException or BtfNotebooks.Asm.BpfEncodingException or BtfNotebooks.Vm.BpfRuntimeException
        or BtfNotebooks.Elf.ElfFormatException or BtfNotebooks.CoRe.CoreRelocationException or BtfNotebooks.Kernels.Contexts.KernelContextException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException;
}

/// <summary>A usage problem found by a command itself (bad --kernel syntax, bad FIELD...).</summary>
internal sealed class CliException(string message) : Exception(message);
