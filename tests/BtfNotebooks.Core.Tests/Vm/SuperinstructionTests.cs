using BtfNotebooks.Vm;
using NUnit.Framework;
using static BtfNotebooks.Tests.Vm.VmTestPrograms;

namespace BtfNotebooks.Tests.Vm;

/// <summary>
/// The interpreter runs two common sequences as one dispatch (the data_end bounds check, a load followed by a byte
/// swap). Results, instruction counts, faults and jumps into the middle must be exactly those of the plain
/// instructions.
/// </summary>
public class SuperinstructionTests
{
    // r1 = packet, r2 = length; r3 = end. Reads the big-endian u16 at offset 4 if 6 bytes fit, else returns 99.
    private const string BoundsCheckThenLoad = """
        r3 = r1
        r3 += r2
        r4 = r1
        r4 += 6
        if r4 > r3 goto out
        r0 = *(u16 *)(r1 + 4)
        r0 = be16 r0
        exit
        out:
        r0 = 99
        exit
        """;

    [Test]
    public void Bounds_check_and_swapped_load_give_the_plain_results_and_counts()
    {
        var fits = Run(BoundsCheckThenLoad, [0, 0, 0, 0, 0x12, 0x34]);
        Assert.That(fits.R0, Is.EqualTo(0x1234));
        Assert.That(fits.InstructionsExecuted, Is.EqualTo(8));
        var shortPacket = Run(BoundsCheckThenLoad, new byte[5]);
        Assert.That(shortPacket.R0, Is.EqualTo(99));
        Assert.That(shortPacket.InstructionsExecuted, Is.EqualTo(7));
    }

    [Test]
    public void A_jump_into_the_middle_of_a_pattern_runs_the_plain_instructions()
    {
        // Entering at "r4 += 6" with r4 = r1 + 1 (so the bound is 7) must not execute the fused "r4 = r1" again.
        const string program = """
            r3 = r1
            r3 += r2
            r4 = r1
            r4 += 1
            goto mid
            r4 = r1
            mid:
            r4 += 6
            if r4 > r3 goto out
            r0 = 1
            exit
            out:
            r0 = 2
            exit
            """;
        Assert.That(R0(program, new byte[7]), Is.EqualTo(1));
        Assert.That(R0(program, new byte[6]), Is.EqualTo(2));
    }

    [Test]
    public void A_swap_of_another_register_or_width_is_not_fused()
    {
        Assert.That(R0("r0 = *(u16 *)(r1 + 0)\nr0 = be32 r0\nexit", [0x12, 0x34]), Is.EqualTo(0x12340000));
        Assert.That(R0("r0 = *(u32 *)(r1 + 0)\nr3 = 7\nr3 = bswap32 r3\nexit", [1, 2, 3, 4]), Is.EqualTo(0x04030201));
        Assert.That(R0("r0 = *(u32 *)(r1 + 0)\nr0 = bswap32 r0\nexit", [1, 2, 3, 4]), Is.EqualTo(0x01020304));
    }

    [Test]
    public void A_fault_in_a_fused_load_names_the_load()
    {
        var e = Fault("r0 = 0\nr0 = *(u32 *)(r1 + 2)\nr0 = be32 r0\nexit", new byte[4]);
        Assert.That(e.Slot, Is.EqualTo(1));
        Assert.That(e.Kind, Is.EqualTo(RuntimeErrorKind.MemoryFault));
    }
}
