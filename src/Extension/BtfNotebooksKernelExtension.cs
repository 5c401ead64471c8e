using BtfNotebooks.Extension.Directives;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;

namespace BtfNotebooks.Extension;

/// <summary>
/// Entry point, run by the package's <c>interactive-extensions/dotnet/extension.dib</c> after
/// <c>#r "nuget: BtfNotebooks.Extension, VERSION"</c>: adds the <c>#!bpf</c> cell kernel, the <c>#!btf-*</c> and
/// <c>#!bpf-*</c> magic commands and HTML formatters for the Core types. Loading twice changes nothing.
/// </summary>
public sealed class BtfNotebooksKernelExtension : IKernelExtension
{
    public Task OnLoadAsync(Kernel kernel)
    {
        Load(kernel);
        return Task.CompletedTask;
    }

    /// <summary>Registers everything on <paramref name="kernel"/>'s root kernel; returns its session.</summary>
    public static NotebookSession Load(Kernel kernel)
    {
        FSharpCoreRedirect.Install();
        var root = kernel.RootKernel;
        var session = NotebookSession.Of(root);
        if (root.KernelInfo.SupportedDirectives.Any(d => d.Name == "#!btf-load"))
        {
            if (KernelInvocationContext.Current is { } again) KernelInvocationContextExtensions.Display(again, "BtfNotebooks is already loaded.", "text/plain");
            return session;
        }

        if (root is CompositeKernel composite && composite.FindKernelByName(BpfKernel.DefaultName) is null)
            composite.Add(new BpfKernel(session));
        BtfDirectives.Register(root, session);
        BpfDirectives.Register(root, session);
        Formatters.Register();

        if (KernelInvocationContext.Current is { } context)
            KernelInvocationContextExtensions.Display(context,
            "BtfNotebooks loaded: #!btf-load, #!btf-kernels, #!btf-layout, #!btf-diff, #!btf-c, #!btf-drift, #!bpf cells, " +
            "#!bpf-load-elf, #!bpf-relocate, #!bpf-run (each with --help).", "text/plain");
        return session;
    }
}
