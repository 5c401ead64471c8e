using BtfNotebooks.Bench.VmSpeed;
using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Containers;
using BtfNotebooks.CoRe;
using BtfNotebooks.CoRe.Matrix;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.BtfExt;

namespace BtfNotebooks.Bench.CoreMatrix;

/// <summary>
/// What the relocation-matrix benchmarks work on: bench/programs/core_matrix.c compiled with clang-19 (-g, for
/// .BTF and .BTF.ext), and the kernels of ../shared/kernels (34 files: 26 vmlinux, 8 split modules paired with
/// their base) or, in a checkout without them, the 8 shipped in data/kernels, as the label says. Each stage the
/// benchmarks time starts from one of the forms kept here: the .btf.xz bytes, the raw bytes, or the parsed specs.
/// </summary>
public sealed class CoreMatrixBenchData
{
    public const string Clang = "clang-19";

    private CoreMatrixBenchData(string label, IReadOnlyList<CoreMatrixTargetFile> files, BpfObjectFile obj)
    {
        Label = label;
        Files = files;
        Object = obj;
        Local = obj.Btf!;
        Records = obj.BtfExt!.CoreRelocations;
        Programs = obj.Programs.Select(CoreProgram.FromObject).ToList();
        Compressed = files.Select(f => File.ReadAllBytes(f.Path)).ToArray();
        Raw = Compressed.Select((bytes, i) => BtfContainer.Extract(bytes, files[i].Path).Span.ToArray()).ToArray();
        Targets = ParseRaw();
    }

    /// <summary>"34 kernels from ../shared/kernels", or the shipped set when that directory is missing.</summary>
    public string Label { get; }
    public IReadOnlyList<CoreMatrixTargetFile> Files { get; }
    public BpfObjectFile Object { get; }
    public BtfSpec Local { get; }
    public IReadOnlyList<CoreRelocationRecord> Records { get; }
    public IReadOnlyList<CoreProgram> Programs { get; }

    /// <summary>Each file's bytes as read from disk (.btf.xz).</summary>
    public byte[][] Compressed { get; }

    /// <summary>Each file's raw BTF, decompressed once here.</summary>
    public byte[][] Raw { get; }

    /// <summary>Each file parsed once here (modules on their base).</summary>
    public IReadOnlyList<CoreMatrixTarget> Targets { get; }

    public bool IsShared => Label.Contains("shared", StringComparison.Ordinal);

    /// <summary>../shared/kernels next to the repository, or null.</summary>
    public static string? SharedKernels()
    {
        var dir = Path.GetFullPath(Path.Combine(BenchData.RepoRoot(), "..", "shared", "kernels"));
        return Directory.Exists(dir) ? dir : null;
    }

    public static CoreMatrixBenchData Load()
    {
        var shared = SharedKernels();
        var dir = shared ?? Path.Combine(BenchData.RepoRoot(), "data", "kernels");
        var files = CoreMatrixTargetLoader.FilesIn(dir);
        var label = shared is null ? $"{files.Count} shipped kernels (data/kernels; ../shared/kernels is missing)" : $"{files.Count} kernels from ../shared/kernels";
        return new CoreMatrixBenchData(label, files, BpfObjectFile.Load(CompileProgram()));
    }

    /// <summary>Stage (b)'s work: parse every raw blob, vmlinuxes in parallel first, then the modules on them.</summary>
    public IReadOnlyList<CoreMatrixTarget> ParseRaw()
    {
        var specs = new BtfSpec?[Files.Count];
        var byPath = Files.Select((f, i) => (f, i)).ToDictionary(p => Path.GetFullPath(p.f.Path), p => p.i);
        var vmlinuxes = Enumerable.Range(0, Files.Count).Where(i => Files[i].BasePath is null).ToList();
        Parallel.ForEach(vmlinuxes, i => specs[i] = BtfSpec.Parse(Raw[i], null, Files[i].Name));
        Parallel.ForEach(Enumerable.Range(0, Files.Count).Except(vmlinuxes), i =>
            specs[i] = BtfSpec.Parse(Raw[i], specs[byPath[Path.GetFullPath(Files[i].BasePath!)]], Files[i].Name));
        return specs.Select((s, i) => new CoreMatrixTarget(Files[i].Name, s!)).ToList();
    }

    /// <summary>xz decompression alone, every file in parallel (what stage (c) adds to (b), besides reading files).</summary>
    public long Decompress()
    {
        long total = 0;
        Parallel.For(0, Compressed.Length, i => Interlocked.Add(ref total, BtfContainer.Extract(Compressed[i], Files[i].Path).Length));
        return total;
    }

    /// <summary>Compiles bench/programs/core_matrix.c with BTF (the interpreter programs are built without -g).</summary>
    private static string CompileProgram()
    {
        var dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"btfnb-bench-programs-{Environment.UserName}")).FullName;
        var output = Path.Combine(dir, "core_matrix.o");
        // a per-process name first: BenchmarkDotNet's child processes may compile at once (see BenchProgramCompiler)
        var partial = $"{output}.{Environment.ProcessId}";
        var source = Path.Combine(BenchProgramCompiler.SourceDirectory, "core_matrix.c");
        var (exit, stdout, stderr) = ExternalCommand.Run(Clang, "-O2", "-g", "-target", "bpf", "-mcpu=v3",
            "-I/usr/include/x86_64-linux-gnu", "-c", source, "-o", partial);
        if (exit != 0) throw new InvalidOperationException($"{Clang} could not build bench/programs/core_matrix.c ({exit}):\n{stdout}{stderr}");
        File.Move(partial, output, overwrite: true);
        return output;
    }
}
