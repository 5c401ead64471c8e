using System.CommandLine;
using System.Globalization;
using BtfNotebooks.Kernels.Contexts;
using BtfNotebooks.Vm;

namespace BtfNotebooks.Cli;

/// <summary>`btfnb run FILE`: runs a program in the interpreter, with the context its ELF section implies.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "a BPF ELF object, raw instructions (.bin) or assembly text" };
        var section = new Option<string?>("--section", "-s") { Description = "ELF section (or function name) of the program to run" };
        var data = new Option<string?>("--data", "-d") { Description = "packet bytes (default: 64 zero bytes)" };
        var repeat = new Option<int>("--repeat", "-r") { Description = "timed runs after the first", DefaultValueFactory = _ => 1 };
        var format = new Option<string>("--format") { Description = "text or tsv (header + one row: engine r0 runs ns_per_run insns_per_run)", DefaultValueFactory = _ => "text" };
        var budget = new Option<long>("--budget") { Description = "instruction budget per run", DefaultValueFactory = _ => 1_000_000 };
        var syntax = new Option<string?>("--syntax") { Description = "syntax of assembly text (detected when omitted)" };
        var trace = new Option<bool>("--trace") { Description = "also print the first run's instructions as a table: step, frame, slot, instruction, effect (registers and memory written, branch taken); with --format tsv a second TSV table with that header follows the result after an empty line. The traced run is interpreted whatever --engine says; the timed runs use --engine" };
        var traceLimit = new Option<int>("--trace-limit") { Description = "steps --trace records (later ones run but are not shown; a fault always is)", DefaultValueFactory = _ => VmTrace.DefaultMaxSteps };
        var engine = EngineOption.Create();
        var cmd = new Command("run", "Run a program in the interpreter or the JIT: r0, instructions executed, ns per run") { file, section, data, repeat, format, budget, syntax, trace, traceLimit, engine };
        cmd.SetAction(CliErrors.Action(pr =>
        {
            if (pr.GetValue(repeat) < 1) throw new CliException("--repeat must be at least 1");
            if (pr.GetValue(format) is not ("text" or "tsv")) throw new CliException($"--format is text or tsv, not '{pr.GetValue(format)}'");
            if (pr.GetValue(traceLimit) < 0) throw new CliException("--trace-limit must be 0 or more");
            var requested = EngineOption.Parse(pr.GetValue(engine));
            var program = ProgramFiles.Load(pr.GetValue(file)!, pr.GetValue(section), ProgramFiles.ParseSyntax(pr.GetValue(syntax)));
            // Instructions decode the same in both byte orders, but memory does not: the VM is a little-endian machine,
            // so a bpfeb program would read its packet and stack with the wrong byte order.
            if (program.ByteOrder == BtfNotebooks.Asm.ByteOrder.BigEndian)
                throw new CliException($"{program.Description} is a big-endian program; the interpreter models a little-endian machine (disasm works for both)");
            byte[] packet = pr.GetValue(data) is { } d ? File.ReadAllBytes(d) : new byte[64];
            // A raw program gets r1 = packet and r2 = length, so both count as written for the uninitialized-read check.
            bool raw = program.Section is null;
            var vm = new BpfVm(program.Instructions, new VmOptions { InstructionBudget = pr.GetValue(budget), EntryRegisters = raw ? [1, 2] : [1], Engine = requested });
            ulong r1, r2 = raw ? (ulong)packet.Length : 0;
            r1 = ProgramContext.Setup(vm, raw ? ProgramContextKind.Raw : ProgramSection.PacketContextOf(program.Section!), packet);

            // With --trace the first run is the traced one, so the table explains exactly the r0 printed: later runs may
            // see a packet the program changed. A traced run has the same result as an untraced one.
            VmTrace? traced = pr.GetValue(trace) ? vm.RunTraced(r1, r2, maxSteps: pr.GetValue(traceLimit)) : null;
            if (traced?.Fault is { } fault)
            {
                // The steps up to the fault are the point of --trace: print them, then fail as an untraced run would.
                if (pr.GetValue(format) == "tsv") Console.Out.Write(traced.ToTsv());
                else Console.Out.Write($"{program.Description}\n{traced.ToTable()}");
                throw fault;
            }
            // Compiling (the JIT's IL and machine code, or the interpreter's decoding) happens here, before any timing.
            var used = vm.Compile();
            var first = traced?.Result ?? vm.Run(r1, r2);
            // The timed runs are untraced: run the engine once first, as without --trace, so its warm-up is not timed.
            if (traced is not null) vm.Run(r1, r2);
            int runs = pr.GetValue(repeat);
            double nsPerRun = vm.TimeRuns(runs, r1, r2).TotalNanoseconds / runs;

            if (pr.GetValue(format) == "tsv")
            {
                Console.Out.WriteLine("engine\tr0\truns\tns_per_run\tinsns_per_run");
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{VmEngineNames.Name(used)}\t{first.R0}\t{runs}\t{nsPerRun:F1}\t{first.InstructionsExecuted}"));
                if (traced is not null) Console.Out.Write($"\n{traced.ToTsv()}");
            }
            else
            {
                Console.Out.WriteLine($"{program.Description}");
                Console.Out.WriteLine($"r0 = {first.R0} (0x{first.R0:x})");
                Console.Out.WriteLine($"instructions executed: {first.InstructionsExecuted}");
                Console.Out.WriteLine(vm.JitFallbackReason is { } why ? $"engine: interpreter (the JIT could not compile it: {why})" : $"engine: {VmEngineNames.Name(used)}");
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{runs} run(s): {nsPerRun:F1} ns per run, {nsPerRun / Math.Max(1, first.InstructionsExecuted):F2} ns per instruction"));
                if (traced is not null) Console.Out.Write($"\n{traced.ToTable()}");
            }
            return 0;
        }));
        return cmd;
    }
}
