namespace BtfNotebooks.Asm.Text;

// Jumps, calls, atomics and the lddw kinds.
internal sealed partial class LlvmStatementParser
{
    /// <summary>
    /// A jump or call target: <c>+3</c>, <c>-0x2</c>, <c>3</c>, the kernel's <c>pc+3</c>, or a label. objdump's
    /// <c>&lt;func+0x80&gt;</c> annotation after it is skipped: the relative number is what the bytes hold.
    /// </summary>
    private (int Displacement, LlvmLabelReference? Label) ParseTarget(string context, LlvmTargetKind kind, bool wide)
    {
        LlvmToken t = Peek;
        int displacement = 0;
        LlvmLabelReference? label = null;
        if (t.Kind == LlvmTokenKind.Identifier && t.Text == "pc" && (PeekAt(1).Is("+") || PeekAt(1).Is("-")))
        {
            Next();
            displacement = ParseDisplacement(wide);
        }
        else if (AtNumber) displacement = ParseDisplacement(wide);
        else if (t.Kind == LlvmTokenKind.Identifier && ParseRegister(t) is null)
        {
            Next();
            label = new LlvmLabelReference(t.Text, t.Column, kind);
        }
        else throw Error(t, $"expected a target ('+N', '-N', 'pc+N' or a label) {context}");
        if (Peek.Is("<"))
            while (Peek.Kind != LlvmTokenKind.End && !Next().Is(">")) { }
        return (displacement, label);
    }

    private int ParseDisplacement(bool wide)
    {
        var (value, at) = ExpectNumber("expected a number");
        return wide ? ToImm32(value, at, "target") : ToOffset(value, at, "jump offset");
    }

    private LlvmStatement ParseJump(Instruction shape)
    {
        var keyword = Next();
        var (displacement, label) = ParseTarget($"after '{keyword.Text}'", LlvmTargetKind.Branch, shape.IsLongJump);
        return Done(shape.WithBranchDisplacement(displacement), label);
    }

    private LlvmStatement ParseConditional()
    {
        Next();
        var left = ExpectRegister("after 'if'");
        var op = Peek;
        if (op.Kind != LlvmTokenKind.Symbol || !Comparisons.TryGetValue(op.Text, out var jump))
            throw Error(op, "expected a comparison ('==', '!=', '>', '>=', '<', '<=', 's>', 's>=', 's<', 's<=', '&')");
        Next();
        Instruction insn;
        if (ParseRegister(Peek) is not null)
            insn = Instruction.Branch(jump, left.Register, ExpectRegister(left.Is32, $"after '{op.Text}'"), 0, left.Is32);
        else if (AtNumber)
            insn = Instruction.Branch(jump, left.Register, ExpectImm32($"after '{op.Text}'"), 0, left.Is32);
        else throw Error(Peek, $"expected a register ({(left.Is32 ? "w0-w10" : "r0-r10")}) or an immediate after '{op.Text}'");
        if (!Peek.Is("goto")) throw Error(Peek, "expected 'goto' after the comparison");
        Next();
        var (displacement, label) = ParseTarget("after 'goto'", LlvmTargetKind.Branch, wide: false);
        return Done(insn.WithBranchDisplacement(displacement), label);
    }

    /// <summary>
    /// <c>call 5</c> (helper), <c>call -1</c>/<c>call +3</c>/<c>call pc+3</c>/<c>call label</c> (bpf-to-bpf: a signed
    /// number is relative, as objdump prints an unrelocated local call), <c>call name#5</c> (the kernel's helper
    /// spelling), <c>call kfunc#N</c> (kernel function by BTF ID).
    /// </summary>
    private LlvmStatement ParseCall()
    {
        Next();
        var t = Peek;
        if (t.Kind == LlvmTokenKind.Number)
            return Done(Instruction.Call(ExpectImm32("after 'call'"), CallKind.Helper));
        if (t.Kind == LlvmTokenKind.Identifier && PeekAt(1).Is("#"))
        {
            Next();
            Next();
            var kind = t.Text is "kfunc" or "kernel_function" ? CallKind.Kfunc : CallKind.Helper;
            return Done(Instruction.Call(ExpectImm32($"after '{t.Text}#'"), kind));
        }
        if (t.Is("+") || t.Is("-") || t.Kind == LlvmTokenKind.Identifier)
        {
            var (displacement, label) = ParseTarget("after 'call'", LlvmTargetKind.LocalCall, wide: true);
            return Done(Instruction.Call(displacement, CallKind.Local), label);
        }
        throw Error(t, "expected a helper number, a relative target ('-1', 'pc+3'), a label or 'kfunc#ID' after 'call'");
    }

