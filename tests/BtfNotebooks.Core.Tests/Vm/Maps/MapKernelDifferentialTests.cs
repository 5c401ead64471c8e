using System.Globalization;
using System.Text.Json;
using BtfNotebooks.Elf.Maps;
using BtfNotebooks.Vm;
using BtfNotebooks.Vm.Maps;
using NUnit.Framework;
using static BtfNotebooks.Tests.Vm.Maps.MapTestSupport;

namespace BtfNotebooks.Tests.Vm.Maps;

/// <summary>
/// The scripts of <see cref="MapOperationTests"/> replayed against maps the running kernel creates, through bpftool
/// (whose exit code is the negated errno of the failed syscall): every answer must agree with the VM's maps. Steps
/// bpftool cannot express (BPF_F_LOCK and invalid flag combinations) are left out. Ignored where the kernel cannot be
/// used (not root, no bpftool, bpf() refused).
/// </summary>
public class MapKernelDifferentialTests
{
    public static IEnumerable<TestCaseData> Scripts()
    {
        foreach (var c in MapOperationTests.Scripts())
            if (((BpfMapDefinition)c.Arguments[0]!).Type is BpfMapType.Array or BpfMapType.Hash)
                yield return new TestCaseData(c.Arguments[0], ((string[])c.Arguments[1]!).Where(Expressible).ToArray()).SetName("kernel agrees: " + c.TestName);
        // An LRU map's flags and errors while it has room: the kernel evicts in per-CPU batches whose size depends on
        // which CPU runs each syscall, so eviction itself is not compared.
        yield return new TestCaseData(Hash(64, type: BpfMapType.LruHash), new[]
        {
            "update 1 10 exist = -ENOENT", "update 1 10 noexist = 0", "update 1 11 noexist = -EEXIST", "update 1 12 exist = 0",
            "lookup 1 = 12", "update 2 20 any = 0", "count = 2", "delete 2 = 0", "delete 2 = -ENOENT", "lookup 2 = none", "count = 1",
        }).SetName("kernel agrees: lru_hash with room");
    }

    private static bool Expressible(string line)
    {
        var words = line[..line.IndexOf('=')].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length < 4 || words[3] is "any" or "exist" or "noexist";
    }

    [TestCaseSource(nameof(Scripts))]
    public void The_kernels_maps_answer_the_same(BpfMapDefinition definition, string[] script)
    {
        if (KernelDifferentialKernel.Unavailable is { } why) Assert.Ignore(why);
        string bpftool = ExternalTool.Require("bpftool");
        string pin = $"/sys/fs/bpf/btfnb_map_{definition.Type.ToLibbpfName()}_{Environment.ProcessId}";
        File.Delete(pin);
        var (exit, _, stderr) = ExternalTool.Run(bpftool, "map", "create", pin, "type", definition.Type.ToLibbpfName(), "key", $"{definition.KeySize}",
            "value", $"{definition.ValueSize}", "entries", $"{definition.MaxEntries}", "name", "btfnb_diff");
        if (exit != 0) Assert.Fail($"bpftool map create failed ({exit}): {stderr}");
        try
        {
            var map = BpfMap.Create(new AddressSpace(), definition);
            foreach (var line in script)
            {
                string kernel = KernelStep(bpftool, pin, line), vm = VmStep(map, line);
                Assert.That(vm, Is.EqualTo(kernel), $"{line}: the kernel answers {kernel}, the VM {vm}");
            }
        }
        finally
        {
            File.Delete(pin);
        }
    }

    private static string VmStep(BpfMap map, string line)
    {
        var words = Words(line);
        if (words[0] == "count") return map.Count.ToString(CultureInfo.InvariantCulture);
        uint key = uint.Parse(words[1], CultureInfo.InvariantCulture);
        return words[0] switch
        {
            "lookup" => map.Lookup<uint, ulong>(key) is ulong v ? v.ToString(CultureInfo.InvariantCulture) : "none",
            "update" => BpfErrno.Describe(map.Update(key, ulong.Parse(words[2], CultureInfo.InvariantCulture), Flags(words))),
            _ => BpfErrno.Describe(map.Delete(key)),
        };
    }

    private static string KernelStep(string bpftool, string pin, string line)
    {
        var words = Words(line);
        if (words[0] == "count")
        {
            var (_, dump, _) = ExternalTool.Run(bpftool, "-j", "map", "dump", "pinned", pin);
            return JsonDocument.Parse(dump).RootElement.GetArrayLength().ToString(CultureInfo.InvariantCulture);
        }
        string[] key = ["key", .. Bytes(BitConverter.GetBytes(uint.Parse(words[1], CultureInfo.InvariantCulture)))];
        switch (words[0])
        {
            case "lookup":
            {
                var (exit, stdout, _) = ExternalTool.Run(bpftool, ["-j", "map", "lookup", "pinned", pin, .. key]);
                if (exit != 0) return exit == 256 - BpfErrno.ENOENT ? "none" : Errno(exit);
                var value = JsonDocument.Parse(stdout).RootElement.GetProperty("value").EnumerateArray()
                    .Select(b => Convert.ToByte(b.GetString()!, 16)).ToArray();
                return BitConverter.ToUInt64(value).ToString(CultureInfo.InvariantCulture);
            }
            case "update":
            {
                string flag = words.Length > 3 ? words[3] : "any";
                var value = Bytes(BitConverter.GetBytes(ulong.Parse(words[2], CultureInfo.InvariantCulture)));
                var (exit, _, _) = ExternalTool.Run(bpftool, ["map", "update", "pinned", pin, .. key, "value", .. value, flag]);
                return Errno(exit);
            }
            default:
            {
                var (exit, _, _) = ExternalTool.Run(bpftool, ["map", "delete", "pinned", pin, .. key]);
                return Errno(exit);
            }
        }
    }

    // bpftool exits with the failed syscall's return value, a negated errno, as an 8-bit status.
    private static string Errno(int exit) => BpfErrno.Describe(exit == 0 ? 0 : exit - 256);

    private static string[] Words(string line) => line[..line.IndexOf('=')].Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static BpfMapUpdateFlags Flags(string[] words) => words.Length < 4 ? BpfMapUpdateFlags.Any : words[3] switch
    {
        "noexist" => BpfMapUpdateFlags.NoExist,
        "exist" => BpfMapUpdateFlags.Exist,
        _ => BpfMapUpdateFlags.Any,
    };

    private static string[] Bytes(byte[] bytes) => [.. bytes.Select(b => b.ToString(CultureInfo.InvariantCulture))];
}
