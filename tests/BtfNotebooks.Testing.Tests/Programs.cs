using NUnit.Framework;

namespace BtfNotebooks.Testing.Tests;

/// <summary>The objects the build compiled from Programs/*.bpf.c (see the project file).</summary>
public static class Programs
{
    public static string Path(string name)
    {
        string path = System.IO.Path.Combine(TestContext.CurrentContext.TestDirectory, "programs", name);
        if (!File.Exists(path)) Assert.Ignore($"{name} was not built: the build compiles Programs/*.bpf.c with /usr/bin/clang-19, which is not installed");
        return path;
    }
}
