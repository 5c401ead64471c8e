using System.Text;
using System.Text.Json.Nodes;
using BtfNotebooks.Asm;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.Elf;
using BtfNotebooks.Elf.Maps;
using BtfNotebooks.Vm;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Elf;

/// <summary>
/// An object built by rustc (nightly, its bpfel target, LLVM's BPF backend: what bpf-linker runs for Aya) loads
/// like a clang one: program, license, .BTF with the function, .BTF.ext func_info, disassembly that re-assembles,
/// and the same r0 in the VM as in the kernel. rustc's bpfel target emits LLVM bitcode for bpf-linker; a copy of
/// its target spec with <c>obj-is-bitcode</c> off makes rustc emit the ELF object itself.
/// </summary>
public class RustObjectTests
{
    private static byte[] Compile(string sourceName = "xdp_pass.rs", params string[] extraFlags)
    {
        if (ExternalTool.Find("rustup") is not { } rustup) { Assert.Ignore("rustup is not installed"); return []; }
        var (ok, _, _) = ExternalTool.Run(rustup, "run", "nightly", "rustc", "--version");
        if (ok != 0) Assert.Ignore("no nightly rust toolchain (needed for #![no_core] on the BPF target)");

        var (exit, spec, err) = ExternalTool.Run(rustup, "run", "nightly", "rustc", "-Z", "unstable-options", "--print", "target-spec-json", "--target", "bpfel-unknown-none");
        if (exit != 0) Assert.Ignore($"rustc has no bpfel target spec: {err}");
        var json = JsonNode.Parse(spec)!.AsObject();
        json["obj-is-bitcode"] = false;
        json.Remove("is-builtin");
        using var target = ExternalTool.Temp(Encoding.UTF8.GetBytes(json.ToJsonString()), ".json");
        string source = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "bpf", "rust", sourceName);
        string obj = Path.Combine(Path.GetTempPath(), $"btfnb-rust-{Guid.NewGuid():N}.o");
        try
        {
            var (built, _, stderr) = ExternalTool.Run(rustup, ["run", "nightly", "rustc", "-Z", "unstable-options", "--target", target.Path,
                "--crate-type=lib", "--emit=obj", "-C", "opt-level=2", "-C", "debuginfo=2", "-C", "panic=abort", .. extraFlags, source, "-o", obj]);
            Assert.That(built, Is.Zero, stderr);
            return File.ReadAllBytes(obj);
        }
        finally
        {
            File.Delete(obj);
        }
    }

    [Test]
    public void A_rustc_object_loads_like_a_clang_one()
    {
        var obj = BpfObjectFile.Parse(Compile(), "xdp_pass.o");
        var program = obj.Programs.Single(p => !p.IsSubprogram);
        Assert.That((program.SectionName, program.Name), Is.EqualTo(("xdp", "xdp_pass")));
        Assert.That(obj.License, Is.EqualTo("GPL"));
        Assert.That(obj.Btf!.FindByName("xdp_pass", BtfKind.Func), Is.Not.Null);
        Assert.That(obj.BtfExt!.FuncInfos["xdp"].Single().TypeId, Is.EqualTo(obj.Btf.FindByName("xdp_pass", BtfKind.Func)!.Value.Id));

        var code = obj.LinkProgram("xdp_pass");
        var text = Disassembler.Disassemble(code, AsmSyntax.Llvm);
        Assert.That(Assembler.Assemble(text, AsmSyntax.Llvm).Instructions, Is.EqualTo(code));

        var vm = new BpfVm(code);
        Assert.That(vm.Run(ProgramContext.Setup(vm, ProgramContextKind.Xdp, new byte[64])).R0, Is.EqualTo(2));
    }

    [Test]
    public void The_kernel_loads_it_and_returns_what_the_vm_returns()
    {
        var bytes = Compile();
        if (BtfNotebooks.Tests.Vm.KernelDifferentialKernel.Unavailable is { } why) Assert.Ignore(why);
        using var file = ExternalTool.Temp(bytes, ".o");
        using var loaded = BtfNotebooks.Tests.Vm.KernelDifferentialKernel.Load(file.Path, "xdp_pass", "xdp");
        var obj = BpfObjectFile.Parse(bytes);
        var vm = new BpfVm(obj.LinkProgram("xdp_pass"));
        var packet = new byte[64];
        Assert.That(loaded.Run(packet), Is.EqualTo((uint)vm.Run(ProgramContext.Setup(vm, ProgramContextKind.Xdp, packet)).R0));
    }

    /// <summary>
    /// Aya's map and global-data shapes (Data/bpf/rust/aya_maps.rs): 28-byte legacy definitions with Aya's pinning,
    /// .rodata symbols referred to at their offset inside the section, .data and .bss, no .BTF (Aya objects often
    /// have none). Read as aya-obj reads them; the relocated lddw carry the map index and the symbol's offset.
    /// </summary>
    /// <summary>Sections merged as bpf-linker merges them; no debug info, so no .BTF, as in Quilkin's object.</summary>
    private static readonly string[] AyaFlags = ["-Z", "function-sections=no", "-C", "debuginfo=0"];

    [Test]
    public void Aya_maps_and_globals_load_as_aya_obj_reads_them()
    {
        var obj = BpfObjectFile.Parse(Compile("aya_maps.rs", AyaFlags), "aya_maps.o");
        Assert.That(obj.Btf, Is.Null, "without BTF the global data maps are not mmapable, as libbpf decides");
        Assert.That(obj.Maps.Select(m => (m.Name, m.Kind, m.Type, m.KeySize, m.ValueSize, m.MaxEntries, m.Flags, m.Pinning)), Is.EqualTo(new[]
        {
            ("FLOWS", BpfMapKind.Legacy, BpfMapType.Hash, 8u, 16u, 1024u, 1u, 0u),
            ("XSK", BpfMapKind.Legacy, BpfMapType.Xskmap, 4u, 4u, 128u, 0u, 1u),
            (".bss", BpfMapKind.Bss, BpfMapType.Array, 4u, 4u, 1u, 0u, 0u),
            (".rodata", BpfMapKind.ReadOnlyData, BpfMapType.Array, 4u, 8u, 1u, BpfMapDefinition.FlagReadOnlyProgram, 0u),
            (".data", BpfMapKind.Data, BpfMapType.Array, 4u, 4u, 1u, 0u, 0u),
        }));
        Assert.That(obj.Map(".rodata").InitialValue.ToArray(), Is.EqualTo(new byte[] { 0x61, 0x1e, 0, 0, 4, 0, 0, 0 }), "PORT_NO 7777, then SOCKET_COUNT 4 at offset 4");
        Assert.That(obj.Map(".data").InitialValue.ToArray(), Is.EqualTo(new byte[] { 9, 0, 0, 0 }));

        int Index(string name) => obj.Maps.ToList().FindIndex(m => m.Name == name);
        var references = obj.MapReferences("round_robin");
        Assert.That(references.Select(r => (r.Symbol, r.MapIndex, r.Offset, r.Kind)).OrderBy(r => r.Symbol, StringComparer.Ordinal), Is.EqualTo(new[]
        {
            ("FLOWS", Index("FLOWS"), 0u, LoadImm64Kind.MapFd),
            ("PACKETS", Index(".bss"), 0u, LoadImm64Kind.MapValue),
            ("PORT_NO", Index(".rodata"), 0u, LoadImm64Kind.MapValue),
            ("SEEN", Index(".data"), 0u, LoadImm64Kind.MapValue),
            ("SOCKET_COUNT", Index(".rodata"), 4u, LoadImm64Kind.MapValue),
            ("XSK", Index("XSK"), 0u, LoadImm64Kind.MapFd),
        }));
        var linked = obj.LinkProgramWithMaps("round_robin");
        foreach (var r in references)
            Assert.That((linked[r.InstructionIndex].Src, linked[r.InstructionIndex].Imm, linked[r.InstructionIndex].NextImm),
                Is.EqualTo(((Register)(r.Kind == LoadImm64Kind.MapFd ? 1 : 2), r.MapIndex, (int)r.Offset)), r.Symbol);
    }

    [Test]
    public void An_aya_pinning_value_aya_does_not_know_is_named()
    {
        var bytes = Compile("aya_maps.rs", AyaFlags);
        var obj = BpfObjectFile.Parse(bytes);
        var xsk = obj.Symbols.Single(s => s.Name == "XSK");
        long pinning = (long)obj.Sections[xsk.SectionIndex].Offset + (long)xsk.Value + 24;
        bytes[pinning] = 7;
        var e = Assert.Throws<ElfFormatException>(() => _ = BpfObjectFile.Parse(bytes, "aya_maps.o").Maps)!;
        Assert.That((e.Reason, e.Offset), Is.EqualTo(("section 'maps': map 'XSK': unsupported pinning type 7 in Aya's bpf_map_def (0 none, 1 by name)", pinning)));
    }

    /// <summary>
    /// The Aya-shaped object through the test framework's sandbox: its legacy and global-data maps are created,
    /// the lddw references resolve to them, and the program's stores land in .data and .bss, run after run.
    /// </summary>
    [Test]
    public void An_aya_object_runs_in_the_sandbox_with_its_maps()
    {
        var obj = BpfObjectFile.Parse(Compile("aya_maps.rs", AyaFlags), "aya_maps.o");
        var kernel = BtfNotebooks.Kernels.KernelCatalog.Open(TestKernels.DataDir).Get("local-6.18-amd64");
        var sandbox = BtfNotebooks.Kernels.Sandbox.BpfSandbox.Load(obj, kernel);
        Assert.That(sandbox.Run(packet: new byte[64]).R0, Is.EqualTo(10UL), "SEEN starts at 9 and the program returns it after ++");
        Assert.That(sandbox.Run(packet: new byte[64]).R0, Is.EqualTo(11UL), ".data keeps its value between runs");
        var data = (BtfNotebooks.Vm.Maps.ArrayMap)sandbox.Maps[".data"];
        Assert.That(data.Lookup<uint, uint>(0), Is.EqualTo(11u));
        var bss = (BtfNotebooks.Vm.Maps.ArrayMap)sandbox.Maps[".bss"];
        ulong expected = (ulong)sandbox.Maps["XSK"].Address + sandbox.Maps["FLOWS"].Address + ((BtfNotebooks.Vm.Maps.ArrayMap)sandbox.Maps[".rodata"]).ValueAddress(0) * 2 + 4;
        Assert.That(bss.Lookup<uint, uint>(0), Is.EqualTo((uint)expected), "PACKETS = the 32-bit sum of the two map addresses and the two .rodata addresses");
    }
}
