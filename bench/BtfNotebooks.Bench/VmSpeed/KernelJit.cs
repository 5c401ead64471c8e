using System.Globalization;
using System.Text.RegularExpressions;

namespace BtfNotebooks.Bench.VmSpeed;

/// <summary>What the kernel measured for one program: r0 (a u32, as BPF_PROG_TEST_RUN reports it) and ns per run; or why not.</summary>
public sealed record KernelMeasurement(uint R0, double NsPerRun, string? Error = null);

/// <summary>
/// The running kernel's JIT timed by BPF_PROG_TEST_RUN through bpftool: load and pin the object's program, run it
/// <c>repeat</c> times on the packet ("duration (average): Nns"), unpin (which unloads it).
/// </summary>
public static partial class KernelJit
{
    private const string BpfFs = "/sys/fs/bpf";

    /// <summary>bpftool runs per program; the median is kept, so one run disturbed by other work does not count.</summary>
    private const int Measurements = 3;

    /// <summary>Null when programs can be loaded and run here, else one line saying why the kernel column is empty.</summary>
    public static string? Unavailable()
    {
        if (!Environment.IsPrivilegedProcess) return "not running as root (loading BPF programs needs CAP_BPF and CAP_NET_ADMIN)";
        if (Bpftool is null) return "bpftool is not installed";
        if (!Directory.Exists(BpfFs)) return $"{BpfFs} (bpffs) is not mounted";
        return null;
    }

    /// <summary>A note on how the kernel runs BPF here, for the table's heading.</summary>
    public static string JitState()
    {
        try
        {
            return File.ReadAllText("/proc/sys/net/core/bpf_jit_enable").Trim() switch
            {
                "0" => "bpf_jit_enable=0: the kernel column is the kernel's interpreter, not its JIT",
                var v => $"bpf_jit_enable={v}",
            };
        }
        catch (IOException) { return "bpf_jit_enable unreadable"; }
        catch (UnauthorizedAccessException) { return "bpf_jit_enable unreadable"; }
    }

    public static KernelMeasurement Measure(VmBenchCase program)
    {
        var pin = $"{BpfFs}/btfnb_bench_{program.Name}_{Environment.ProcessId}";
        var packetFile = Path.Combine(Path.GetTempPath(), $"btfnb-bench-{program.Name}-{Environment.ProcessId}.pkt");
        try
        {
            File.Delete(pin);
            var (exit, stdout, stderr) = ExternalCommand.Run(Bpftool!, "prog", "load", program.ObjectPath, pin, "type", "xdp");
            if (exit != 0)
                return Failed(stderr.Contains("Operation not permitted") ? "bpf() not permitted: " + LastLine(stderr)
                                                                         : $"bpftool prog load failed ({exit}): {LastLine(stdout + stderr)}");
            File.WriteAllBytes(packetFile, program.Packet);
            var runs = new List<(uint R0, double Ns)>();
            for (int i = 0; i < Measurements; i++)
            {
                (exit, stdout, stderr) = ExternalCommand.Run(Bpftool!, "prog", "run", "pinned", pin, "data_in", packetFile,
                    "repeat", program.KernelRepeat.ToString(CultureInfo.InvariantCulture));
                var m = RunOutput().Match(stdout);
                if (exit != 0 || !m.Success) return Failed($"bpftool prog run failed ({exit}): {LastLine(stdout + stderr)}");
                runs.Add((uint.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)));
            }
            if (runs.Select(r => r.R0).Distinct().Count() > 1)
                return Failed("the kernel returned different r0 for the same packet: " + string.Join(", ", runs.Select(r => r.R0)));
            return new KernelMeasurement(runs[0].R0, runs.Select(r => r.Ns).Order().ElementAt(Measurements / 2));
        }
        finally
        {
            File.Delete(pin);
            File.Delete(packetFile);
        }
    }

    private static KernelMeasurement Failed(string why) => new(0, double.NaN, why);

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)";

    private static string? Bpftool => ExternalCommand.Find("bpftool");

    [GeneratedRegex(@"Return value: (\d+), duration \(average\): (\d+)ns")]
    private static partial Regex RunOutput();
}
