namespace BtfNotebooks.Asm.Text;

// The instruction forms, one method per shape of line.
internal sealed partial class LlvmStatementParser
{
    private static readonly Dictionary<string, (AluOperation Op, short Offset)> CompoundAssignments = new()
    {
        ["+="] = (AluOperation.Add, 0), ["-="] = (AluOperation.Sub, 0), ["*="] = (AluOperation.Mul, 0),
        ["/="] = (AluOperation.Div, 0), ["%="] = (AluOperation.Mod, 0), ["&="] = (AluOperation.And, 0),
        ["|="] = (AluOperation.Or, 0), ["^="] = (AluOperation.Xor, 0), ["<<="] = (AluOperation.Lsh, 0),
        [">>="] = (AluOperation.Rsh, 0), ["s>>="] = (AluOperation.Arsh, 0), ["s/="] = (AluOperation.Div, 1),
        ["s%="] = (AluOperation.Mod, 1),
    };

    private static readonly Dictionary<string, JumpOperation> Comparisons = new()
    {
        ["=="] = JumpOperation.Jeq, ["!="] = JumpOperation.Jne, [">"] = JumpOperation.Jgt, [">="] = JumpOperation.Jge,
        ["<"] = JumpOperation.Jlt, ["<="] = JumpOperation.Jle, ["s>"] = JumpOperation.Jsgt, ["s>="] = JumpOperation.Jsge,
        ["s<"] = JumpOperation.Jslt, ["s<="] = JumpOperation.Jsle, ["&"] = JumpOperation.Jset,
    };

    private static readonly Dictionary<string, AtomicOperation> LockOperations = new()
    {
        ["+="] = AtomicOperation.Add, ["&="] = AtomicOperation.And, ["|="] = AtomicOperation.Or, ["^="] = AtomicOperation.Xor,
    };

    private static readonly Dictionary<string, AtomicOperation> FetchOperations = new()
    {
        ["add"] = AtomicOperation.FetchAdd, ["and"] = AtomicOperation.FetchAnd, ["or"] = AtomicOperation.FetchOr, ["xor"] = AtomicOperation.FetchXor,
    };

    // ---- rD ... ----

    private LlvmStatement ParseRegisterStatement(ParsedRegister dst, LlvmToken dstToken)
    {
        var op = Peek;
        if (op.Is("=")) { Next(); return ParseAssignment(dst, dstToken); }
        if (op.Kind == LlvmTokenKind.Symbol && CompoundAssignments.TryGetValue(op.Text, out var alu))
        {
            Next();
            string context = $"after '{op.Text}'";
            if (ParseRegister(Peek) is not null)
            {
                var src = ExpectRegister(dst.Is32, context);
                return Done(dst.Is32 ? Instruction.Alu32(alu.Op, dst.Register, src, alu.Offset) : Instruction.Alu64(alu.Op, dst.Register, src, alu.Offset));
            }
            if (!AtNumber && !AtCore) throw Error(Peek, $"expected a register ({(dst.Is32 ? "w0-w10" : "r0-r10")}) or an immediate {context}");
            int imm = AtCore ? TakeCore() : ExpectImm32(context);
            return Done(dst.Is32 ? Instruction.Alu32(alu.Op, dst.Register, imm, alu.Offset) : Instruction.Alu64(alu.Op, dst.Register, imm, alu.Offset));
        }
        throw Error(op, $"expected '=' or a compound assignment ('+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=', 's>>=', 's/=', 's%=') after '{dstToken.Text}'");
    }

    private static LlvmStatement Done(Instruction insn, LlvmLabelReference? target = null) => new(insn, target, 0);

