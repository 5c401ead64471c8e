using System.CommandLine;
using BtfNotebooks.Cli;

// btfnb: thin command-line glue over BtfNotebooks.Core. Every failure is one line on stderr and exit code 1.
var root = new RootCommand("btfnb: BTF and CO-RE, seen and tested on one machine")
{
    BtfCommands.Create(),
    DriftCommand.Create(),
};
return CliErrors.Run(() => root.Parse(args).Invoke());
