using BtfNotebooks.Asm;
using BtfNotebooks.Btf;
using BtfNotebooks.CoRe;
using BtfNotebooks.Elf.BtfExt;
using NUnit.Framework;
using static BtfNotebooks.Tests.CoRe.CoreTestBtf;
using K = BtfNotebooks.Elf.BtfExt.CoreRelocationKind;

namespace BtfNotebooks.Tests.CoRe;

public class CoreRelocatorTests
{
    // local: struct task { int pid; unsigned int flags; }   target: struct task { unsigned long x, y; int pid; unsigned int flags; }
    private static (BtfSpec Local, uint Task, BtfSpec Target, uint TargetTask) Task()
    {
        var l = WithInts();
        uint task = l.Struct("task", 8, M("pid", Int, 0), M("flags", UInt, 32));
        var t = WithInts();
        uint ttask = t.Struct("task", 24, M("x", ULong, 0), M("y", ULong, 64), M("pid", Int, 128), M("flags", UInt, 160));
        return (Spec(l), task, Spec(t), ttask);
    }

    [TestCase("0:1", K.FieldByteOffset, 4, 20u)]
    [TestCase("0:0", K.FieldByteOffset, 0, 16u)]
    [TestCase("0:1", K.FieldByteSize, 4, 4u)]
    [TestCase("0:1", K.FieldExists, 1, 1u)]
    [TestCase("0:0", K.FieldSigned, 1, 1u)]
    [TestCase("0:1", K.FieldSigned, 0, 0u)]
    [TestCase("0:1", K.FieldLShiftU64, 32, 32u)]
    [TestCase("0:1", K.FieldRShiftU64, 32, 32u)]
    [TestCase("0", K.TypeSize, 8, 24u)]
    [TestCase("0", K.TypeExists, 1, 1u)]
    [TestCase("0", K.TypeMatches, 1, 1u)]
    public void FieldAndTypeKindsPatchAnImmediate(string access, K kind, int localValue, uint expected)
    {
        var (local, task, target, _) = Task();
        var r = One(local, target, task, access, kind, Mov(localValue));
        Assert.That(r.Status, Is.EqualTo(CoreRelocationStatus.Ok), r.ToString());
        Assert.That(r.Old, Is.EqualTo((ulong)localValue));
        Assert.That(r.New, Is.EqualTo((ulong)expected));
        Assert.That(r.After, Is.EqualTo(InstructionCodec.Encode([Mov((int)expected)])));
        Assert.That(r.LocalType, Is.EqualTo("struct task"));
        Assert.That(r.Candidates, Has.Count.EqualTo(1));
    }

    [Test]
    public void TypeIdsAreTheLocalAndTheCandidateIds()
    {
        var (local, task, target, ttask) = Task();
        // neither is checked against the instruction: IDs change when objects are linked
        Assert.That(One(local, target, task, "0", K.LocalTypeId, Mov(77)).New, Is.EqualTo((ulong)task));
        var r = One(local, target, task, "0", K.TargetTypeId, Lddw(12345));
        Assert.That(r.New, Is.EqualTo((ulong)ttask));
        Assert.That(r.Patch!.Kind, Is.EqualTo(CorePatchKind.LoadImm64));
        Assert.That(r.After, Is.EqualTo(InstructionCodec.Encode([Lddw(ttask)])));
    }

    [Test]
    public void LoadOffsetsAreRewrittenAndTheReportReadsLikeLibbpf()
    {
        var (local, task, target, ttask) = Task();
        var r = One(local, target, task, "0:1", K.FieldByteOffset, Load(AccessSize.Word, 4));
        Assert.That(r.Patch!.Label, Is.EqualTo("LDX/ST/STX"));
        Assert.That(r.After, Is.EqualTo(InstructionCodec.Encode([Load(AccessSize.Word, 20)])));
        Assert.That(r.Before, Is.EqualTo(InstructionCodec.Encode([Load(AccessSize.Word, 4)])));
        Assert.That(r.LocalSpec, Is.EqualTo($"[{task}] struct task.flags (0:1 @ offset 4)"));
        Assert.That(r.ReadablePath, Is.EqualTo("task.flags"));
        Assert.That(r.Candidates.Single().Spec, Is.EqualTo($"[{ttask}] struct task.flags (0:3 @ offset 20)"));
        Assert.That(r.InstructionIndex, Is.EqualTo(0));
    }