    private LlvmStatement ParseAssignment(ParsedRegister dst, LlvmToken dstToken)
    {
        var t = Peek;
        const string context = "after '='";
        if (t.Is("-") && ParseRegister(PeekAt(1)) is not null)
        {
            Next();
            var srcToken = Peek;
            var src = ExpectRegister(dst.Is32, "after '-'");
            if (src != dst.Register) throw new LlvmSyntaxError(srcToken.Column, $"negation must name its destination again ('{dstToken.Text} = -{dstToken.Text}'), found '{srcToken.Text}'");
            return Done(dst.Is32 ? Instruction.Alu32(AluOperation.Neg, dst.Register, 0) : Instruction.Alu64(AluOperation.Neg, dst.Register, 0));
        }
        if (AtNumber || AtCore) return ParseMoveImmediate(dst, dstToken);
        if (ParseRegister(t) is not null)
        {
            var src = ExpectRegister(dst.Is32, context);
            return Done(dst.Is32 ? Instruction.Alu32(AluOperation.Mov, dst.Register, src) : Instruction.Mov64(dst.Register, src));
        }
        if (t.Is("(")) return ParseSignExtendingMove(dst);
        if (t.Is("*")) return ParseLoad(dst);
        if (t.Kind == LlvmTokenKind.Identifier)
        {
            string name = t.Text;
            if (ByteSwap(name) is { } swap) return ParseByteSwap(dst, dstToken, swap);
            if (name is "map" or "btf" or "func") return ParseLoadImm64Kind(dst, dstToken);
            if (name.StartsWith("atomic", StringComparison.Ordinal) || name.Contains("xchg", StringComparison.Ordinal)) return ParseAtomicCall(dst, dstToken);
        }
        throw Error(t, $"expected a register, an immediate, '-reg', '(s8)reg', 'be16 reg'/'le32 reg'/'bswap64 reg', a load '*(u32 *)(reg + off)', 'map[...]' or an atomic call {context}");
    }

    private LlvmStatement ParseMoveImmediate(ParsedRegister dst, LlvmToken dstToken)
    {
        var (value, at) = AtCore ? (TakeCore(), Peek) : ExpectNumber("expected an immediate after '='");
        bool ll = Accept("ll");
        if (ll || _forceWide)
        {
            if (dst.Is32) throw new LlvmSyntaxError(dstToken.Column, $"a 64-bit immediate load needs a 64-bit register (r0-r10), found '{dstToken.Text}'");
            return Done(Instruction.LoadImm64(dst.Register, ToImm64(value, at)));
        }
        if (value < int.MinValue || value > uint.MaxValue)
            throw new LlvmSyntaxError(at.Column, $"immediate {value} does not fit in 32 bits; write '{dstToken.Text} = {value} ll' for a 64-bit load");
        int imm = ToImm32(value, at, "immediate");
        return Done(dst.Is32 ? Instruction.Alu32(AluOperation.Mov, dst.Register, imm) : Instruction.Mov64(dst.Register, imm));
    }

    private LlvmStatement ParseSignExtendingMove(ParsedRegister dst)
    {
        Next();
        var width = Peek;
        short bits = width.Text switch { "s8" => 8, "s16" => 16, "s32" => 32, _ => 0 };
        if (bits == 0 || (bits == 32 && dst.Is32))
            throw Error(width, dst.Is32 ? "expected 's8' or 's16' in a 32-bit sign-extending move" : "expected 's8', 's16' or 's32' in a sign-extending move");
        Next();
        Expect(")", $"after '{width.Text}'");
        var src = ExpectRegister(dst.Is32, $"after '({width.Text})'");
        return Done(dst.Is32 ? Instruction.Alu32(AluOperation.Mov, dst.Register, src, bits) : Instruction.Alu64(AluOperation.Mov, dst.Register, src, bits));
    }

