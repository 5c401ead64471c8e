namespace BtfNotebooks.Tests.Layout;

/// <summary>Runs pahole (CI installs 1.24) over a shipped kernel; tests are ignored where it is missing.</summary>
public static class PaholeTool
{
    /// <summary>pahole's path, or the test is ignored when it is not installed.</summary>
    public static string Require() => ExternalTool.Require("pahole");

    public static string Version(string pahole) => Run(pahole, "--version").Trim();

    /// <summary>
    /// <c>pahole -F btf --show_private_classes FILE</c> over a shipped kernel: every named struct and union. A
    /// module blob is read with its vmlinux as --btf_base, and pahole then prints the base's types first.
    /// </summary>
    public static string PrintAll(string pahole, string kernel)
    {
        using var blob = ExternalTool.Temp(TestKernels.RawBlob(kernel));
        using var baseBlob = TestKernels.BaseOf(kernel) is { } baseName ? ExternalTool.Temp(TestKernels.RawBlob(baseName)) : null;
        var args = new List<string> { "-F", "btf", "--show_private_classes" };
        if (baseBlob is not null) args.AddRange(["--btf_base", baseBlob.Path]);
        args.Add(blob.Path);
        return Run(pahole, [.. args]);
    }

    /// <summary>pahole's stdout; a non-zero exit throws with its stderr.</summary>
    private static string Run(string pahole, params string[] args)
    {
        // pahole 1.24 complains on stderr about kinds it does not know (DECL_TAG, TYPE_TAG); that is expected noise.
        var (exit, stdout, stderr) = ExternalTool.Run(pahole, args);
        if (exit != 0)
            throw new InvalidOperationException($"{pahole} {string.Join(' ', args)} exited with {exit}: {stderr}");
        return System.Text.Encoding.UTF8.GetString(stdout);
    }
}
