using System.Reflection;
using System.Runtime.Loader;

namespace BtfNotebooks.Extension;

/// <summary>
/// Plotly.NET 6 is built against a newer FSharp.Core than the dotnet-interactive host ships and has already loaded.
/// Two FSharp.Core copies cannot live in the default load context, and the runtime will not bind a request for the
/// newer version to the older loaded one by itself, so charts would fail with FileLoadException in a real notebook
/// (in-process tests load the newer copy first and never see this). This hands any FSharp.Core request the copy that
/// is already loaded; Plotly.NET only uses long-stable parts of FSharp.Core.
/// </summary>
internal static class FSharpCoreRedirect
{
    private static int _installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1) return;
        AssemblyLoadContext.Default.Resolving += (context, name) => Resolve(name);
        AppDomain.CurrentDomain.AssemblyResolve += (_, args) => Resolve(new AssemblyName(args.Name));
    }

    private static Assembly? Resolve(AssemblyName name) =>
        name.Name == "FSharp.Core" ? Loaded() : null;

    /// <summary>The FSharp.Core already in the process (the highest version if, unusually, there are several).</summary>
    internal static Assembly? Loaded() =>
        AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.GetName().Name == "FSharp.Core")
            .OrderByDescending(a => a.GetName().Version)
            .FirstOrDefault();
}
