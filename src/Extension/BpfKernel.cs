using BtfNotebooks.Asm.Text;
using BtfNotebooks.CoRe;
using BtfNotebooks.CoRe.Assembly;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Directives;

namespace BtfNotebooks.Extension;

/// <summary>
/// The <c>#!bpf</c> cell kernel: a cell of BPF assembly (LLVM or conformance syntax) that may use CO-RE operands
/// such as <c>%core(task_struct.pid)</c>, assembled against a reference kernel (<c>--against</c>). The listing shows
/// each CO-RE record beside its instruction; the program is kept by name and set as a C# variable.
/// </summary>
public sealed class BpfKernel : Kernel, IKernelCommandHandler<SubmitCode>
{
    public const string DefaultName = "bpf";
    private readonly NotebookSession _session;
    private KernelSpecifierDirective? _directive;

    public BpfKernel(NotebookSession session) : base(DefaultName)
    {
        _session = session;
        KernelInfo.LanguageName = "BPF";
        KernelInfo.DisplayName = "BPF assembly (BtfNotebooks)";
        KernelInfo.Description = "BPF assembly with CO-RE operands, assembled against a loaded kernel's BTF";
    }

    public override KernelSpecifierDirective KernelSpecifierDirective
    {
        get
        {
            if (_directive is not null) return _directive;
            var directive = base.KernelSpecifierDirective;
            directive.Parameters.Add(new KernelDirectiveParameter("--name", "Name to keep the program under (also the C# variable); default prog"));
            directive.Parameters.Add(DirectiveSupport.KernelParameter(_session, "--against", "Reference kernel for CO-RE operands (default: the only loaded kernel)"));
            directive.Parameters.Add(new KernelDirectiveParameter("--syntax", "llvm or conformance (detected when omitted)").AddCompletions(() => ["llvm", "conformance"]));
            directive.Parameters.Add(new KernelDirectiveParameter("--section", "Section name, which sets the context a run gets (xdp, socket, tc, ...); default xdp")
                .AddCompletions(() => ["xdp", "socket", "tc", "kprobe", "tracepoint", "raw"]));
            return _directive = directive;
        }
    }

    async Task IKernelCommandHandler<SubmitCode>.HandleAsync(SubmitCode command, KernelInvocationContext context)
    {
        await DirectiveSupport.Run(context, command, null, false, async () =>
        {
            var program = Assemble(command.Code, command.Parameters);
            _session.Keep(program);
            DirectiveSupport.Show(context, Renderers.Program(program));
            await ShareWithCSharp(program);
        }, command.Code);
    }

    /// <summary>Assembles a cell; public so tests and C# cells can do what a <c>#!bpf</c> cell does.</summary>
    public NotebookProgram Assemble(string code, IDictionary<string, string> parameters)
    {
        string name = Parameter(parameters, "--name") ?? "prog";
        if (!DirectiveSupport.IsIdentifier(name))
            throw new NotebookException($"--name '{name}' must be a C# identifier (letters, digits, _), since the program becomes a C# variable");
        string section = Parameter(parameters, "--section") ?? "xdp";
        var syntax = DirectiveSupport.Syntax(Parameter(parameters, "--syntax")) ?? Assembler.DetectSyntax(code);
        string source = $"#!bpf --name {name}";

        var assembled = Assembler.Assemble(code, syntax, source);
        string? againstName = Parameter(parameters, "--against");
        if (assembled.CoreOperands.Count == 0)
        {
            // Nothing to resolve; a named reference kernel still becomes the program's default kernel for runs.
            string? reference = againstName is null ? null : _session.Kernels.Get(againstName).Name;
            return new NotebookProgram(name, CoreObject.FromInstructions(name, section, assembled.Instructions), reference, assembled, null);
        }
        if (syntax != AsmSyntax.Llvm)
            throw new NotebookException("CO-RE operands (%core...) are written in LLVM syntax; this cell is in conformance syntax");
        var against = againstName is null ? _session.OnlyKernel("--against") : _session.Kernels.Get(againstName);
        var core = CoreAssembler.Assemble(code, against.Spec, section, name, source);
        return new NotebookProgram(name, CoreObject.FromAssembly(core, name), against.Name, core.Program, null);
    }

    private async Task ShareWithCSharp(NotebookProgram program)
    {
        if (ParentKernel?.FindKernelByName("csharp") is Microsoft.DotNet.Interactive.CSharp.CSharpKernel csharp)
            await csharp.SetValueAsync(program.Name, program, typeof(NotebookProgram));
    }

    private static string? Parameter(IDictionary<string, string> parameters, string name) =>
        parameters.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim().Trim('"') : null;
}
