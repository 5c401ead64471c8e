using BtfNotebooks.Btf;
using BtfNotebooks.Kernels;
using NUnit.Framework;

namespace BtfNotebooks.Tests.Kernels;

/// <summary>Architecture names from file names, and told from the BTF alone.</summary>
public class KernelArchTests
{
    [TestCase(TestKernels.I386, "i386")]
    [TestCase(TestKernels.S390, "s390x")]
    [TestCase(TestKernels.Local618, "amd64")]
    [TestCase(TestKernels.Debian61, "amd64")]
    [TestCase(TestKernels.Debian612Arm, "arm64")]
    [TestCase(TestKernels.NfConntrack61, "amd64")]
    public void InfersTheShippedKernelsFromTheirBtf(string kernel, string arch) =>
        Assert.That(KernelArch.Infer(TestKernels.Spec(kernel)), Is.EqualTo(arch));

    private static IEnumerable<TestCaseData> HandMade()
    {
        TestCaseData C(string name, byte[] btf, string? arch) => new TestCaseData(btf, arch).SetName(name);
        yield return C("x86 with an 8-byte long is amd64", TinyKernels.WithPtRegs(8, false, ["bx", "orig_ax", "ip"]), "amd64");
        yield return C("x86 with a 4-byte long is i386", TinyKernels.WithPtRegs(4, false, ["bx", "orig_ax", "ip"]), "i386");
        yield return C("arm64 by pt_regs.orig_x0", TinyKernels.WithPtRegs(8, false, ["regs", "orig_x0"]), "arm64");
        yield return C("arm64 by user_pt_regs.pstate alone", TinyKernels.WithPtRegs(8, false, [], ["regs", "sp", "pc", "pstate"]), "arm64");
        yield return C("s390x by psw, big-endian", TinyKernels.WithPtRegs(8, true, ["args", "psw", "gprs"]), "s390x");
        yield return C("psw on a little-endian kernel is no known machine", TinyKernels.WithPtRegs(8, false, ["args", "psw"]), null);
        yield return C("riscv64 by epc", TinyKernels.WithPtRegs(8, false, ["epc", "ra", "sp"]), "riscv64");
        yield return C("ppc64el by nip", TinyKernels.WithPtRegs(8, false, ["gpr", "nip", "msr"]), "ppc64el");
        yield return C("ppc64 by nip, big-endian", TinyKernels.WithPtRegs(8, true, ["gpr", "nip", "msr"]), "ppc64");
        yield return C("no pt_regs: unknown", TinyKernels.WithPtRegs(8, false, []), null);
        yield return C("pt_regs of no known shape: unknown", TinyKernels.WithPtRegs(8, false, ["r0", "r1"]), null);
    }

    [TestCaseSource(nameof(HandMade))]
    public void InfersFromPtRegs(byte[] btf, string? arch) =>
        Assert.That(KernelArch.Infer(BtfSpec.Parse(btf)), Is.EqualTo(arch));

    [TestCase("debian-6.1.0-56-amd64", "amd64")]
    [TestCase("debian-6.1.0-56-cloud-amd64", "amd64")]
    [TestCase("debian-6.12.117+deb12-arm64-16k", "arm64")]
    [TestCase("generated-debian-6.1.0-50-686-pae.pahole124", "i386")]
    [TestCase("generated-debian-6.1.0-50-s390x.pahole124", "s390x")]
    [TestCase("5.6.6-300.fc32.x86_64", "amd64")]
    [TestCase("4.14.186-146.268.amzn2.aarch64", "arm64")]
    [TestCase("ubuntu/20.04/x86_64/5.4.0-1025-aws", "amd64")]
    [TestCase("6.1.0-10-powerpc64le", "ppc64el")]
    [TestCase("local-6.18", null)]
    [TestCase("vmlinux", null)]
    public void ReadsTheArchitectureWordOfAName(string name, string? arch) =>
        Assert.That(KernelArch.FromName(name), Is.EqualTo(arch));

    [TestCase("x86_64", "amd64")]
    [TestCase("AARCH64", "arm64")]
    [TestCase("686", "i386")]
    [TestCase("ppc64le", "ppc64el")]
    [TestCase("generic", null)]
    [TestCase(null, null)]
    public void NormalizesToDebianNames(string? word, string? arch) => Assert.That(KernelArch.Normalize(word), Is.EqualTo(arch));
}
