namespace BtfNotebooks.Asm.Text;

/// <summary>One encoded line: the instruction and, when its target is a label, that label (the displacement is patched later).</summary>
internal readonly record struct ConformanceStatement(Instruction Instruction, ConformanceTarget? PendingLabel = null);

/// <summary>
/// Encodes one conformance-syntax instruction from its mnemonic and operand words. Errors throw
/// <see cref="ConformanceLineException"/> with bpf_conformance's phrase ("Invalid mnemonic", "Invalid number of
/// operands", "Invalid register", ...) followed by what was expected.
/// </summary>
internal static class ConformanceEncoder
{
    public static ConformanceStatement Encode(ConformanceToken mnemonic, IReadOnlyList<ConformanceToken> ops)
    {
        string m = mnemonic.Text.ToLowerInvariant();
        switch (m)
        {
            case "exit":
                ExpectOperands(mnemonic, ops, 0, "exit");
                return new(Instruction.Exit());
            case "lddw":
                return LoadImm64(mnemonic, ops);
            case "ja":
                ExpectOperands(mnemonic, ops, 1, "ja +N|-N|label");
                return WithTarget(Instruction.Jump(0), ConformanceOperands.Target(ops[0], wide: false));
            case "ja32":
                ExpectOperands(mnemonic, ops, 1, "ja32 +N|-N|label (gotol: 32-bit target in imm)");
                return WithTarget(Instruction.LongJump(0), ConformanceOperands.Target(ops[0], wide: true));
            case "may_goto":
                ExpectOperands(mnemonic, ops, 1, "may_goto +N|-N|label");
                return WithTarget(MayGoto, ConformanceOperands.Target(ops[0], wide: false));
            case "call":
                return Call(mnemonic, ops);
            case "lock":
                return Lock(mnemonic, ops);
            case ConformanceMnemonics.Invalid:
                throw new ConformanceLineException(mnemonic.Column,
                    $"Invalid mnemonic: {ConformanceMnemonics.Invalid} marks an encoding that is not a valid instruction (the disassembler's placeholder); it does not assemble");
        }
        return Memory(m, mnemonic, ops)
            ?? ByteSwap(m, mnemonic, ops)
            ?? Arithmetic(m, mnemonic, ops)
            ?? ConditionalJump(m, mnemonic, ops)
            ?? throw new ConformanceLineException(mnemonic.Column, $"Invalid mnemonic: {mnemonic.Text} (expected an ALU, load/store, jump, call, lock, lddw or exit mnemonic)");
    }

    /// <summary>may_goto (kernel extension, not in bpf_conformance): JMP|JCOND with the target in offset.</summary>
    private static readonly Instruction MayGoto = new((byte)((byte)InstructionClass.Jmp | (byte)JumpOperation.Jcond), Register.R0, Register.R0, 0, 0);

    private static void ExpectOperands(ConformanceToken mnemonic, IReadOnlyList<ConformanceToken> ops, int count, string usage)
    {
        if (ops.Count != count)
            throw new ConformanceLineException(mnemonic.Column,
                $"Invalid number of operands for {mnemonic.Text}: expected {count} ({usage}), found {ops.Count}");
    }

    private static ConformanceStatement WithTarget(Instruction insn, ConformanceTarget target)
    {
        if (target.Label is not null) return new(insn, target);
        return insn.IsBranch ? new(insn.WithBranchDisplacement(target.Displacement)) : new(insn with { Imm = target.Displacement });
    }

    private static ConformanceStatement LoadImm64(ConformanceToken mnemonic, IReadOnlyList<ConformanceToken> ops)
    {
        const string usage = "lddw %rD, imm64 or lddw %rD, map_fd|map_value|btf_id|func|map_idx|map_idx_value imm[, imm2]";
        if (ops.Count is < 2 or > 4) ExpectOperands(mnemonic, ops, 2, usage);
        var dst = ConformanceOperands.Register(ops[0]);
        bool hasKind = ConformanceMnemonics.LoadImm64Kinds.TryGetValue(ops[1].Text.ToLowerInvariant(), out var kind);
        if (ops.Count == 2)
        {
            if (hasKind) ExpectOperands(mnemonic, ops, 3, usage);
            return new(Instruction.LoadImm64(dst, ConformanceNumbers.Imm64(ops[1])));
        }
        if (!hasKind)
            throw new ConformanceLineException(ops[1].Column,
                $"Invalid lddw source kind '{ops[1].Text}': expected map_fd, map_value, btf_id, func, map_idx or map_idx_value before the immediate");
        int next = ops.Count == 4 ? ConformanceNumbers.Imm32(ops[3]) : 0;
        var insn = new Instruction(Instruction.LoadImm64Opcode, dst, (Register)kind, 0, 0, next);
        if (kind == LoadImm64Kind.Function)
            return WithTarget(insn, ConformanceOperands.Target(ops[2], wide: true));
        return new(insn with { Imm = ConformanceNumbers.Imm32(ops[2]) });
    }

