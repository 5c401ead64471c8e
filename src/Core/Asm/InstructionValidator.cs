namespace BtfNotebooks.Asm;

/// <summary>
/// Says whether an instruction is a valid RFC 9669 encoding (plus the kernel's <c>may_goto</c>), following the
/// kernel's rules for reserved fields: a field an instruction does not use must be zero. The reason names the
/// field, so "add64 with a non-zero offset" reads as such rather than as "invalid instruction".
/// </summary>
public static class InstructionValidator
{
    /// <summary>Null when <paramref name="insn"/> is valid; otherwise why not.</summary>
    public static string? Validate(in Instruction insn)
    {
        if ((byte)insn.Dst > 10) return $"invalid destination register r{(byte)insn.Dst}";
        if ((byte)insn.Src > 10 && !(insn.IsWide || insn.IsCall)) return $"invalid source register r{(byte)insn.Src}";
        return insn.Class switch
        {
            InstructionClass.Alu or InstructionClass.Alu64 => ValidateArithmetic(insn),
            InstructionClass.Jmp or InstructionClass.Jmp32 => ValidateJump(insn),
            InstructionClass.Ld => ValidateLoadImmediate(insn),
            InstructionClass.Ldx => ValidateLoad(insn),
            InstructionClass.St => ValidateStoreImmediate(insn),
            _ => ValidateStoreRegister(insn),
        };
    }

    private static string? ValidateArithmetic(in Instruction insn)
    {
        bool is64 = insn.Class == InstructionClass.Alu64;
        string name = $"{OpName(insn.AluOperation)}{(is64 ? "64" : "32")}";
        if ((byte)insn.AluOperation > (byte)AluOperation.End) return $"unknown ALU operation 0x{(byte)insn.AluOperation:x2} (opcode 0x{insn.Opcode:x2})";
        if (insn.Dst == Register.R10) return $"{name} writes r10, the read-only frame pointer";
        bool reg = insn.Source == OperandSource.Register;
        switch (insn.AluOperation)
        {
            case AluOperation.Neg:
                if (reg) return $"{name} has the register-source bit set (neg takes no source)";
                if (insn.Src != 0) return $"{name} has a non-zero source register (unused field)";
                if (insn.Offset != 0) return $"{name} has a non-zero offset (unused field)";
                if (insn.Imm != 0) return $"{name} has a non-zero immediate (unused field)";
                return null;
            case AluOperation.End:
                if (is64 && reg) return "bswap with the register-source bit set (opcode 0xdf is not defined)";
                if (insn.Src != 0) return $"byte swap has a non-zero source register (unused field)";
                if (insn.Offset != 0) return $"byte swap has a non-zero offset (unused field)";
                if (insn.Imm is not (16 or 32 or 64)) return $"byte swap width {insn.Imm} is not 16, 32 or 64";
                return null;
        }
        if (insn.Offset != 0)
        {
            bool allowed = insn.AluOperation switch
            {
                AluOperation.Div or AluOperation.Mod => insn.Offset == 1,
                AluOperation.Mov => reg && (insn.Offset is 8 or 16 || (is64 && insn.Offset == 32)),
                _ => false,
            };
            if (!allowed)
                return insn.AluOperation == AluOperation.Mov && reg
                    ? $"movsx offset {insn.Offset} is not a sign-extension width ({(is64 ? "8, 16 or 32" : "8 or 16")})"
                    : $"{name} has a non-zero offset {insn.Offset} (unused field)";
        }
        if (reg && insn.Imm != 0) return $"{name} with a register source has a non-zero immediate (unused field)";
        if (!reg && insn.Src != 0) return $"{name} with an immediate source has a non-zero source register (unused field)";
        return null;
    }

    private static string? ValidateJump(in Instruction insn)
    {
        bool is32 = insn.Class == InstructionClass.Jmp32;
        bool reg = insn.Source == OperandSource.Register;
        var op = insn.JumpOperation;
        switch (op)
        {
            case JumpOperation.Ja:
                if (reg) return $"ja with the register-source bit set (opcode 0x{insn.Opcode:x2} is not defined)";
                if (insn.Dst != 0 || insn.Src != 0) return $"{(is32 ? "gotol" : "ja")} has a non-zero register field (unused field)";
                if (is32 ? insn.Offset != 0 : insn.Imm != 0) return is32 ? "gotol has a non-zero offset (unused field; the target is in imm)" : "ja has a non-zero immediate (unused field)";
                return null;
            case JumpOperation.Call:
                if (is32) return "call in the JMP32 class (opcode 0x86/0x8e is not defined)";
                if (insn.Offset != 0) return "call has a non-zero offset (unused field)";
                if (reg)
                {
                    if (insn.Src != 0) return "callx has a non-zero source register (the target register is dst)";
                    if (insn.Imm != 0) return "callx has a non-zero immediate (unused field)";
                    return null;
                }
                if (insn.Dst != 0) return "call has a non-zero destination register (unused field)";
                if ((byte)insn.Src > 2) return $"call has unknown src {(byte)insn.Src} (0 helper, 1 local function, 2 kfunc)";
                return null;
            case JumpOperation.Exit:
                if (is32) return "exit in the JMP32 class (opcode 0x96 is not defined)";
                if (reg) return "exit with the register-source bit set (opcode 0x9d is not defined)";
                if (insn.Dst != 0 || insn.Src != 0 || insn.Offset != 0 || insn.Imm != 0) return "exit has a non-zero field (all of dst, src, offset and imm are unused)";
                return null;
            case JumpOperation.Jcond:
                if (is32 || reg) return $"opcode 0x{insn.Opcode:x2} is not defined (may_goto is 0xe5)";
                if (insn.Dst != 0 || insn.Src != 0 || insn.Imm != 0) return "may_goto has a non-zero dst, src or imm (unused fields)";
                return null;
            case (JumpOperation)0xf0:
                return $"unknown jump operation 0xf0 (opcode 0x{insn.Opcode:x2})";
        }
        if (reg && insn.Imm != 0) return $"{OpName(op)}{(is32 ? "32" : "")} with a register source has a non-zero immediate (unused field)";
        if (!reg && insn.Src != 0) return $"{OpName(op)}{(is32 ? "32" : "")} with an immediate source has a non-zero source register (unused field)";
        return null;
    }

