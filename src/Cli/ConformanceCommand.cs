using System.CommandLine;
using BtfNotebooks.Conformance;
using BtfNotebooks.Vm;

namespace BtfNotebooks.Cli;

/// <summary>`btfnb conformance PATH...`: runs bpf_conformance .data files through the assembler and the VM.</summary>
internal static class ConformanceCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("PATH") { Description = ".data files, or directories of them", Arity = ArgumentArity.OneOrMore };
        var negative = new Option<bool>("--negative") { Description = "every file must be rejected (the suite's negative/ tests), with its -- error text when it gives one" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "print passing files too, with r0 or the expected error" };
        var budget = new Option<long>("--budget") { Description = "instruction budget per test", DefaultValueFactory = _ => 1_000_000 };
        var engine = EngineOption.Create();
        var cmd = new Command("conformance", "Run bpf_conformance tests (sections -- asm/raw/mem/result/error); ends with 'N passed, N failed'") { paths, negative, verbose, budget, engine };
        cmd.SetAction(CliErrors.Action(pr =>
        {
            int passed = 0, failed = 0;
            var requested = EngineOption.Parse(pr.GetValue(engine));
            var ranBy = new Dictionary<string, int>();
            foreach (var outcome in ConformanceRunner.RunAll(pr.GetValue(paths)!, pr.GetValue(negative), pr.GetValue(budget), requested))
            {
                string name = Path.GetFileName(outcome.Path);
                if (outcome.Engine is { } used)
                {
                    string key = VmEngineNames.Name(used);
                    ranBy[key] = ranBy.GetValueOrDefault(key) + 1;
                }
                if (outcome.JitFallbackReason is { } why) Console.Out.WriteLine($"INTERPRETED {name}: the JIT could not compile it: {why}");
                if (outcome.Passed)
                {
                    passed++;
                    if (pr.GetValue(verbose))
                        Console.Out.WriteLine(outcome.Reason is null ? $"PASS {name}: r0 = 0x{outcome.R0:x} ({outcome.Instructions} instructions)" : $"PASS {name}: rejected: {outcome.Reason}");
                }
                else
                {
                    failed++;
                    Console.Out.WriteLine($"FAIL {name}: {outcome.Reason}");
                }
            }
            // Which engine ran the programs (files rejected before running have none), then the closing line.
            Console.Out.WriteLine($"engine: {(ranBy.Count == 0 ? "none ran" : string.Join(", ", ranBy.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}")))}");
            Console.Out.WriteLine($"{passed} passed, {failed} failed");
            return failed == 0 ? 0 : 1;
        }));
        return cmd;
    }
}
