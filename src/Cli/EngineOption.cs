using System.CommandLine;
using BtfNotebooks.Vm;

namespace BtfNotebooks.Cli;

/// <summary>`--engine interp|jit`, shared by `run` and `conformance`, and the name each engine has in output.</summary>
internal static class EngineOption
{
    public static Option<string> Create() => new("--engine")
    {
        Description = "interp (the interpreter) or jit (compiled to machine code; falls back to the interpreter for what it cannot compile, and says so)",
        DefaultValueFactory = _ => "interp",
        CompletionSources = { "interp", "jit" },
    };

    public static VmEngine Parse(string? text) => VmEngineNames.Parse(text) ?? throw new CliException($"--engine is interp or jit, not '{text}'");
}