    private static string? ValidateLoadImmediate(in Instruction insn)
    {
        if (insn.Mode is AccessMode.Absolute or AccessMode.Indirect)
            return $"legacy packet load {(insn.Mode == AccessMode.Absolute ? "ld_abs" : "ld_ind")} (opcode 0x{insn.Opcode:x2}) is not supported: read the packet through the context's data pointers";
        if (!insn.IsWide) return $"opcode 0x{insn.Opcode:x2} is not defined in the LD class (only lddw, 0x18)";
        if (insn.Dst == Register.R10) return "lddw writes r10, the read-only frame pointer";
        if ((byte)insn.Src > 6) return $"lddw has unknown src {(byte)insn.Src} (0 value, 1 map fd, 2 map value, 3 BTF ID, 4 function, 5 map index, 6 map index value)";
        if (insn.Offset != 0) return "lddw has a non-zero offset (unused field)";
        if (insn.LoadImm64Kind is LoadImm64Kind.MapFd or LoadImm64Kind.MapIndex or LoadImm64Kind.Function && insn.NextImm != 0)
            return $"lddw of a {insn.LoadImm64Kind} has a non-zero immediate in its second slot";
        return null;
    }

    private static string? ValidateLoad(in Instruction insn)
    {
        if (insn.Mode == AccessMode.MemorySignExtend)
        {
            if (insn.Size == AccessSize.DoubleWord) return "sign-extending load of a double word (opcode 0x99 is not defined)";
        }
        else if (insn.Mode != AccessMode.Memory) return $"opcode 0x{insn.Opcode:x2} is not defined in the LDX class (mode 0x{(byte)insn.Mode:x2})";
        if (insn.Dst == Register.R10) return "load into r10, the read-only frame pointer";
        if (insn.Imm != 0) return "load has a non-zero immediate (unused field)";
        return null;
    }

    private static string? ValidateStoreImmediate(in Instruction insn)
    {
        if (insn.Mode != AccessMode.Memory) return $"opcode 0x{insn.Opcode:x2} is not defined in the ST class (mode 0x{(byte)insn.Mode:x2})";
        if (insn.Src != 0) return "store of an immediate has a non-zero source register (unused field)";
        return null;
    }

    private static string? ValidateStoreRegister(in Instruction insn)
    {
        if (insn.Mode == AccessMode.Memory)
        {
            if (insn.Imm != 0) return "store of a register has a non-zero immediate (unused field)";
            return null;
        }
        if (insn.Mode != AccessMode.Atomic) return $"opcode 0x{insn.Opcode:x2} is not defined in the STX class (mode 0x{(byte)insn.Mode:x2})";
        if (insn.Size is not (AccessSize.Word or AccessSize.DoubleWord)) return $"atomic operation on {insn.AccessBytes} byte(s); only 32 and 64 bits are defined";
        if (!Enum.IsDefined((AtomicOperation)insn.Imm)) return $"unknown atomic operation imm=0x{insn.Imm:x}";
        return null;
    }

    internal static string OpName(AluOperation op) => op switch
    {
        AluOperation.Add => "add", AluOperation.Sub => "sub", AluOperation.Mul => "mul", AluOperation.Div => "div",
        AluOperation.Or => "or", AluOperation.And => "and", AluOperation.Lsh => "lsh", AluOperation.Rsh => "rsh",
        AluOperation.Neg => "neg", AluOperation.Mod => "mod", AluOperation.Xor => "xor", AluOperation.Mov => "mov",
        AluOperation.Arsh => "arsh", AluOperation.End => "end", _ => $"alu_0x{(byte)op:x2}",
    };

    internal static string OpName(JumpOperation op) => op switch
    {
        JumpOperation.Ja => "ja", JumpOperation.Jeq => "jeq", JumpOperation.Jgt => "jgt", JumpOperation.Jge => "jge",
        JumpOperation.Jset => "jset", JumpOperation.Jne => "jne", JumpOperation.Jsgt => "jsgt", JumpOperation.Jsge => "jsge",
        JumpOperation.Call => "call", JumpOperation.Exit => "exit", JumpOperation.Jlt => "jlt", JumpOperation.Jle => "jle",
        JumpOperation.Jslt => "jslt", JumpOperation.Jsle => "jsle", JumpOperation.Jcond => "may_goto", _ => $"jmp_0x{(byte)op:x2}",
    };
}