    [Test]
    public void AMissingFieldPoisonsExceptExistenceWhichIsZero()
    {
        var l = WithInts();
        uint s = l.Struct("s", 8, M("a", Int, 0), M("gone", Int, 32));
        var t = WithInts();
        t.Struct("s", 4, M("a", Int, 0));
        var (local, target) = (Spec(l), Spec(t));

        var exists = One(local, target, s, "0:1", K.FieldExists, Mov(1));
        Assert.That((exists.Status, exists.New), Is.EqualTo((CoreRelocationStatus.Ok, (ulong?)0)));
        Assert.That(exists.Candidates.Single().Mismatch, Does.Contain("no member gone"));

        var load = One(local, target, s, "0:1", K.FieldByteOffset, Load(AccessSize.Word, 4));
        Assert.That(load.Status, Is.EqualTo(CoreRelocationStatus.Poison));
        Assert.That(CoreRelocationReport.Hex(load.After), Is.EqualTo("850000001023ad0b"));
        Assert.That(load.Old, Is.Null);
    }

    [Test]
    public void NoCandidateAtAllGivesZeroForTypeKindsAndPoisonsBothLddwSlots()
    {
        var l = WithInts();
        uint e = l.Enum("nowhere", 4, false, ("X", 1));
        uint s = l.Struct("nowhere_s", 4, M("a", Int, 0));
        var local = Spec(l);
        var target = Spec(WithInts());
        Assert.That(One(local, target, s, "0", K.TypeExists, Mov(1)).New, Is.EqualTo(0UL));
        Assert.That(One(local, target, s, "0", K.TypeSize, Mov(4)).New, Is.EqualTo(0UL));
        Assert.That(One(local, target, s, "0", K.TargetTypeId, Mov(4)).New, Is.EqualTo(0UL));
        Assert.That(One(local, target, e, "0", K.EnumValueExists, Lddw(1)).New, Is.EqualTo(0UL));
        var value = One(local, target, e, "0", K.EnumValueValue, Lddw(1));
        Assert.That(value.Status, Is.EqualTo(CoreRelocationStatus.Poison));
        Assert.That(CoreRelocationReport.Hex(value.After), Is.EqualTo("850000001023ad0b850000001023ad0b"));
    }

    [Test]
    public void FlavorsFindTheEssentialName()
    {
        var l = WithInts();
        uint flavored = l.Struct("task___old", 4, M("pid", Int, 0));
        var t = WithInts();
        uint a = t.Struct("task", 8, M("x", Int, 0), M("pid", Int, 32));
        uint b = t.Struct("task___2", 8, M("y", Int, 0), M("pid", Int, 32));
        t.Union("task", 4, M("pid", Int, 0)); // another kind: not a candidate
        var r = One(Spec(l), Spec(t), flavored, "0:0", K.FieldByteOffset, Mov(0));
        Assert.That(r.Candidates.Select(c => c.Id), Is.EqualTo(new[] { a, b }));
        Assert.That(r.New, Is.EqualTo(4UL));
    }

