using BtfNotebooks.Btf;
using BtfNotebooks.Btf.Layout;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Layout;

public class CTypeNamesTests
{
    private static string MemberType(string kernel, string type, string member, bool withName = false)
    {
        var spec = TestKernels.Spec(kernel);
        var field = spec.ResolveField(spec.FindComposite(type), member);
        return CTypeNames.Format(spec, field.Member.TypeId, withName ? field.Member.Name : null);
    }

    [TestCase("struct task_struct", "comm", "char[16]")]
    [TestCase("struct task_struct", "stack", "void *")]
    [TestCase("struct task_struct", "cred", "const struct cred *")]
    [TestCase("struct task_struct", "pid", "pid_t")]
    [TestCase("struct task_struct", "tasks", "struct list_head")]
    [TestCase("struct callback_head", "func", "void (*)(struct callback_head *)")]
    [TestCase("struct signal_struct", "pids", "struct pid *[4]")]
    [TestCase("struct rcu_segcblist", "tails", "struct callback_head **[4]")]
    [TestCase("struct virtio_pci_device", "msix_names", "char (*)[256]")]
    [TestCase("struct super_block", "s_xattr", "const struct xattr_handler *const *")]
    [TestCase("struct vm_area_desc", "mm", "const struct mm_struct *const")]
    [TestCase("struct kset_uevent_ops", "filter", "int (*const)(const struct kobject *)")]
    [TestCase("struct sock_common", "skc_state", "volatile unsigned char")]
    [TestCase("struct seq_operations", "start", "void *(*)(struct seq_file *, loff_t *)")]
    [TestCase("struct pv_cpu_ops", "read_cr0", "long unsigned int (*)(void)")]
    [TestCase("struct ctl_table_header", "type", "enum {...}")]
    [TestCase("struct net_device_path_ctx", "vlan", "struct {...}[2]")]
    public void NamesMemberTypesOfLinux618(string type, string member, string expected) =>
        Assert.That(MemberType(TestKernels.Local618, type, member), Is.EqualTo(expected));

    [TestCase("struct task_struct", "comm", "char comm[16]")]
    [TestCase("struct callback_head", "func", "void (*func)(struct callback_head *)")]
    [TestCase("struct virtio_pci_device", "msix_names", "char (*msix_names)[256]")]
    [TestCase("struct vm_area_desc", "mm", "const struct mm_struct *const mm")]
    [TestCase("struct task_struct", "cred", "const struct cred *cred")]
    public void DeclaresNamedMembers(string type, string member, string expected) =>
        Assert.That(MemberType(TestKernels.Local618, type, member, withName: true), Is.EqualTo(expected));

    [Test]
    public void HandlesDeclaratorsRealKernelsRarelyHave()
    {
        var b = new BtfBuilder();
        uint i32 = b.Int("int", 4, BtfIntEncoding.Signed);         // 1
        uint chr = b.Int("char", 1, BtfIntEncoding.Signed);        // 2
        uint handler = b.FuncProto(0, ("", i32), ("", 0));         // 3: void (int, ...)
        uint handlerPtr = b.Ptr(handler);                          // 4
        uint table = b.Array(handlerPtr, i32, 3);                  // 5: void (*[3])(int, ...)
        uint row = b.Array(chr, i32, 4);                           // 6: char[4]
        uint rowPtrPtr = b.Ptr(b.Ptr(row));                        // 8: char (**)[4]
        uint tagged = b.Ptr(b.TypeTag("user", i32));               // 10: int * (the tag is skipped)
        uint restricted = b.Restrict(b.Ptr(i32));                  // 12: int *restrict
        uint fwd = b.Fwd("opaque", union: true);                   // 13
        uint anonEnum = b.Enum("", 4, false, ("A", 0), ("B", 1));  // 14
        uint noArgs = b.FuncProto(b.Ptr(chr));                     // 16: char *(void)
        uint grid = b.Array(b.Array(i32, i32, 3), i32, 2);         // 18: int[2][3]
        uint cv = b.Const(b.Volatile(i32));                        // 20: const volatile int
        var spec = BtfSpec.Parse(b.ToArray());

        Assert.That(CTypeNames.Format(spec, table), Is.EqualTo("void (*[3])(int, ...)"));
        Assert.That(CTypeNames.Format(spec, table, "handlers"), Is.EqualTo("void (*handlers[3])(int, ...)"));
        Assert.That(CTypeNames.Format(spec, rowPtrPtr, "p"), Is.EqualTo("char (**p)[4]"));
        Assert.That(CTypeNames.Format(spec, tagged), Is.EqualTo("int *"));
        Assert.That(CTypeNames.Format(spec, restricted, "p"), Is.EqualTo("int *restrict p"));
        Assert.That(CTypeNames.Format(spec, fwd), Is.EqualTo("union opaque"));
        Assert.That(CTypeNames.Format(spec, anonEnum, "e"), Is.EqualTo("enum {...} e"));
        Assert.That(CTypeNames.Format(spec, noArgs, "f"), Is.EqualTo("char *f(void)"));
        Assert.That(CTypeNames.Format(spec, grid, "g"), Is.EqualTo("int g[2][3]"));
        Assert.That(CTypeNames.Format(spec, cv), Is.EqualTo("const volatile int"));
        Assert.That(CTypeNames.Format(spec, 0), Is.EqualTo("void"));
        Assert.That(CTypeNames.Format(spec, handlerPtr, "cb"), Is.EqualTo("void (*cb)(int, ...)"));
    }

    [Test]
    public void AReferenceCycleIsAFormatError()
    {
        // [1] PTR -> [2] CONST -> [1]: only a malformed blob has this.
        var b = new BtfBuilder();
        b.Ptr(2);
        b.Const(1);
        var spec = BtfSpec.Parse(b.ToArray());
        Assert.Throws<BtfFormatException>(() => CTypeNames.Format(spec, 1));
    }
}
