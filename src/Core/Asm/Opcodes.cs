namespace BtfNotebooks.Asm;

// The opcode byte of a BPF instruction, split into its RFC 9669 fields. Values are the raw bit patterns so that
// `opcode & mask` compares directly against them.

/// <summary>The three low bits of the opcode: which instruction class.</summary>
public enum InstructionClass : byte
{
    Ld = 0x00,
    Ldx = 0x01,
    St = 0x02,
    Stx = 0x03,
    Alu = 0x04,
    Jmp = 0x05,
    Jmp32 = 0x06,
    Alu64 = 0x07,
}

/// <summary>Bit 3 of an arithmetic or jump opcode: immediate (K) or register (X) second operand.</summary>
public enum OperandSource : byte
{
    Immediate = 0x00,
    Register = 0x08,
}

/// <summary>The four high bits of an ALU/ALU64 opcode.</summary>
public enum AluOperation : byte
{
    Add = 0x00,
    Sub = 0x10,
    Mul = 0x20,
    Div = 0x30,
    Or = 0x40,
    And = 0x50,
    Lsh = 0x60,
    Rsh = 0x70,
    Neg = 0x80,
    Mod = 0x90,
    Xor = 0xa0,
    Mov = 0xb0,
    Arsh = 0xc0,
    /// <summary>Byte swap: le/be in ALU (source bit chooses), unconditional bswap in ALU64.</summary>
    End = 0xd0,
}

/// <summary>The four high bits of a JMP/JMP32 opcode.</summary>
public enum JumpOperation : byte
{
    Ja = 0x00,
    Jeq = 0x10,
    Jgt = 0x20,
    Jge = 0x30,
    Jset = 0x40,
    Jne = 0x50,
    Jsgt = 0x60,
    Jsge = 0x70,
    Call = 0x80,
    Exit = 0x90,
    Jlt = 0xa0,
    Jle = 0xb0,
    Jslt = 0xc0,
    Jsle = 0xd0,
    /// <summary>Kernel extension (not in RFC 9669): <c>may_goto</c>, a jump taken once a hidden loop budget runs out.</summary>
    Jcond = 0xe0,
}

/// <summary>Bits 3-4 of a load/store opcode: access width.</summary>
public enum AccessSize : byte
{
    Word = 0x00,
    Half = 0x08,
    Byte = 0x10,
    DoubleWord = 0x18,
}

/// <summary>Bits 5-7 of a load/store opcode.</summary>
public enum AccessMode : byte
{
    Immediate = 0x00,
    /// <summary>Legacy cBPF packet access (<c>ld_abs</c>); decoded, never executed.</summary>
    Absolute = 0x20,
    /// <summary>Legacy cBPF packet access (<c>ld_ind</c>); decoded, never executed.</summary>
    Indirect = 0x40,
    Memory = 0x60,
    /// <summary>Sign-extending load (ISA v4).</summary>
    MemorySignExtend = 0x80,
    Atomic = 0xc0,
}

/// <summary>The imm field of an atomic instruction.</summary>
public enum AtomicOperation : int
{
    Add = 0x00,
    Or = 0x40,
    And = 0x50,
    Xor = 0xa0,
    FetchAdd = 0x01,
    FetchOr = 0x41,
    FetchAnd = 0x51,
    FetchXor = 0xa1,
    /// <summary>Exchange; always fetches.</summary>
    Xchg = 0xe1,
    /// <summary>Compare with r0 and exchange; always fetches into r0.</summary>
    Cmpxchg = 0xf1,
}

/// <summary>The src field of a 64-bit immediate load: what the 64-bit constant means before a loader resolves it.</summary>
public enum LoadImm64Kind : byte
{
    /// <summary>A plain 64-bit constant.</summary>
    Value = 0,
    /// <summary>imm = map file descriptor; the register gets the map pointer.</summary>
    MapFd = 1,
    /// <summary>imm = map fd, next imm = offset into the map's value.</summary>
    MapValue = 2,
    /// <summary>imm = BTF ID of a kernel variable.</summary>
    BtfId = 3,
    /// <summary>imm = relative instruction offset of a BPF function.</summary>
    Function = 4,
    /// <summary>imm = index into the program's map array.</summary>
    MapIndex = 5,
    /// <summary>imm = map index, next imm = offset into the map's value.</summary>
    MapIndexValue = 6,
}

/// <summary>The src field of a <c>call</c> with an immediate target.</summary>
public enum CallKind : byte
{
    /// <summary>imm = helper ID.</summary>
    Helper = 0,
    /// <summary>imm = relative instruction offset of a BPF function (bpf-to-bpf).</summary>
    Local = 1,
    /// <summary>imm = BTF ID of a kernel function.</summary>
    Kfunc = 2,
}

/// <summary>Byte order of an encoded program.</summary>
public enum ByteOrder
{
    LittleEndian,
    BigEndian,
}

/// <summary>A BPF register. r10 is the read-only frame pointer.</summary>
public enum Register : byte
{
    R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10,
}
