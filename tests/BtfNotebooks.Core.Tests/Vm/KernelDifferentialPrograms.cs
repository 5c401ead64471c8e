using BtfNotebooks.Elf;
using BtfNotebooks.Tests.Elf;

namespace BtfNotebooks.Tests.Vm;

/// <summary>
/// The C programs of Data/bpf/differential, compiled once per test run with clang-19 -O2 -target bpf -mcpu=v4
/// (deleted at the end of the run). Each file holds one entry program; its section names the program type.
/// </summary>
public static class KernelDifferentialPrograms
{
    public static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Data", "bpf", "differential");

    /// <summary>Program source files by name without ".c": the test cases.</summary>
    public static IEnumerable<string> Names =>
        System.IO.Directory.EnumerateFiles(Directory, "*.c").Select(f => Path.GetFileNameWithoutExtension(f)!).Order();

    /// <summary>One compiled program: the object on disk, its parsed form and its entry program.</summary>
    public sealed record Compiled(string Name, string ObjectPath, BpfObjectFile Object, BpfObjectProgram Entry)
    {
        /// <summary>The bpftool program type for the entry program's section ("xdp", "socket").</summary>
        public string BpftoolType => Entry.SectionName;
    }

    private static readonly Dictionary<string, Compiled> Cache = [];

    public static Compiled Get(string name)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(name, out var compiled)) return compiled;
            var source = File.ReadAllText(Path.Combine(Directory, name + ".c"));
            // ClangBpf compiles from a temporary file, so the shared header is found through -I.
            var o = ClangBpf.Compile(source, "bpf", "-O2", "-g", "-mcpu=v4", "-I", Directory);
            var obj = BpfObjectFile.Load(o.Path);
            var entry = obj.Programs.Single(p => !p.IsSubprogram);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => o.Dispose();
            return Cache[name] = new Compiled(name, o.Path, obj, entry);
        }
    }
}