    private static ConformanceStatement Call(ConformanceToken mnemonic, IReadOnlyList<ConformanceToken> ops)
    {
        const string usage = "call N, call helper N, call local +N|label, call runtime N or call %rN";
        if (ops.Count == 1)
            return ConformanceOperands.LooksLikeRegister(ops[0])
                ? new(Instruction.CallRegister(ConformanceOperands.Register(ops[0])))
                : new(Instruction.Call(ConformanceNumbers.Imm32(ops[0])));
        ExpectOperands(mnemonic, ops, 2, usage);
        switch (ops[0].Text.ToLowerInvariant())
        {
            case "helper":
                return ConformanceOperands.LooksLikeRegister(ops[1])
                    ? new(Instruction.CallRegister(ConformanceOperands.Register(ops[1])))
                    : new(Instruction.Call(ConformanceNumbers.Imm32(ops[1])));
            case "local":
                return WithTarget(Instruction.Call(0, CallKind.Local), ConformanceOperands.Target(ops[1], wide: true));
            case "runtime":
                return new(Instruction.Call(ConformanceNumbers.Imm32(ops[1]), CallKind.Kfunc));
            default:
                throw new ConformanceLineException(ops[0].Column, $"Invalid call mode '{ops[0].Text}': expected helper, local or runtime");
        }
    }

    private static ConformanceStatement Lock(ConformanceToken mnemonic, IReadOnlyList<ConformanceToken> ops)
    {
        bool fetch = ops.Count > 0 && ops[0].Text.Equals("fetch", StringComparison.OrdinalIgnoreCase);
        int first = fetch ? 1 : 0;
        if (ops.Count - first != 3)
            throw new ConformanceLineException(mnemonic.Column,
                $"Invalid number of operands for lock: expected lock [fetch] add|and|or|xor|xchg|cmpxchg[32] [%rD+off], %rS, found {ops.Count} word(s) after lock");
        var opToken = ops[first];
        string op = opToken.Text.ToLowerInvariant();
        bool is32 = op.EndsWith("32", StringComparison.Ordinal);
        string name = is32 || op.EndsWith("64", StringComparison.Ordinal) ? op[..^2] : op;
        if (!ConformanceMnemonics.Atomics.TryGetValue(name, out var atomic))
            throw new ConformanceLineException(opToken.Column, $"Invalid mnemonic: lock {opToken.Text} (expected add, and, or, xor, xchg or cmpxchg, with an optional 32 suffix)");
        // xchg and cmpxchg always fetch; "fetch" is redundant but accepted there.
        if (fetch) atomic |= (AtomicOperation)1;
        var (dst, offset) = ConformanceOperands.Memory(ops[first + 1]);
        var src = ConformanceOperands.Register(ops[first + 2]);
        return new(Instruction.Atomic(is32 ? AccessSize.Word : AccessSize.DoubleWord, atomic, dst, offset, src));
    }

    private static ConformanceStatement? Memory(string m, ConformanceToken mnemonic, IReadOnlyList<ConformanceToken> ops)
    {
        foreach (string prefix in (string[])["ldxs", "ldx", "stx", "st"])
        {
            if (!m.StartsWith(prefix, StringComparison.Ordinal)) continue;
            if (!ConformanceMnemonics.Sizes.TryGetValue(m[prefix.Length..], out var size) || (prefix == "ldxs" && size == AccessSize.DoubleWord))
                continue;
            switch (prefix)
            {
                case "ldx" or "ldxs":
                {
                    ExpectOperands(mnemonic, ops, 2, $"{m} %rD, [%rS+off]");
                    var dst = ConformanceOperands.Register(ops[0]);
                    var (src, offset) = ConformanceOperands.Memory(ops[1]);
                    return new(Instruction.LoadMemory(size, dst, src, offset, signExtend: prefix == "ldxs"));
                }
                case "st":
                {
                    ExpectOperands(mnemonic, ops, 2, $"{m} [%rD+off], imm");
                    var (dst, offset) = ConformanceOperands.Memory(ops[0]);
                    return new(Instruction.StoreImmediate(size, dst, offset, ConformanceNumbers.Imm32(ops[1])));
                }
                default:
                {
                    ExpectOperands(mnemonic, ops, 2, $"{m} [%rD+off], %rS");
                    var (dst, offset) = ConformanceOperands.Memory(ops[0]);
                    return new(Instruction.StoreRegister(size, dst, offset, ConformanceOperands.Register(ops[1])));
                }
            }
        }
        return null;
    }