    private LlvmStatement ParseCallRegister()
    {
        Next();
        return Done(Instruction.CallRegister(ExpectRegister(false, "after 'callx'")));
    }

    private LlvmStatement ParseLock()
    {
        Next();
        var (size, _, dst, offset) = ParseMemory(allowSigned: false);
        var op = Peek;
        if (op.Kind != LlvmTokenKind.Symbol || !LockOperations.TryGetValue(op.Text, out var atomic))
            throw Error(op, "expected '+=', '&=', '|=' or '^=' after the memory operand of 'lock'");
        Next();
        var src = ExpectRegister(false, $"after '{op.Text}'", eitherWidth: size != AccessSize.DoubleWord);
        return Done(Instruction.Atomic(size, atomic, dst, offset, src));
    }

    /// <summary>
    /// <c>r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)</c>, <c>r1 = xchg_64(r10 - 8, r1)</c>,
    /// <c>r0 = cmpxchg_64(r10 - 8, r0, r1)</c>, the 32-bit <c>xchg32_32</c>/<c>cmpxchg32_32</c>, and the kernel's
    /// <c>atomic64_fetch_add</c>, <c>atomic64_xchg((u64 *)(...), r1)</c>, <c>atomic_cmpxchg</c>.
    /// </summary>
    private LlvmStatement ParseAtomicCall(ParsedRegister dst, LlvmToken dstToken)
    {
        var name = Next();
        string n = name.Text;
        AccessSize? sizeFromName = n switch
        {
            "xchg_64" or "cmpxchg_64" => AccessSize.DoubleWord,
            "xchg32_32" or "cmpxchg32_32" => AccessSize.Word,
            _ => null,
        };
        AtomicOperation op;
        string stem = n.Replace("atomic64_", "", StringComparison.Ordinal).Replace("atomic_", "", StringComparison.Ordinal);
        if (stem.StartsWith("fetch_", StringComparison.Ordinal) && FetchOperations.TryGetValue(stem["fetch_".Length..], out var fetch)) op = fetch;
        else if (stem is "xchg" or "xchg_64" or "xchg32_32") op = AtomicOperation.Xchg;
        else if (stem is "cmpxchg" or "cmpxchg_64" or "cmpxchg32_32") op = AtomicOperation.Cmpxchg;
        else throw Error(name, "expected atomic_fetch_add/and/or/xor, xchg_64, xchg32_32, cmpxchg_64 or cmpxchg32_32");
        Expect("(", $"after '{n}'");
        AccessSize size;
        Register baseReg;
        short offset;
        if (Peek.Is("("))
        {
            (size, _) = ParseSizeCast(allowSigned: false);
            (baseReg, offset) = ParseBaseOffset(parenthesized: true);
            if (sizeFromName is { } s && s != size) throw new LlvmSyntaxError(name.Column, $"'{n}' is {(s == AccessSize.Word ? "32" : "64")}-bit but the operand is not");
        }
        else
        {
            size = sizeFromName ?? throw Error(Peek, $"expected a memory operand '(u64 *)(reg + off)' after '{n}('");
            (baseReg, offset) = ParseBaseOffset(parenthesized: false);
        }
        if (size is not (AccessSize.Word or AccessSize.DoubleWord)) throw new LlvmSyntaxError(name.Column, "atomic operations are 32 or 64 bits wide (u32, u64)");
        bool is32 = size == AccessSize.Word;
        if (!is32 && dst.Is32) throw new LlvmSyntaxError(dstToken.Column, $"a 64-bit atomic needs a 64-bit register (r0-r10), found '{dstToken.Text}'");
        Expect(",", "after the memory operand");
        if (op == AtomicOperation.Cmpxchg)
        {
            if (dst.Register != Register.R0) throw new LlvmSyntaxError(dstToken.Column, $"cmpxchg returns in r0/w0, found '{dstToken.Text}'");
            var expected = Peek;
            if (ExpectRegister(is32, "(the compared value, r0/w0)", eitherWidth: is32) != Register.R0)
                throw new LlvmSyntaxError(expected.Column, $"cmpxchg compares with r0/w0, found '{expected.Text}'");
            Expect(",", "after the compared register");
        }
        var srcToken = Peek;
        var src = ExpectRegister(is32, "as the atomic's operand", eitherWidth: is32);
        if (op != AtomicOperation.Cmpxchg && src != dst.Register)
            throw new LlvmSyntaxError(srcToken.Column, $"'{n}' returns the old value in its operand register: expected '{dstToken.Text}', found '{srcToken.Text}'");
        Expect(")", $"to close '{n}('");
        return Done(Instruction.Atomic(size, op, baseReg, offset, src));
    }