    [Test]
    public void BitfieldsWidenTheLoadAndSkipValidationExceptSignedAndRshift()
    {
        var l = WithInts();
        uint bf = l.Struct("bf", 4, M("a", UInt, 0, 3), M("b", UInt, 3, 5));
        var t = WithInts();
        t.Struct("bf", 8, M("x", UInt, 0, 10), M("b", UInt, 30, 5));
        var (local, target) = (Spec(l), Spec(t));
        // target bits 30..34 do not fit the u32 at byte 0: the load doubles to 8 bytes
        Assert.That(One(local, target, bf, "0:1", K.FieldByteOffset, Mov(999)).New, Is.EqualTo(0UL));
        Assert.That(One(local, target, bf, "0:1", K.FieldByteSize, Mov(999)).New, Is.EqualTo(8UL));
        Assert.That(One(local, target, bf, "0:1", K.FieldLShiftU64, Mov(999)).New, Is.EqualTo(29UL));
        Assert.That(One(local, target, bf, "0:1", K.FieldRShiftU64, Mov(59)).New, Is.EqualTo(59UL));
        Assert.That(One(local, target, bf, "0:1", K.FieldRShiftU64, Mov(58)).Status, Is.EqualTo(CoreRelocationStatus.Error));
        Assert.That(One(local, target, bf, "0:1", K.FieldSigned, Mov(0)).New, Is.EqualTo(0UL));
    }

    [Test]
    public void ABitfieldNoLoadCanCoverIsAnError()
    {
        var l = WithInts();
        uint bf = l.Struct("bf", 8, M("b", ULong, 0, 5));
        var t = WithInts();
        t.Struct("bf", 16, M("b", ULong, 62, 5));
        var r = One(Spec(l), Spec(t), bf, "0:0", K.FieldByteOffset, Mov(0));
        Assert.That(r.Status, Is.EqualTo(CoreRelocationStatus.Error));
        Assert.That(r.Message, Does.Contain("can't be satisfied for bitfield").And.Contain("E2BIG"));
    }

    [Test]
    public void ArrayElementsAndBounds()
    {
        var l = WithInts();
        uint la = l.Array(Int, Int, 4);
        uint s = l.Struct("arr", 16, M("a", la, 0));
        var t = WithInts();
        uint ta = t.Array(Int, Int, 8);
        t.Struct("arr", 40, M("pad", Long, 0), M("a", ta, 64));
        var (local, target) = (Spec(l), Spec(t));
        var r = One(local, target, s, "0:0:2", K.FieldByteOffset, Load(AccessSize.Word, 8));
        Assert.That(r.New, Is.EqualTo(16UL));
        Assert.That(r.ReadablePath, Is.EqualTo("arr.a[2]"));
        Assert.That(One(local, target, s, "0:0:2", K.FieldByteSize, Mov(4)).New, Is.EqualTo(4UL));
        var shift = One(local, target, s, "0:0:2", K.FieldLShiftU64, Mov(0));
        Assert.That(shift.Message, Does.Contain("can't be applied to array access"));

        var small = WithInts();
        uint sa = small.Array(Int, Int, 2);
        small.Struct("arr", 8, M("a", sa, 0));
        var outOfBounds = One(local, Spec(small), s, "0:0:2", K.FieldByteOffset, Load(AccessSize.Word, 8));
        Assert.That(outOfBounds.Status, Is.EqualTo(CoreRelocationStatus.Poison));
        Assert.That(outOfBounds.Candidates.Single().Mismatch, Does.Contain("out of bounds"));
    }

    [Test]
    public void MembersAreFoundInsideAnonymousMembers()
    {
        var l = WithInts();
        uint s = l.Struct("anon", 4, M("flags", Int, 0));
        var t = WithInts();
        uint u = t.Union("", 4, M("y", Int, 0), M("flags", Int, 0));
        uint inner = t.Struct("", 8, M("z", Int, 0), M("", u, 32));
        uint ts = t.Struct("anon", 12, M("x", Int, 0), M("", inner, 32));
        var r = One(Spec(l), Spec(t), s, "0:0", K.FieldByteOffset, Mov(0));
        Assert.That(r.New, Is.EqualTo(8UL));
        Assert.That(r.Candidates.Single().Spec, Is.EqualTo($"[{ts}] struct anon.flags (0:1:1:1 @ offset 8)"));
    }