    /// <summary>le16/32/64 and be16/32/64 (ALU, to that byte order), swap/bswap16/32/64 (ALU64, unconditional).</summary>
    private static ConformanceStatement? ByteSwap(string m, ConformanceToken mnemonic, IReadOnlyList<ConformanceToken> ops)
    {
        foreach (string prefix in (string[])["le", "be", "swap", "bswap"])
        {
            if (!m.StartsWith(prefix, StringComparison.Ordinal)) continue;
            string width = m[prefix.Length..];
            if (width is not ("16" or "32" or "64")) continue;
            ExpectOperands(mnemonic, ops, 1, $"{m} %rD");
            var dst = ConformanceOperands.Register(ops[0]);
            int bits = int.Parse(width, System.Globalization.CultureInfo.InvariantCulture);
            var insn = prefix switch
            {
                "le" => Instruction.Alu32(AluOperation.End, dst, bits),
                "be" => Instruction.Alu32(AluOperation.End, dst, bits) with { Opcode = (byte)InstructionClass.Alu | (byte)OperandSource.Register | (byte)AluOperation.End },
                _ => Instruction.Alu64(AluOperation.End, dst, bits),
            };
            return new(insn);
        }
        return null;
    }

    /// <summary>Binary ALU operations, neg and movsx; a 32 suffix selects ALU, none or 64 ALU64.</summary>
    private static ConformanceStatement? Arithmetic(string m, ConformanceToken mnemonic, IReadOnlyList<ConformanceToken> ops)
    {
        if (m.StartsWith("movsx", StringComparison.Ordinal))
        {
            // movsx<source bits><destination bits>: 8/16 into 32 or 64, 32 into 64.
            short from;
            bool to64;
            switch (m[5..])
            {
                case "832": from = 8; to64 = false; break;
                case "1632": from = 16; to64 = false; break;
                case "864": from = 8; to64 = true; break;
                case "1664": from = 16; to64 = true; break;
                case "3264": from = 32; to64 = true; break;
                default: return null;
            }
            ExpectOperands(mnemonic, ops, 2, $"{m} %rD, %rS");
            var dst = ConformanceOperands.Register(ops[0]);
            var src = ConformanceOperands.Register(ops[1]);
            return new(to64 ? Instruction.Alu64(AluOperation.Mov, dst, src, from) : Instruction.Alu32(AluOperation.Mov, dst, src, from));
        }
        bool is32 = m.EndsWith("32", StringComparison.Ordinal);
        string name = is32 || m.EndsWith("64", StringComparison.Ordinal) ? m[..^2] : m;
        if (name == "neg")
        {
            ExpectOperands(mnemonic, ops, 1, $"{m} %rD");
            var dst = ConformanceOperands.Register(ops[0]);
            return new(is32 ? Instruction.Alu32(AluOperation.Neg, dst, 0) : Instruction.Alu64(AluOperation.Neg, dst, 0));
        }
        if (!ConformanceMnemonics.BinaryAlu.TryGetValue(name, out var op)) return null;
        ExpectOperands(mnemonic, ops, 2, $"{m} %rD, %rS|imm");
        var target = ConformanceOperands.Register(ops[0]);
        short offset = name is "sdiv" or "smod" ? (short)1 : (short)0;
        if (ConformanceOperands.LooksLikeRegister(ops[1]))
        {
            var src = ConformanceOperands.Register(ops[1]);
            return new(is32 ? Instruction.Alu32(op, target, src, offset) : Instruction.Alu64(op, target, src, offset));
        }
        int imm = ConformanceNumbers.Imm32(ops[1]);
        return new(is32 ? Instruction.Alu32(op, target, imm, offset) : Instruction.Alu64(op, target, imm, offset));
    }

    private static ConformanceStatement? ConditionalJump(string m, ConformanceToken mnemonic, IReadOnlyList<ConformanceToken> ops)
    {
        bool is32 = m.EndsWith("32", StringComparison.Ordinal);
        if (!ConformanceMnemonics.ConditionalJumps.TryGetValue(is32 ? m[..^2] : m, out var op)) return null;
        ExpectOperands(mnemonic, ops, 3, $"{m} %rD, %rS|imm, +N|-N|label");
        var dst = ConformanceOperands.Register(ops[0]);
        var insn = ConformanceOperands.LooksLikeRegister(ops[1])
            ? Instruction.Branch(op, dst, ConformanceOperands.Register(ops[1]), 0, is32)
            : Instruction.Branch(op, dst, ConformanceNumbers.Imm32(ops[1]), 0, is32);
        return WithTarget(insn, ConformanceOperands.Target(ops[2], wide: false));
    }
}
