using BtfNotebooks.Btf;
using BtfNotebooks.Kernels;
using BtfNotebooks.Kernels.Sandbox;
using NUnit.Framework;

namespace BtfNotebooks.Testing;

/// <summary>
/// Assertions on a run whose failure message explains the run: kernel, context, outcome, that kernel's CO-RE
/// relocation table and the last instructions executed. "Expected 42 but was 0" alone does not say why.
/// </summary>
public static class BpfAssert
{
    /// <summary>Runs <paramref name="assertions"/>; if one fails, the failure carries <see cref="SandboxRun.Explain"/>.</summary>
    public static void That(SandboxRun run, Action assertions)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(assertions);
        string? failure = null;
        // Isolated: NUnit records a failed assertion in the running test's result as well as throwing it, and the
        // failure reported must be the one that carries the explanation, not that one plus a copy.
        using (new NUnit.Framework.Internal.TestExecutionContext.IsolatedContext())
        {
            try
            {
                assertions();
            }
            catch (Exception e) when (e is AssertionException or BtfNotebooks.Vm.BpfRuntimeException)
            {
                failure = e.Message.Trim();
            }
        }
        if (failure is not null) Assert.Fail($"{failure}\n\n{run.Explain()}");
    }

    /// <summary>The program ran to its exit (no fault), with r0 = <paramref name="r0"/> when given.</summary>
    public static void Exits(SandboxRun run, ulong? r0 = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Fault is not null) Assert.Fail($"the program faulted\n\n{run.Explain()}");
        if (r0 is { } expected && run.Result!.Value.R0 != expected) Assert.Fail($"r0 = {run.Result.Value.R0}, expected {expected}\n\n{run.Explain()}");
    }
}

/// <summary>Records a program wrote (ring buffer, perf output, map values) read through the object's own BTF types.</summary>
public static class BpfRecords
{
    /// <summary>
    /// The records of ring buffer <paramref name="map"/>, each decoded as <paramref name="type"/> (e.g. "event",
    /// "struct event") from the program's BTF: <c>record.Get("pid")</c>, <c>record.GetString("comm")</c>.
    /// </summary>
    public static IReadOnlyList<KernelObject> RingBuffer(this SandboxRun run, string map, string type)
    {
        ArgumentNullException.ThrowIfNull(run);
        var spec = run.Sandbox.Code.Local ?? throw new InvalidOperationException($"{run.Sandbox.Code.Name} has no .BTF: its records have no types to decode them with");
        return [.. run.RingBufferRecords(map).Select(bytes => Decode(spec, type, bytes))];
    }

    /// <summary><paramref name="bytes"/> as a value of <paramref name="type"/> in <paramref name="spec"/>.</summary>
    public static KernelObject Decode(BtfSpec spec, string type, byte[] bytes)
    {
        var value = KernelObject.Create(spec, type);
        if (bytes.Length < value.Bytes.Length)
            throw new ArgumentException($"a {bytes.Length}-byte record is shorter than {type} ({value.Bytes.Length} bytes)");
        bytes.AsSpan(0, value.Bytes.Length).CopyTo(value.Bytes);
        return value;
    }
}