    [Test]
    public void IncompatibleFieldTypesDoNotMatch()
    {
        var l = WithInts();
        uint s = l.Struct("s", 8, M("p", l.Ptr(Int), 0));
        var t = WithInts();
        uint inner = t.Struct("inner", 8, M("q", Long, 0));
        t.Struct("s", 8, M("p", inner, 0));
        var r = One(Spec(l), Spec(t), s, "0:0", K.FieldByteOffset, Mov(0));
        Assert.That(r.Status, Is.EqualTo(CoreRelocationStatus.Poison));
        Assert.That(r.Candidates.Single().Mismatch, Does.Contain("incompatible type"));
    }

    [Test]
    public void EnumValuesAreSignExtendedAndMatchedByEssentialName()
    {
        var l = WithInts();
        uint e = l.Enum("e", 4, false, ("A", 1), ("B___old", 2));
        uint e64 = l.Enum64("big", 8, false, ("X", 0x1_0000_0000UL));
        var t = WithInts();
        t.Enum("e", 4, false, ("B", 7), ("A", -1));
        t.Enum64("big", 8, false, ("X", 0x5_0000_0001UL));
        var (local, target) = (Spec(l), Spec(t));
        var a = One(local, target, e, "0", K.EnumValueValue, Lddw(1));
        Assert.That(a.New, Is.EqualTo(ulong.MaxValue)); // -1 read as s32, sign-extended
        Assert.That(a.After, Is.EqualTo(InstructionCodec.Encode([Lddw(-1)])));
        Assert.That(One(local, target, e, "1", K.EnumValueValue, Mov(2)).New, Is.EqualTo(7UL));
        Assert.That(One(local, target, e64, "0", K.EnumValueValue, Lddw(0x1_0000_0000)).New, Is.EqualTo(0x5_0000_0001UL));
        Assert.That(One(local, target, e64, "0", K.EnumValueExists, Mov(1)).New, Is.EqualTo(1UL));
    }

    [Test]
    public void AnUnsigned32BitEnumeratorWithBit31CannotBeRelocatedFromAnLddw()
    {
        var l = WithInts();
        uint e = l.Enum("u", 4, false, ("U", unchecked((int)0xBBBBBBBB)));
        var t = WithInts();
        t.Enum("u", 4, false, ("U", unchecked((int)0xBBBBBBBB)));
        var r = One(Spec(l), Spec(t), e, "0", K.EnumValueValue, Lddw(0xBBBBBBBB));
        Assert.That(r.Status, Is.EqualTo(CoreRelocationStatus.Error));
        Assert.That(r.Message, Does.Contain("got 3149642683, exp 18446744072564227003"));
    }

    [Test]
    public void CandidatesThatDisagreeFailTheLoad()
    {
        var l = WithInts();
        uint s = l.Struct("s", 4, M("a", Int, 0));
        var offsets = WithInts();
        offsets.Struct("s", 4, M("a", Int, 0));
        offsets.Struct("s___2", 8, M("pad", Int, 0), M("a", Int, 32));
        var sizes = WithInts();
        sizes.Struct("s", 4, M("a", Int, 0));
        sizes.Struct("s___2", 8, M("a", Long, 0));
        var local = Spec(l);

        Assert.That(One(local, Spec(offsets), s, "0:0", K.FieldByteOffset, Mov(0)).Message, Does.Contain("field offset ambiguity: 32 != 0"));
        Assert.That(One(local, Spec(sizes), s, "0:0", K.FieldByteSize, Mov(4)).Message, Does.Contain("relocation decision ambiguity: success 8 != success 4"));
        // same offset, same answer: fine
        Assert.That(One(local, Spec(sizes), s, "0:0", K.FieldByteOffset, Mov(0)).Status, Is.EqualTo(CoreRelocationStatus.Ok));
        Assert.That(One(local, Spec(sizes), s, "0", K.TypeExists, Mov(1)).Status, Is.EqualTo(CoreRelocationStatus.Ok));
        Assert.That(One(local, Spec(sizes), s, "0", K.TargetTypeId, Mov(0)).Status, Is.EqualTo(CoreRelocationStatus.Error));
    }

