using System.Text;
using BtfNotebooks.Elf;
using BtfNotebooks.Tests.Elf;
using BtfNotebooks.Vm;
using BtfNotebooks.Vm.Helpers;
using BtfNotebooks.Vm.Maps;
using NUnit.Framework;
using BtfNotebooks.Tests.Vm.Maps;
using static BtfNotebooks.Tests.Vm.Maps.MapTestSupport;

namespace BtfNotebooks.Tests.Vm.Helpers;

/// <summary>The helpers that read the environment: current task, clock, CPU, random numbers.</summary>
[TestFixture(VmEngine.Interpreter)]
[TestFixture(VmEngine.Jit)]
public class TaskAndClockHelperTests(VmEngine engine) : BothEngines(engine)
{
    private static readonly BpfTask Bash = new(Pid: 4242, Tgid: 4200, Uid: 1000, Gid: 100, Comm: "bash", Address: 0);

    private ulong Call(int helper, BpfTask? task, Action<BpfEnvironment>? setup = null)
    {
        var sandbox = NewSandbox($"call {helper}\nexit", []);
        sandbox.Env.CurrentTask = task;
        setup?.Invoke(sandbox.Env);
        return sandbox.Run();
    }

    [TestCase(BpfHelperIds.GetCurrentPidTgid, 4200UL << 32 | 4242, TestName = "pid_tgid is tgid << 32 | pid")]
    [TestCase(BpfHelperIds.GetCurrentUidGid, 100UL << 32 | 1000, TestName = "uid_gid is gid << 32 | uid")]
    public void Ids_of_the_current_task(int helper, ulong expected) => Assert.That(Call(helper, Bash), Is.EqualTo(expected));

    [TestCase(BpfHelperIds.GetCurrentPidTgid, TestName = "pid_tgid without a task is -EINVAL")]
    [TestCase(BpfHelperIds.GetCurrentUidGid, TestName = "uid_gid without a task is -EINVAL")]
    public void Without_a_task_the_kernel_answers_EINVAL(int helper) => Assert.That((long)Call(helper, null), Is.EqualTo(-BpfErrno.EINVAL));

    [Test]
    public void Task_pointers_are_the_address_the_test_gives()
    {
        var sandbox = NewSandbox("call 35\nr6 = r0\ncall 158\nr0 -= r6\nr0 += r6\nexit", []);
        ulong task = sandbox.MapBytes(new byte[64], "task_struct", RegionKind.Kernel);
        sandbox.Env.CurrentTask = Bash with { Address = task };
        Assert.That(sandbox.Run(), Is.EqualTo(task));
        Assert.That(Call(BpfHelperIds.GetCurrentTask, null), Is.Zero);
        Assert.That(Call(BpfHelperIds.GetCurrentTaskBtf, Bash), Is.Zero);
    }

    // bpf_get_current_comm(r10 - 16, size) into a buffer prefilled with 0xaa; returns r0.
    [TestCase("bash", 16UL, 0L, "62617368000000000000000000000000aa", TestName = "comm is NUL-padded to the size")]
    [TestCase("bash", 3UL, 0L, "626100aaaaaaaaaaaaaaaaaaaaaaaaaaaa", TestName = "comm is cut to size - 1 and NUL-terminated")]
    [TestCase("a-very-long-process-name", 16UL, 0L, "612d766572792d6c6f6e672d70726f00aa", TestName = "the kernel keeps 15 bytes of comm")]
    [TestCase(null, 8UL, -22L, "0000000000000000aaaaaaaaaaaaaaaaaa", TestName = "no task: -EINVAL and the buffer zeroed")]
    public void Comm(string? comm, ulong size, long r0, string buffer)
    {
        var sandbox = NewSandbox($"""
            r1 = 0xaaaaaaaaaaaaaaaa ll
            *(u64 *)(r10 - 24) = r1
            *(u64 *)(r10 - 16) = r1
            *(u64 *)(r10 - 8) = r1
            r1 = r10
            r1 += -24
            r2 = {size}
            call 16
            exit
            """, []);
        sandbox.Env.CurrentTask = comm is null ? null : Bash with { Comm = comm };
        Assert.That((long)sandbox.Run(), Is.EqualTo(r0));
        // The first 17 bytes of the 24-byte buffer (room for a 16-byte comm and the byte after it).
        Assert.That(Convert.ToHexString(sandbox.Vm.Stack.Data[^24..^7]).ToLowerInvariant(), Is.EqualTo(buffer));
    }

