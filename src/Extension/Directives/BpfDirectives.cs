using BtfNotebooks.CoRe;
using BtfNotebooks.CoRe.Matrix;
using BtfNotebooks.Elf;
using BtfNotebooks.Kernels;
using BtfNotebooks.Vm;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Directives;
using static BtfNotebooks.Extension.DirectiveSupport;

namespace BtfNotebooks.Extension.Directives;

public sealed class BpfLoadElf : KernelDirectiveCommand
{
    public string? Path { get; set; }
    public string? Name { get; set; }
    public bool Help { get; set; }
}

public sealed class BpfRelocate : KernelDirectiveCommand
{
    public string? Program { get; set; }
    public string? Kernels { get; set; }
    public bool Help { get; set; }
}

public sealed class BpfRun : KernelDirectiveCommand
{
    public string? Program { get; set; }
    public string? Kernel { get; set; }
    public string? Entry { get; set; }
    public string? Data { get; set; }
    public string? Ctx { get; set; }
    public bool Trace { get; set; }
    public string? Budget { get; set; }
    public string? Engine { get; set; }
    public bool Help { get; set; }
}

/// <summary>The program magic commands: load clang/rustc objects, relocate against kernels, run in the interpreter.</summary>
internal static class BpfDirectives
{
    public static void Register(Kernel root, NotebookSession session)
    {
        var loadElf = new KernelActionDirective("#!bpf-load-elf", "Load a BPF object built by clang or rustc (programs, maps, .BTF, CO-RE records)")
        {
            Parameters =
            [
                new KernelDirectiveParameter("--path", "The .o file") { AllowImplicitName = true, TypeHint = "file" },
                new KernelDirectiveParameter("--name", "Name to keep it under (also the C# variable); default: the file name"),
                Help(),
            ],
        };
        root.AddDirective<BpfLoadElf>(loadElf, (c, context) => Run(context, c, loadElf, c.Help, async () =>
        {
            string path = BtfDirectives.Unquote(c.Path ?? throw new NotebookException("missing the object file: #!bpf-load-elf PATH"));
            string name = c.Name ?? Identifier(System.IO.Path.GetFileNameWithoutExtension(path));
            if (!IsIdentifier(name)) throw new NotebookException($"--name '{name}' must be a C# identifier (letters, digits, _; not a keyword)");
            var obj = BpfObjectFile.Load(path);
            _ = obj.BtfExt; // read .BTF and .BTF.ext now, so a malformed object fails here
            var program = new NotebookProgram(name, CoreObject.FromObject(obj, name), null, null, path);
            session.Keep(program);
            Show(context, Renderers.Program(program));
            if (root.FindKernelByName("csharp") is Microsoft.DotNet.Interactive.CSharp.CSharpKernel csharp) await csharp.SetValueAsync(name, program, typeof(NotebookProgram));
        }));

        var relocate = new KernelActionDirective("#!bpf-relocate", "Relocate a program's CO-RE records against kernels exactly as libbpf does: one row per record, one column per kernel")
        {
            Parameters =
            [
                ProgramParameter(session, "--program", "A program from a #!bpf cell or #!bpf-load-elf", implicitName: true),
                KernelParameter(session, "--kernels", "Kernels, comma separated (default: all loaded vmlinux)"),
                Help(),
            ],
        };
        root.AddDirective<BpfRelocate>(relocate, (c, context) => Run(context, c, relocate, c.Help, () =>
        {
            var program = session.Program(ProgramName(c.Program, "#!bpf-relocate PROGRAM [--kernels A,B]"));
            if (program.Code.Records.Count == 0)
                throw new NotebookException($"{program.Name} has no CO-RE records: its instructions are the same on every kernel");
            var kernels = session.KernelsOrAll(List(c.Kernels), "--kernels").Order(KernelCatalog.VersionOrder).ToList();
            var matrix = program.Code.Matrix([.. kernels.Select(k => new CoreMatrixTarget(k.Name, k.Spec))]);
            Show(context, Renderers.Matrix(matrix));
        }));

        var run = new KernelActionDirective("#!bpf-run", "Run a program relocated for one kernel in the interpreter or the JIT: r0, or the fault with instruction and address; --trace shows every step")
        {
            Parameters =
            [
                ProgramParameter(session, "--program", "A program from a #!bpf cell or #!bpf-load-elf", implicitName: true),
                KernelParameter(session, "--kernel", "Kernel to relocate for (default: the one the cell was assembled against, or the only loaded one)"),
                new KernelDirectiveParameter("--entry", "Program within an object (function or section name) when it has several"),
                new KernelDirectiveParameter("--data", "File with the packet bytes (default: 64 zero bytes)") { TypeHint = "file" },
                new KernelDirectiveParameter("--ctx", "Context: xdp, socket, tc, raw (r1 = packet, r2 = length), or a kernel object built from the kernel's BTF, e.g. \"task_struct pid=42 comm=bash\" (r1 points at it)"),
                new KernelDirectiveParameter("--trace", "Show a table of the executed instructions and the registers they changed") { Flag = true },
                new KernelDirectiveParameter("--budget", "Instruction budget (default 1000000)"),
                new KernelDirectiveParameter("--engine", "interp (default, and the only engine that traces) or jit (compiled to machine code: same results, faster loops)")
                    .AddCompletions(() => ["interp", "jit"]),
                Help(),
            ],
        };
        root.AddDirective<BpfRun>(run, (c, context) => Run(context, c, run, c.Help, () =>
        {
            var program = session.Program(ProgramName(c.Program, "#!bpf-run PROGRAM [--kernel K]"));
            var outcome = ProgramRunner.Run(session, program, new ProgramRunner.Options(
                Kernel: c.Kernel, Entry: c.Entry, DataFile: c.Data is null ? null : BtfDirectives.Unquote(c.Data),
                Context: c.Ctx is null ? null : BtfDirectives.Unquote(c.Ctx), Trace: c.Trace,
                Budget: c.Budget is null ? null : long.TryParse(c.Budget, out long b) && b > 0 ? b : throw new NotebookException($"--budget must be a positive number, not '{c.Budget}'"),
                Engine: c.Engine is null ? VmEngine.Interpreter
                    : VmEngineNames.Parse(BtfDirectives.Unquote(c.Engine)) ?? throw new NotebookException($"--engine is interp or jit, not '{BtfDirectives.Unquote(c.Engine)}'")));
            Show(context, Renderers.Run(outcome));
            if (outcome.Fault is { } fault) context.Fail(c, null, Message(fault));
        }));
    }

    private static string ProgramName(string? value, string usage) =>
        string.IsNullOrWhiteSpace(value) ? throw new NotebookException($"missing the program: {usage}") : BtfDirectives.Unquote(value);

    private static string Identifier(string text)
    {
        var chars = text.Select(ch => char.IsLetterOrDigit(ch) ? ch : '_').ToArray();
        string s = new(chars);
        // "1st.o" and "int.o" become _1st and _int: a digit cannot start a C# name, and a keyword is none.
        return s.Length > 0 && (char.IsDigit(s[0]) || !IsIdentifier(s)) ? "_" + s : s;
    }
}