    [Test]
    public void LoadsAreResizedOnlyForUnsignedIntsAndPointers()
    {
        var l = WithInts();
        uint m = l.Struct("m", 8, M("u", UInt, 0), M("i", Int, 32));
        var t = WithInts();
        t.Struct("m", 24, M("pad", ULong, 0), M("u", ULong, 64), M("i", Long, 128));
        var (local, target) = (Spec(l), Spec(t));
        var u = One(local, target, m, "0:0", K.FieldByteOffset, Load(AccessSize.Word, 0));
        Assert.That(u.Patch!.Label, Is.EqualTo("LDX/ST/STX mem_sz 4->8"));
        Assert.That(u.After, Is.EqualTo(InstructionCodec.Encode([Load(AccessSize.DoubleWord, 8)])));
        Assert.That(One(local, target, m, "0:1", K.FieldByteOffset, Load(AccessSize.Word, 4)).Status, Is.EqualTo(CoreRelocationStatus.Poison));
        // an immediate is simply patched
        Assert.That(One(local, target, m, "0:1", K.FieldByteOffset, Mov(4)).New, Is.EqualTo(16UL));
        // the instruction must access the local size
        Assert.That(One(local, target, m, "0:0", K.FieldByteOffset, Load(AccessSize.Half, 0)).Message, Does.Contain("unexpected mem size"));
    }

    [Test]
    public void InstructionsThatDoNotFitAreErrorsAndStopTheLoad()
    {
        var (local, task, target, _) = Task();
        var report = Run(local, target, [Mov(99), Mov(4)],
            Record(task, "0:1", K.FieldByteOffset, slot: 0, index: 0),
            Record(task, "0:1", K.FieldByteOffset, slot: 1, index: 1));
        Assert.That(report.Records[0].Message, Does.Contain("unexpected insn #0 (ALU/ALU64) value: got 99, exp 4 -> 20"));
        Assert.That(report.Records[1].Status, Is.EqualTo(CoreRelocationStatus.NotReached));
        Assert.That(report.Succeeded, Is.False);

        Assert.That(One(local, target, task, "0:1", K.FieldByteOffset, Instruction.Jump(0)).Message, Does.Contain("unrecognized insn"));
        Assert.That(One(local, target, task, "0:1", K.FieldByteOffset, Instruction.Mov64(Register.R0, Register.R1)).Status, Is.EqualTo(CoreRelocationStatus.Error));
        Assert.That(One(local, target, task, "0", K.TargetTypeId, Instruction.LoadImm64(Register.R1, 0, LoadImm64Kind.MapFd)).Message, Does.Contain("unexpected form"));
        Assert.That(One(local, target, task, "0:0", K.FieldByteOffset, Load(AccessSize.Word, 0)) is { Status: CoreRelocationStatus.Ok }, Is.True);
    }

    [Test]
    public void PruningMakesEarlierRecordsNarrowLaterOnes()
    {
        // libbpf selftest nesting___err_partial_match_dups: the first record keeps only 'p', so 'b' (only in
        // p___2) is no longer found by the second
        var l = WithInts();
        uint p = l.Struct("p", 8, M("a", Int, 0), M("b", Int, 32));
        var t = WithInts();
        uint first = t.Struct("p", 4, M("a", Int, 0));
        uint second = t.Struct("p___2", 4, M("b", Int, 0));
        var (local, target) = (Spec(l), Spec(t));

        var together = Run(local, target, [Mov(0), Mov(4)],
            Record(p, "0:0", K.FieldByteOffset, slot: 0, index: 0),
            Record(p, "0:1", K.FieldByteOffset, slot: 1, index: 1));
        Assert.That(together.Records[0].Matching.Select(c => c.Id), Is.EqualTo(new[] { first }));
        Assert.That(together.Records[1].Candidates.Select(c => c.Id), Is.EqualTo(new[] { first }));
        Assert.That(together.Records[1].Status, Is.EqualTo(CoreRelocationStatus.Poison));

        var alone = Run(local, target, [Mov(4)], Record(p, "0:1", K.FieldByteOffset));
        Assert.That(alone.Records[0].Matching.Select(c => c.Id), Is.EqualTo(new[] { second }));
        Assert.That(alone.Records[0].New, Is.EqualTo(0UL));
    }

