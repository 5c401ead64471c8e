using BenchmarkDotNet.Attributes;
using BtfNotebooks.Btf;

namespace BtfNotebooks.Bench;

/// <summary>
/// Parse + index of the 5.5 MB local-6.18 vmlinux BTF (every type validated, name index built), the
/// counterpart of libbpf's btf__new on the same bytes (LibbpfHarness prints that in the same run).
/// </summary>
[MemoryDiagnoser, MinColumn, MedianColumn]
public class BtfParseBenchmarks
{
    private byte[] _raw = [];
    private string _path = "";

    [GlobalSetup]
    public void Setup()
    {
        _path = BenchData.LocalRawPath();
        _raw = File.ReadAllBytes(_path);
    }

    [Benchmark(Description = "BtfSpec.Parse (bytes in memory; vs btf__new)")]
    public BtfSpec ParseAndIndex() => BtfSpec.Parse(_raw, null, "local-6.18");

    [Benchmark(Description = "read file + BtfSpec.Parse (vs btf__parse)")]
    public BtfSpec ReadAndParse() => BtfSpec.Parse(File.ReadAllBytes(_path), null, "local-6.18");

    [Benchmark(Description = "parse + first name lookup (task_struct)")]
    public uint ParseAndLookup() => BtfSpec.Parse(_raw, null, "local-6.18").FindType("struct task_struct").Id;
}