    /// <summary>
    /// lddw of a non-constant (the src kinds llvm has no spelling for): <c>map[fd:N]</c> (1), <c>map[fd:N][0]+M</c> (2),
    /// <c>btf[id:N]</c> and <c>btf[id:N]+M</c> (3), <c>func[pc+N]</c>/<c>func[label]</c> (4), <c>map[idx:N]</c> (5),
    /// <c>map[idx:N][0]+M</c> (6). bpftool's <c>map[id:N]</c>/<c>map[id:N][0]+M</c> read as the fd kinds with the
    /// id in the fd's place: a dump of a loaded program re-assembles to the shape a loader would submit.
    /// </summary>
    private LlvmStatement ParseLoadImm64Kind(ParsedRegister dst, LlvmToken dstToken)
    {
        if (dst.Is32) throw new LlvmSyntaxError(dstToken.Column, $"a 64-bit immediate load needs a 64-bit register (r0-r10), found '{dstToken.Text}'");
        var name = Next();
        Expect("[", $"after '{name.Text}'");
        if (name.Text == "func")
        {
            var (displacement, label) = ParseTarget("in 'func[...]'", LlvmTargetKind.FunctionAddress, wide: true);
            Expect("]", "to close 'func['");
            Accept("ll");
            return Done(Instruction.LoadImm64(dst.Register, (uint)displacement, LoadImm64Kind.Function), label);
        }
        var tag = Peek;
        string[] tags = name.Text == "map" ? ["fd", "id", "idx"] : ["id"];
        if (tag.Kind != LlvmTokenKind.Identifier || !tags.Contains(tag.Text))
            throw Error(tag, $"expected {string.Join(" or ", tags.Select(x => $"'{x}:'"))} after '{name.Text}['");
        Next();
        Expect(":", $"after '{tag.Text}'");
        int imm = ExpectImm32($"after '{tag.Text}:'");
        Expect("]", $"to close '{name.Text}['");
        bool value = false;
        if (name.Text == "map" && Peek.Is("["))
        {
            Next();
            var zero = Peek;
            if (zero.Kind != LlvmTokenKind.Number || zero.Value != 0) throw Error(zero, "expected '0' in the map value's '[0]'");
            Next();
            Expect("]", "after '[0'");
            value = true;
        }
        int next = 0;
        if (value || (name.Text == "btf" && Peek.Is("+")))
        {
            Expect("+", value ? "and the offset into the map value after '[0]'" : "before the second word");
            next = ExpectImm32("after '+'");
        }
        Accept("ll");
        var kind = (name.Text, tag.Text == "idx", value) switch
        {
            ("btf", _, _) => LoadImm64Kind.BtfId,
            (_, false, false) => LoadImm64Kind.MapFd,
            (_, false, true) => LoadImm64Kind.MapValue,
            (_, true, false) => LoadImm64Kind.MapIndex,
            _ => LoadImm64Kind.MapIndexValue,
        };
        return Done(Instruction.LoadImm64(dst.Register, (uint)imm | ((long)next << 32), kind));
    }

    /// <summary>objdump's <c>&lt;unknown&gt;</c> (its bytes column decides) and the formatter's <c>&lt;invalid: ...&gt;</c>.</summary>
    private LlvmStatement ParseBracketed()
    {
        var open = Next();
        var word = Peek;
        if (word.Is("unknown") && PeekAt(1).Is(">"))
        {
            Next();
            Next();
            return new LlvmStatement(null, null, 0);
        }
        if (word.Is("invalid"))
            throw new LlvmSyntaxError(open.Column, "this line stands for an invalid instruction (it was printed from an encoding the validator rejects); it does not assemble");
        throw Error(word, "expected an instruction");
    }
}
