using BtfNotebooks.Asm.Text;
using BtfNotebooks.Elf.Maps;
using BtfNotebooks.Vm;
using BtfNotebooks.Vm.Helpers;
using BtfNotebooks.Vm.Maps;

namespace BtfNotebooks.Tests.Vm.Maps;

/// <summary>Map definitions and a VM with maps and the emulated helpers, for map and helper tests.</summary>
public static class MapTestSupport
{
    public static BpfMapDefinition Def(BpfMapType type, uint key, uint value, uint max, uint flags = 0, string name = "m",
        byte[]? initial = null, BpfMapKind kind = BpfMapKind.BtfDefined) =>
        new(name, kind, type, key, value, max, flags, 0, 0, InitialValue: initial ?? default(ReadOnlyMemory<byte>));

    public static BpfMapDefinition Array(uint max, uint value = 8, string name = "array") => Def(BpfMapType.Array, 4, value, max, name: name);

    public static BpfMapDefinition Hash(uint max, uint key = 4, uint value = 8, string name = "hash", BpfMapType type = BpfMapType.Hash) =>
        Def(type, key, value, max, name: name);

    public static BpfMapDefinition Ring(uint size, string name = "events") => Def(BpfMapType.Ringbuf, 0, 0, size, name: name);

    public static byte[] U32(uint v) => BitConverter.GetBytes(v);

    public static byte[] U64(ulong v) => BitConverter.GetBytes(v);

    /// <summary>A program (LLVM assembly) with its maps (lddw map[fd:i] = map i) and every emulated helper.</summary>
    public sealed class Sandbox
    {
        public Sandbox(string program, IEnumerable<BpfMapDefinition> maps, VmOptions? options = null)
        {
            Vm = new BpfVm(Assembler.Assemble(program, AsmSyntax.Llvm).Instructions, options) { Name = "main" };
            Maps = new BpfMapSet(Vm.Memory, maps);
            Maps.Attach(Vm);
            Env = BpfHelpers.Register(Vm);
        }

        public BpfVm Vm { get; }

        public BpfMapSet Maps { get; }

        public BpfEnvironment Env { get; }

        /// <summary>Maps <paramref name="bytes"/> as a region and returns its address (a context, a user buffer...).</summary>
        public ulong MapBytes(byte[] bytes, string name = "buffer", RegionKind kind = RegionKind.Other, bool writable = true) =>
            Vm.Memory.Map(name, bytes, kind, writable).Address;

        public ulong Run(ulong r1 = 0) => Vm.Run(r1).R0;
    }
}

/// <summary>
/// A fixture whose tests run in both engines: it carries <c>[TestFixture(VmEngine.Interpreter)]</c> and
/// <c>[TestFixture(VmEngine.Jit)]</c> and builds its sandboxes and VMs with <see cref="NewSandbox"/> and
/// <see cref="Options"/>. Maps, helpers, callbacks and tail calls reach compiled code through the same VM.
/// </summary>
public abstract class BothEngines(VmEngine engine)
{
    protected VmEngine Engine => engine;

    protected VmOptions Options => new() { Engine = engine };

    protected MapTestSupport.Sandbox NewSandbox(string program, IEnumerable<BpfMapDefinition> maps, VmOptions? options = null) =>
        new(program, maps, (options ?? new VmOptions()) with { Engine = engine });
}

