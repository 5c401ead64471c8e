namespace BtfNotebooks.Asm.Text;

/// <summary>The two text forms of BPF programs people read and write.</summary>
public enum AsmSyntax
{
    /// <summary>bpf_conformance / uBPF: <c>mov32 %r0, 1</c>, <c>ldxw %r0, [%r1+4]</c>, <c>jeq %r1, 0, +2</c>.</summary>
    Conformance,
    /// <summary>LLVM / kernel pseudo-C, as llvm-objdump, bpftool and the verifier print: <c>r0 = *(u32 *)(r1 + 4)</c>.</summary>
    Llvm,
}