    [Test]
    public void Ktime_is_a_clock_the_test_controls()
    {
        var sandbox = NewSandbox("call 5\nr6 = r0\ncall 5\nr0 -= r6\nexit", []);
        Assert.That(sandbox.Run(), Is.EqualTo(1000)); // the default step
        sandbox.Env.KtimeStepNs = 250;
        Assert.That(sandbox.Run(), Is.EqualTo(250));
        Assert.That(Call(BpfHelperIds.KtimeGetNs, null, env => env.KtimeNs = 77), Is.EqualTo(77));
        var frozen = NewSandbox("call 5\nexit", []);
        frozen.Env.KtimeNs = 123;
        frozen.Env.KtimeStepNs = 0;
        Assert.That(new[] { frozen.Run(), frozen.Run() }, Is.EqualTo(new ulong[] { 123, 123 }));
    }

    [Test]
    public void Cpu_and_random_numbers_come_from_the_environment()
    {
        Assert.That(Call(BpfHelperIds.GetSmpProcessorId, null, env => env.Cpu = 3), Is.EqualTo(3));
        var a = new BpfEnvironment(randomSeed: 7);
        var b = new BpfEnvironment(randomSeed: 7);
        var first = Enumerable.Range(0, 5).Select(_ => a.NextRandom()).ToArray();
        Assert.That(Enumerable.Range(0, 5).Select(_ => b.NextRandom()), Is.EqualTo(first));
        Assert.That(first.Distinct().Count(), Is.EqualTo(5));
        var sandbox = NewSandbox("call 7\nexit", []);
        Assert.That(sandbox.Run(), Is.LessThanOrEqualTo(uint.MaxValue));
    }

    [Test]
    public void A_tracing_program_from_clang_reads_the_current_task()
    {
        using var o = ClangBpf.Compile("""
            #include <linux/bpf.h>
            #include <bpf/bpf_helpers.h>
            struct event { __u32 pid; __u32 tgid; __u32 uid; char comm[16]; __u64 when; };
            struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 8); __type(key, __u32); __type(value, struct event); } seen SEC(".maps");
            SEC("kprobe/do_sys_openat2")
            int on_open(void *ctx)
            {
                struct event e = {};
                __u64 id = bpf_get_current_pid_tgid();
                e.pid = id;
                e.tgid = id >> 32;
                e.uid = bpf_get_current_uid_gid();
                bpf_get_current_comm(e.comm, sizeof(e.comm));
                e.when = bpf_ktime_get_ns();
                bpf_map_update_elem(&seen, &e.pid, &e, BPF_ANY);
                return 0;
            }
            char _license[] SEC("license") = "GPL";
            """);
        var obj = BpfObjectFile.Load(o.Path);
        var vm = new BpfVm(obj.LinkProgramWithMaps("on_open"), Options);
        var maps = BpfMapSet.Load(vm, obj);
        var env = BpfHelpers.Register(vm);
        env.CurrentTask = Bash;
        env.KtimeNs = 5_000_000;
        vm.Run(vm.Memory.Map("pt_regs", new byte[168], RegionKind.Context).Address);
        var value = maps["seen"].Lookup(U32(4242))!;
        Assert.That(BitConverter.ToUInt32(value, 0), Is.EqualTo(4242));
        Assert.That(BitConverter.ToUInt32(value, 4), Is.EqualTo(4200));
        Assert.That(BitConverter.ToUInt32(value, 8), Is.EqualTo(1000));
        Assert.That(Encoding.ASCII.GetString(value, 12, 16).TrimEnd('\0'), Is.EqualTo("bash"));
        Assert.That(BitConverter.ToUInt64(value, 32), Is.EqualTo(5_000_000));
    }
}