    private static (bool Bswap, bool Big, int Bits)? ByteSwap(string name)
    {
        foreach (var (prefix, bswap, big) in new[] { ("bswap", true, false), ("be", false, true), ("le", false, false) })
            if (name.StartsWith(prefix, StringComparison.Ordinal) && name[prefix.Length..] is "16" or "32" or "64")
                return (bswap, big, int.Parse(name[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture));
        return null;
    }

    private LlvmStatement ParseByteSwap(ParsedRegister dst, LlvmToken dstToken, (bool Bswap, bool Big, int Bits) swap)
    {
        var name = Next();
        if (dst.Is32) throw new LlvmSyntaxError(dstToken.Column, $"byte swaps are written on 64-bit registers ('r0 = {name.Text} r0'), found '{dstToken.Text}'");
        var srcToken = Peek;
        var src = ExpectRegister(false, $"after '{name.Text}'");
        if (src != dst.Register) throw new LlvmSyntaxError(srcToken.Column, $"a byte swap works in place: expected '{dstToken.Text}' after '{name.Text}', found '{srcToken.Text}'");
        var cls = swap.Bswap ? InstructionClass.Alu64 : InstructionClass.Alu;
        var source = swap.Big ? OperandSource.Register : OperandSource.Immediate;
        return Done(new Instruction((byte)((byte)cls | (byte)source | (byte)AluOperation.End), dst.Register, 0, 0, swap.Bits));
    }

    // ---- Memory operands ----

    /// <summary><c>*(u32 *)(r1 + 4)</c>, from the '*'. Returns size, signedness, base register and offset.</summary>
    private (AccessSize Size, bool Signed, Register Base, short Offset) ParseMemory(bool allowSigned)
    {
        Expect("*", "to start a memory operand '*(u32 *)(reg + off)'");
        var (size, signed) = ParseSizeCast(allowSigned);
        var (reg, offset) = ParseBaseOffset(parenthesized: true);
        return (size, signed, reg, offset);
    }

    /// <summary><c>(u32 *)</c>.</summary>
    private (AccessSize Size, bool Signed) ParseSizeCast(bool allowSigned)
    {
        Expect("(", "to start a size cast '(u32 *)'");
        var t = Peek;
        bool signed = t.Text.StartsWith('s');
        AccessSize? size = t.Kind == LlvmTokenKind.Identifier && t.Text.Length > 1 && t.Text[0] is 'u' or 's' ? t.Text[1..] switch
        {
            "8" => AccessSize.Byte, "16" => AccessSize.Half, "32" => AccessSize.Word, "64" => AccessSize.DoubleWord, _ => null,
        } : null;
        if (size is null || (signed && (!allowSigned || size == AccessSize.DoubleWord)))
            throw Error(t, allowSigned ? "expected an access size (u8, u16, u32, u64, s8, s16, s32)" : "expected an access size (u8, u16, u32, u64)");
        Next();
        Expect("*", $"after '{t.Text}'");
        Expect(")", $"after '{t.Text} *'");
        return (size.Value, signed);
    }

    /// <summary><c>(r1 + 4)</c>, <c>(r10 - 0x8)</c>, the kernel's <c>(r10 -8)</c>; without parentheses for xchg/cmpxchg.</summary>
    private (Register Base, short Offset) ParseBaseOffset(bool parenthesized)
    {
        if (parenthesized) Expect("(", "before the base register");
        var reg = ExpectRegister(false, "as the base of a memory operand");
        short offset = 0;
        if (Peek.Is("+") || Peek.Is("-"))
        {
            var sign = Next();
            if (AtCore)
            {
                if (sign.Text == "-") throw Error(Peek, "a %core offset is added to the base: write '+ %core(...)'");
                offset = (short)TakeCore();
                if (parenthesized) Expect(")", "after the offset");
                return (reg, offset);
            }
            if (Peek.Kind != LlvmTokenKind.Number) throw Error(Peek, $"expected an offset after '{sign.Text}'");
            var value = (Int128)Next().Value;
            offset = ToOffset(sign.Text == "-" ? -value : value, sign, "offset");
        }
        else if (!(parenthesized ? Peek.Is(")") : Peek.Is(",")))
            throw Error(Peek, "expected '+ offset' or '- offset' after the base register");
        if (parenthesized) Expect(")", "after the offset");
        return (reg, offset);
    }

    private LlvmStatement ParseLoad(ParsedRegister dst)
    {
        var (size, signed, src, offset) = ParseMemory(allowSigned: true);
        if (dst.Is32 && size == AccessSize.DoubleWord) throw new LlvmSyntaxError(_tokens[0].Column, "a 64-bit load needs a 64-bit destination register (r0-r10)");
        return Done(Instruction.LoadMemory(size, dst.Register, src, offset, signed));
    }

    private LlvmStatement ParseStore()
    {
        var (size, _, dst, offset) = ParseMemory(allowSigned: false);
        Expect("=", "after the memory operand");
        if (ParseRegister(Peek) is not null)
        {
            var src = ExpectRegister(false, "to store", eitherWidth: size != AccessSize.DoubleWord);
            return Done(Instruction.StoreRegister(size, dst, offset, src));
        }
        if (!AtNumber) throw Error(Peek, "expected a register or an immediate after '='");
        return Done(Instruction.StoreImmediate(size, dst, offset, ExpectImm32("to store")));
    }
}
