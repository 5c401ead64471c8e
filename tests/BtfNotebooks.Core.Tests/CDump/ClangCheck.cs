using System.Text;
using NUnit.Framework;

namespace BtfNotebooks.Tests.CDump;

/// <summary>Compiles generated headers with clang-19 (Assert.Ignore when it is not installed; CI installs it).</summary>
internal static class ClangCheck
{
    /// <summary>
    /// Writes the headers to a temporary directory, then compiles a C file that includes them in order, followed
    /// by <paramref name="body"/> and an empty function; fails the test with clang's first errors if it does not
    /// compile cleanly (-Wall -Werror). <paramref name="target"/>: bpf, bpfeb or i386 (which does not know
    /// preserve_access_index, so the header is told to leave it out).
    /// </summary>
    public static void AssertCompiles(string target, IReadOnlyList<string> headers, string body = "")
    {
        string clang = ExternalTool.Require("clang-19");
        var dir = Directory.CreateTempSubdirectory("btfnb-cdump-");
        try
        {
            var main = new StringBuilder();
            for (int i = 0; i < headers.Count; i++)
            {
                string name = $"h{i}.h";
                File.WriteAllText(Path.Combine(dir.FullName, name), headers[i]);
                main.Append($"#include \"{name}\"\n");
            }
            main.Append(body).Append("\nint btfnb_empty(void) { return 0; }\n");
            string c = Path.Combine(dir.FullName, "main.c");
            File.WriteAllText(c, main.ToString());

            var args = new List<string> { "-target", target, "-c", "-x", "c", "-Wall", "-Werror", "-ferror-limit=20", c, "-o", Path.Combine(dir.FullName, "main.o") };
            if (target == "i386") args.Insert(0, "-DBPF_NO_PRESERVE_ACCESS_INDEX");
            var (exit, _, stderr) = ExternalTool.Run(clang, [.. args]);
            if (exit != 0)
                Assert.Fail($"clang-19 -target {target} failed ({exit}):\n{string.Join('\n', stderr.Split('\n').Where(l => l.Contains("error")).Take(20))}");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
