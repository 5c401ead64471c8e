using System.Text;
using NUnit.Framework;

namespace BtfNotebooks.Tests.CDump;

/// <summary>Compiles generated headers with clang-19 (Assert.Ignore when it is not installed; CI installs it).</summary>
internal static class ClangCheck
{
    /// <summary>
    /// Writes the headers to temporary files, then compiles a C file that includes them in order, followed by
    /// <paramref name="body"/> and an empty function; fails the test with clang's first errors if it does not
    /// compile cleanly (-Wall -Werror). <paramref name="target"/>: bpf, bpfeb or i386 (which does not know
    /// preserve_access_index, so the header is told to leave it out).
    /// </summary>
    public static void AssertCompiles(string target, IReadOnlyList<string> headers, string body = "")
    {
        string clang = ExternalTool.Require("clang-19");
        var files = new List<ExternalTool.TempFile>();
        try
        {
            var main = new StringBuilder();
            foreach (string header in headers)
            {
                var file = ExternalTool.Temp(Encoding.UTF8.GetBytes(header), ".h");
                files.Add(file);
                main.Append($"#include \"{file.Path}\"\n");
            }
            main.Append(body).Append("\nint btfnb_empty(void) { return 0; }\n");
            using var c = ExternalTool.Temp(Encoding.UTF8.GetBytes(main.ToString()), ".c");
            using var o = ExternalTool.Temp([], ".o");

            var args = new List<string> { "-target", target, "-c", "-x", "c", "-Wall", "-Werror", "-ferror-limit=20", c.Path, "-o", o.Path };
            if (target == "i386") args.Insert(0, "-DBPF_NO_PRESERVE_ACCESS_INDEX");
            var (exit, _, stderr) = ExternalTool.Run(clang, [.. args]);
            if (exit != 0)
                Assert.Fail($"clang-19 -target {target} failed ({exit}):\n{string.Join('\n', stderr.Split('\n').Where(l => l.Contains("error")).Take(20))}");
        }
        finally
        {
            foreach (var file in files) file.Dispose();
        }
    }
}
