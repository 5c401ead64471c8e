using BtfNotebooks.Btf;
using BtfNotebooks.Btf.CDump;
using NUnit.Framework;

namespace BtfNotebooks.Tests.CDump;

/// <summary>
/// The headers dumped from real kernels compile with clang-19, and the compiler then lays every named struct,
/// union and enum out exactly as the BTF says (sizeof and offsetof checked by _Static_assert, one clang run a
/// kernel). Big-endian s390 compiles for bpfeb; 32-bit i386 (4-byte long and pointers) for i386 itself.
/// </summary>
[TestFixture]
public class KernelHeaderCompileTests
{
    private static readonly object[] Kernels =
    [
        new object[] { TestKernels.Local618, "bpf" },
        new object[] { TestKernels.Debian61, "bpf" },
        new object[] { TestKernels.Debian612Arm, "bpf" },
        new object[] { TestKernels.S390, "bpfeb" },
        new object[] { TestKernels.I386, "i386" },
    ];

    [TestCaseSource(nameof(Kernels))]
    public void FullDumpCompiles(string kernel, string target)
    {
        var header = CHeaderWriter.ToText(TestKernels.Spec(kernel));
        Assert.That(header, Does.StartWith("#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n"));
        ClangCheck.AssertCompiles(target, [header]);
    }

    [TestCaseSource(nameof(Kernels))]
    public void EveryNamedTypeHasItsBtfSizeAndMemberOffsets(string kernel, string target)
    {
        var spec = TestKernels.Spec(kernel);
        var sw = new StringWriter();
        var session = CHeaderWriter.WriteAll(spec, sw);

        var vaList = new VaListCheck(spec);
        var excluded = spec.LocalTypes.Where(t => t.Kind.IsComposite() && vaList.EmbedsBuiltinVaList(t)).Select(t => t.Name).ToList();
        // Only structs embedding a va_list differ, and that is inherent (see VaListCheck); keep them rare.
        Assert.That(excluded, Has.Count.LessThanOrEqualTo(2), string.Join(", ", excluded));

        var asserts = LayoutAssertions.For(spec, session.Names, spec.LocalTypes.Where(t => !vaList.EmbedsBuiltinVaList(t)), withMembers: true, out int count);
        Assert.That(count, Is.GreaterThan(40_000));
        ClangCheck.AssertCompiles(target, [sw.ToString()], asserts);
    }

    [Test]
    public void ModuleHeaderCompilesAfterItsBaseHeaderWithItsBtfLayout()
    {
        var module = TestKernels.Spec(TestKernels.NfConntrack61);
        var baseHeader = CHeaderWriter.ToText(module.Base!);
        var sw = new StringWriter();
        var session = CHeaderWriter.WriteAll(module, sw);
        string moduleHeader = sw.ToString();

        Assert.That(moduleHeader, Does.StartWith("#ifndef __DEBIAN_6_1_0_56_AMD64_NF_CONNTRACK_H__\n"));
        Assert.That(moduleHeader, Does.Contain("struct nf_ct_gre_keymap {"));
        Assert.That(moduleHeader, Does.Not.Contain("struct task_struct {"), "base types are not repeated");
        var asserts = LayoutAssertions.For(module, session.Names, module.LocalTypes, withMembers: true, out int count);
        Assert.That(count, Is.GreaterThan(100));
        ClangCheck.AssertCompiles("bpf", [baseHeader, moduleHeader], asserts);
    }

    [Test]
    public void SelectedStructsWithTheirDependenciesFormAStandaloneHeaderWithTheBtfLayout()
    {
        var spec = TestKernels.Spec(TestKernels.Local618);
        // Big everyday structs, one with bitfields (idt_bits), a packed one (desc_ptr), a union (bpf_attr).
        string[] roots = ["struct task_struct", "struct mm_struct", "struct sk_buff", "struct file", "struct inode",
                          "struct idt_bits", "struct desc_ptr", "union bpf_attr"];
        var types = roots.Select(spec.FindType).ToList();
        var sw = new StringWriter();
        var session = CHeaderWriter.WriteSome(spec, types.Select(t => t.Id), sw);
        string header = sw.ToString();

        Assert.That(header, Does.Contain("struct task_struct {"));
        Assert.That(header, Does.Contain("} __attribute__((packed));"), "desc_ptr is packed");
        Assert.That(header, Does.Match(@"\n\tu16 ist: 3;\n"), "idt_bits has bitfields");
        Assert.That(header.Length, Is.LessThan(CHeaderWriter.ToText(spec).Length / 3), "only what the roots need");

        var asserts = LayoutAssertions.For(spec, session.Names, types, withMembers: true, out int count);
        Assert.That(count, Is.GreaterThan(300));
        ClangCheck.AssertCompiles("bpf", [header], asserts);
    }

    /// <summary>
    /// va_list is printed as the compiler's own __builtin_va_list (bpftool does the same: redefining a builtin
    /// breaks compilation), which on BPF is a pointer while the kernel's is, e.g., x86-64's 24-byte array. Types
    /// that embed one by value cannot have the BTF's size.
    /// </summary>
    private sealed class VaListCheck(BtfSpec spec)
    {
        private readonly Dictionary<uint, bool> _memo = new();

        public bool EmbedsBuiltinVaList(BtfType t) => Embeds(t, 0);

        private bool Embeds(BtfType t, int depth)
        {
            if (t.IsVoid || depth > 100) return false;
            if (_memo.TryGetValue(t.Id, out bool known)) return known;
            bool result = t.Kind switch
            {
                BtfKind.Typedef => t.Name == "__builtin_va_list" || Embeds(spec[t.TypeId], depth + 1),
                BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag => Embeds(spec[t.TypeId], depth + 1),
                BtfKind.Array => Embeds(spec[t.ArrayElementTypeId], depth + 1),
                BtfKind.Struct or BtfKind.Union => t.Members.Any(m => Embeds(m.Type, depth + 1)),
                _ => false,
            };
            return _memo[t.Id] = result;
        }
    }
}
