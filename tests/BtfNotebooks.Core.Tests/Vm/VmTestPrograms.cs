using NUnit.Framework;
using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Vm;

namespace BtfNotebooks.Tests.Vm;

/// <summary>Small helpers to build and run programs in VM tests.</summary>
internal static class VmTestPrograms
{
    public static IReadOnlyList<Instruction> Llvm(string text) => Assembler.Assemble(text, AsmSyntax.Llvm).Instructions;

    /// <summary>Runs <paramref name="text"/> (LLVM syntax) with r1 = packet (when given), r2 = its length.</summary>
    public static RunResult Run(string text, byte[]? packet = null, VmOptions? options = null)
    {
        var vm = new BpfVm(Llvm(text), options ?? new VmOptions { EntryRegisters = [1, 2] });
        packet ??= [];
        ulong p = ProgramContext.Setup(vm, ProgramContextKind.Raw, packet);
        return vm.Run(p, (ulong)packet.Length);
    }

    public static ulong R0(string text, byte[]? packet = null) => Run(text, packet).R0;

    public static BpfRuntimeException Fault(string text, byte[]? packet = null, VmOptions? options = null) =>
        Assert.Throws<BpfRuntimeException>(() => Run(text, packet, options))!;
}
