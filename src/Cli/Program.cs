using System.CommandLine;
using BtfNotebooks.Cli;

// btfnb: thin command-line glue over BtfNotebooks.Core. Every action runs inside CliErrors.Action, so a user
// error is one line on stderr and exit code 1.
var root = new RootCommand("btfnb: BTF and CO-RE, seen and tested on one machine")
{
    BtfCommands.Create(),
    DriftCommand.Create(),
    ConformanceCommand.Create(),
    AsmCommands.CreateAsm(),
    AsmCommands.CreateDisasm(),
    RunCommand.Create(),
    RelocateCommand.Create(),
};
return root.Parse(args).Invoke();
