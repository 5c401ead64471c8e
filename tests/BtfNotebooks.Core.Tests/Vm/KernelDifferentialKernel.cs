using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using BtfNotebooks.Tests.Elf;

namespace BtfNotebooks.Tests.Vm;

/// <summary>
/// The running kernel as a reference BPF implementation, driven through bpftool: load an object's program pinned
/// under /sys/fs/bpf, run it once per packet with BPF_PROG_TEST_RUN and read r0 from "Return value:".
/// </summary>
public static partial class KernelDifferentialKernel
{
    private const string BpfFs = "/sys/fs/bpf";

    /// <summary>Null when the kernel can load and run BPF programs here, else why not (the tests are ignored with it).</summary>
    public static string? Unavailable => LazyUnavailable.Value;

    private static readonly Lazy<string?> LazyUnavailable = new(Probe);

    /// <summary>A program loaded into the kernel and pinned; unpinned (and so unloaded) on dispose.</summary>
    public sealed class LoadedProgram(string pin) : IDisposable
    {
        public string Pin { get; } = pin;

        /// <summary>r0 of one BPF_PROG_TEST_RUN on <paramref name="packet"/> (the kernel reports it as a u32).</summary>
        public uint Run(byte[] packet)
        {
            using var input = ExternalTool.Temp(packet, ".pkt");
            var (exit, stdout, stderr) = ExternalTool.Run(Bpftool, "prog", "run", "pinned", Pin, "data_in", input.Path, "repeat", "1");
            var text = Encoding.UTF8.GetString(stdout);
            var match = ReturnValue().Match(text);
            if (exit != 0 || !match.Success)
                throw new InvalidOperationException($"bpftool prog run {Pin} ({packet.Length}-byte packet) failed ({exit}): {text}{stderr}");
            return uint.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        public void Dispose()
        {
            try { File.Delete(Pin); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Loads program <paramref name="name"/> (the only one in <paramref name="objectPath"/>) as
    /// <paramref name="type"/> ("xdp", "socket"); the verifier log is in the exception when it refuses.
    /// </summary>
    public static LoadedProgram Load(string objectPath, string name, string type)
    {
        var pin = $"{BpfFs}/btfnb_diff_{name}_{Environment.ProcessId}";
        File.Delete(pin); // a leftover of an aborted run of this process id
        var (exit, stdout, stderr) = ExternalTool.Run(Bpftool, "prog", "load", objectPath, pin, "type", type);
        if (exit != 0)
            throw new InvalidOperationException($"bpftool prog load {objectPath} type {type} failed ({exit}):\n{Encoding.UTF8.GetString(stdout)}{stderr}");
        return new LoadedProgram(pin);
    }

    private static string Bpftool => ExternalTool.Find("bpftool") ?? throw new InvalidOperationException("bpftool is not installed");

    // Root, bpftool, clang and a bpffs are necessary but not sufficient (lockdown, seccomp, containers): the
    // answer is whether a trivial program loads and returns what it should.
    private static string? Probe()
    {
        if (!Environment.IsPrivilegedProcess) return "not running as root: loading BPF programs needs CAP_BPF and CAP_NET_ADMIN";
        if (ExternalTool.Find("bpftool") is null) return "bpftool is not installed (CI installs it)";
        if (ExternalTool.Find(ClangBpf.Clang) is null) return $"{ClangBpf.Clang} is not installed (CI installs it)";
        if (!Directory.Exists(BpfFs)) return $"{BpfFs} (bpffs) is not mounted";
        try
        {
            using var o = ClangBpf.Compile("__attribute__((section(\"xdp\"), used)) int probe(void *ctx) { return 0x5eed; }\n" +
                                           "char _license[] __attribute__((section(\"license\"), used)) = \"GPL\";");
            using var program = Load(o.Path, "probe", "xdp");
            var r0 = program.Run(new byte[64]);
            return r0 == 0x5eed ? null : $"a trivial XDP program returned {r0}, not {0x5eed}: BPF_PROG_TEST_RUN does not work here";
        }
        catch (InvalidOperationException e)
        {
            return "bpf() is not permitted here: " + e.Message;
        }
    }

    [GeneratedRegex(@"^Return value: (\d+)", RegexOptions.Multiline)]
    private static partial Regex ReturnValue();
}
