using System.Text.Json;
using System.Text.RegularExpressions;
using BtfNotebooks.Asm;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.Maps;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Elf;

/// <summary>
/// The kernel as oracle: <c>bpftool prog loadall</c> (libbpf) creates the maps of btf_maps.o and loads its programs;
/// the created maps (<c>bpftool map show</c>) must have our definitions' kernel names, types, sizes, max_entries and
/// flags, and the map loads the kernel reports in each program (<c>bpftool prog dump xlated</c>: <c>map[id:N]</c>,
/// <c>map[id:N][0]+off</c>) must be our <see cref="BpfObjectFile.MapReferences"/>, in order. Ignored unless root with
/// bpftool, clang-19 and a BPF filesystem.
/// </summary>
[NonParallelizable]
public partial class MapsKernelOracleTests
{
    private const string ObjectName = "btf_maps";
    private string _pins = "", _bpftool = "";
    private BpfObjectFile _obj = null!;
    private Dictionary<int, JsonElement> _mapsById = [];

    [OneTimeSetUp]
    public void LoadWithLibbpf()
    {
        _bpftool = ExternalTool.Require("bpftool");
        if (Environment.UserName != "root" || !Directory.Exists("/sys/fs/bpf"))
            Assert.Ignore("loading BPF programs needs root and a BPF filesystem at /sys/fs/bpf");
        using var o = MapsObjects.Compile("btf_maps.c");
        // libbpf names global data maps after the object file, so the object gets the name the assertions use.
        var dir = Directory.CreateTempSubdirectory("btfnb-maps-");
        var path = Path.Combine(dir.FullName, ObjectName + ".o");
        File.Copy(o.Path, path);
        _obj = BpfObjectFile.Load(path);
        _pins = $"/sys/fs/bpf/btfnb-maps-{Guid.NewGuid():N}";
        Directory.CreateDirectory(_pins + "/maps");
        var (exit, _, stderr) = ExternalTool.Run(_bpftool, "prog", "loadall", path, _pins + "/progs", "pinmaps", _pins + "/maps");
        dir.Delete(recursive: true);
        if (exit != 0) Assert.Fail($"bpftool prog loadall failed ({exit}):\n{stderr}");
        foreach (var pin in Directory.GetFiles(_pins + "/maps"))
        {
            var map = Json("map", "show", "pinned", pin);
            _mapsById[map.GetProperty("id").GetInt32()] = map;
        }
    }

    [OneTimeTearDown]
    public void Unpin()
    {
        if (_pins.Length > 0 && Directory.Exists(_pins)) Directory.Delete(_pins, recursive: true);
    }

    [Test]
    public void CreatedMapsAreOurDefinitions()
    {
        var created = _mapsById.Values.Select(m => (
            Name: m.GetProperty("name").GetString()!, Type: m.GetProperty("type").GetString()!, Key: m.GetProperty("bytes_key").GetUInt32(),
            Value: m.GetProperty("bytes_value").GetUInt32(), MaxEntries: m.GetProperty("max_entries").GetUInt32(), Flags: m.GetProperty("flags").GetUInt32()));
        var ours = _obj.Maps.Select(m => (Name: m.KernelName(ObjectName), Type: m.Type.ToLibbpfName(), Key: m.KeySize, Value: m.ValueSize, m.MaxEntries, m.Flags));
        Assert.That(created, Is.EquivalentTo(ours));
    }

    [Test]
    public void InitialSlotsHoldTheirInnerMapsAndPrograms()
    {
        int checkedSlots = 0;
        foreach (var map in _obj.Maps.Where(m => m.InitialSlots.Count > 0))
        {
            var id = _mapsById.Single(m => m.Value.GetProperty("name").GetString() == map.KernelName(ObjectName)).Key;
            var entries = Json("map", "dump", "id", id.ToString()).EnumerateArray()
                .ToDictionary(e => Int(e.GetProperty("key")), e => Int(e.GetProperty("value")));
            var expected = map.InitialSlots.ToDictionary(s => s.Index, s => s.Target >= 0
                ? _mapsById.Single(m => m.Value.GetProperty("name").GetString() == _obj.Maps[s.Target].KernelName(ObjectName)).Key
                : Json("prog", "show", "pinned", $"{_pins}/progs/{s.Name}").GetProperty("id").GetInt32());
            Assert.That(entries, Is.EquivalentTo(expected), map.Name);
            checkedSlots += expected.Count;
        }
        Assert.That(checkedSlots, Is.EqualTo(2));
    }

    [TestCase("xdp_maps")]
    [TestCase("tp_events")]
    public void KernelMapLoadsAreOurMapReferences(string program)
    {
        var xlated = Json("prog", "dump", "xlated", "pinned", $"{_pins}/progs/{program}");
        var kernel = new List<string>();
        foreach (var insn in xlated.EnumerateArray())
            if (MapLoad().Match(insn.GetProperty("disasm").GetString()!) is { Success: true } m)
                kernel.Add(_mapsById[int.Parse(m.Groups[1].Value)].GetProperty("name").GetString() + (m.Groups[2].Success ? "+" + m.Groups[2].Value : ""));
        var ours = _obj.MapReferences(program).OrderBy(r => r.InstructionIndex)
            .Select(r => _obj.Maps[r.MapIndex].KernelName(ObjectName) + (r.Kind == LoadImm64Kind.MapValue ? "+" + r.Offset : ""));
        Assert.That(kernel, Is.EqualTo(ours));
        Assert.That(kernel, Is.Not.Empty);
    }

    /// <summary>A 4-byte key or value as bpftool prints it without BTF: little-endian hex bytes ("0x01", ...).</summary>
    private static int Int(JsonElement bytes) =>
        bytes.ValueKind == JsonValueKind.Number ? bytes.GetInt32()
            : BitConverter.ToInt32([.. bytes.EnumerateArray().Select(b => Convert.ToByte(b.GetString(), 16))]);

    private JsonElement Json(params string[] args)
    {
        var (exit, stdout, stderr) = ExternalTool.Run(_bpftool, ["-j", .. args]);
        if (exit != 0) Assert.Fail($"bpftool {string.Join(' ', args)} failed ({exit}):\n{stderr}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    [GeneratedRegex(@"= map\[id:(\d+)\](?:\[0\]\+(\d+))?")]
    private static partial Regex MapLoad();
}
