using System.Text;
using System.Text.Json.Nodes;
using BtfNotebooks.Asm.Text;
using BtfNotebooks.Btf;
using BtfNotebooks.Elf;
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
    private static byte[] Compile()
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
        string source = Path.Combine(TestContext.CurrentContext.TestDirectory, "Data", "bpf", "rust", "xdp_pass.rs");
        string obj = Path.Combine(Path.GetTempPath(), $"btfnb-rust-{Guid.NewGuid():N}.o");
        try
        {
            var (built, _, stderr) = ExternalTool.Run(rustup, "run", "nightly", "rustc", "-Z", "unstable-options", "--target", target.Path,
                "--crate-type=lib", "--emit=obj", "-C", "opt-level=2", "-C", "debuginfo=2", "-C", "panic=abort", source, "-o", obj);
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
        Assert.That(vm.Run(ProgramContext.Setup(vm, "xdp", new byte[64])).R0, Is.EqualTo(2));
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
        Assert.That(loaded.Run(packet), Is.EqualTo((uint)vm.Run(ProgramContext.Setup(vm, "xdp", packet)).R0));
    }
}