    [Test]
    public void AnonymousRootsCannotBeSearchedButTheirLocalIdCanBeTaken()
    {
        var l = WithInts();
        uint anon = l.Struct("", 4, M("a", Int, 0));
        var local = Spec(l);
        var target = Spec(WithInts());
        Assert.That(One(local, target, anon, "0:0", K.FieldByteOffset, Mov(0)).Message, Does.Contain("anonymous"));
        Assert.That(One(local, target, anon, "0", K.LocalTypeId, Mov(0)).New, Is.EqualTo((ulong)anon));
    }

    [Test]
    public void RecordsOutsideEveryProgramAreSkippedAndUnloadedProgramsNotRelocated()
    {
        var (local, task, target, _) = Task();
        var programs = new[]
        {
            CoreProgram.FromInstructions("prog", "p", 0, [Mov(4), Instruction.Exit()]),
            CoreProgram.FromInstructions("?optional", "q", 0, [Mov(4), Instruction.Exit()], autoload: false),
        };
        var report = CoreRelocator.Relocate(local, [
            Record(task, "0:1", K.FieldByteOffset, slot: 7),
            Record(task, "0:1", K.FieldByteOffset, section: "?optional"),
            Record(task, "0:1", K.FieldByteOffset)], programs, target);
        Assert.That(report.Records.Select(r => r.Status), Is.EqualTo(new[] { CoreRelocationStatus.Skipped, CoreRelocationStatus.NotLoaded, CoreRelocationStatus.Ok }));
        Assert.That(report.Programs[1].Slots[0], Is.EqualTo(Mov(4)));
        Assert.That(report.Programs[0].Slots[0], Is.EqualTo(Mov(20)));
    }

    [Test]
    public void ModuleTypesAreSearchedOnlyWhenTheKernelHasNone()
    {
        var l = WithInts();
        uint mod = l.Struct("mod_s", 4, M("a", Int, 0));
        uint task = l.Struct("task", 4, M("pid", Int, 0));
        var local = Spec(l);
        var vb = WithInts();
        vb.Struct("task", 8, M("x", Int, 0), M("pid", Int, 32));
        var vmlinux = Spec(vb);
        var mb = new BtfBuilder(vmlinux);
        uint modS = mb.Struct("mod_s", 8, M("x", Long, 0), M("a", Int, 64));
        uint modTask = mb.Struct("task", 4, M("pid", Int, 0));
        var module = BtfSpec.Parse(mb.ToArray(), vmlinux, "mod.ko");

        var m = One(local, module, mod, "0:0", K.FieldByteOffset, Mov(0));
        Assert.That((m.New, m.Candidates.Single().Id, m.Candidates.Single().BtfName), Is.EqualTo(((ulong?)8, modS, "mod.ko")));
        var k = One(local, module, task, "0:0", K.FieldByteOffset, Mov(0));
        Assert.That(k.Candidates.Select(c => c.Id), Does.Not.Contain(modTask));
        Assert.That(k.New, Is.EqualTo(4UL));
    }

    [Test]
    public void TsvRowsHaveTheCommandsColumns()
    {
        var (local, task, target, _) = Task();
        var report = Run(local, target, [Load(AccessSize.Word, 4)], Record(task, "0:1", K.FieldByteOffset));
        Assert.That(report.TsvRows().Single(), Is.EqualTo("t\tprog\t0\t0\tbyte_off\tstruct task\t0:1\tok\t4\t20\t6110140000000000"));
    }
}
