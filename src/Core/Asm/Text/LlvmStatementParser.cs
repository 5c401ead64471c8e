namespace BtfNotebooks.Asm.Text;

/// <summary>What a label reference in an instruction stands for once the label's slot is known.</summary>
internal enum LlvmTargetKind
{
    /// <summary>A jump: offset (imm for gotol) = target - (slot + 1).</summary>
    Branch,
    /// <summary>A bpf-to-bpf call: imm = target - (slot + 1).</summary>
    LocalCall,
    /// <summary>lddw of a function address (src 4): imm = target - (slot + 1).</summary>
    FunctionAddress,
}

/// <summary>A label an instruction names, resolved after the whole text is read.</summary>
internal readonly record struct LlvmLabelReference(string Label, int Column, LlvmTargetKind Kind);

/// <summary>
/// One parsed line: the instruction (null for objdump's <c>&lt;unknown&gt;</c>, whose bytes column is all there
/// is), and the label it names, if any.
/// </summary>
internal readonly record struct LlvmStatement(Instruction? Instruction, LlvmLabelReference? Target, int Column, LlvmCoreOperand? Core = null);

/// <summary>A <c>%core...(...)</c> operand as parsed: name (without %), arguments, and its column.</summary>
internal readonly record struct LlvmCoreOperand(string Name, string Arguments, int Column);

/// <summary>A syntax error at a column of the line being parsed.</summary>
internal sealed class LlvmSyntaxError(int column, string message) : Exception(message)
{
    public int Column { get; } = column;
}

/// <summary>
/// Parses the instruction part of one line of pseudo-C: LLVM's spelling (llvm-mc, llvm-objdump) and the kernel's
/// (verifier log, <c>bpftool prog dump xlated</c>), plus this project's notation for lddw kinds llvm has no
/// spelling for (see <see cref="LlvmFormatter"/>). Errors say what was expected at the column where parsing stopped.
/// </summary>
internal sealed partial class LlvmStatementParser
{
    private readonly List<LlvmToken> _tokens;
    private readonly bool _forceWide;
    private int _at;

    /// <param name="tokens">The line's tokens, ending in <see cref="LlvmTokenKind.End"/>.</param>
    /// <param name="forceWide">The kernel's opcode column said (18): <c>r1 = 0x...</c> without <c>ll</c> is an lddw.</param>
    public LlvmStatementParser(List<LlvmToken> tokens, bool forceWide)
    {
        _tokens = tokens;
        _forceWide = forceWide;
    }

    private LlvmToken Peek => _tokens[_at];

    private LlvmToken PeekAt(int ahead) => _tokens[Math.Min(_at + ahead, _tokens.Count - 1)];

    private LlvmToken Next() => _tokens[_at < _tokens.Count - 1 ? _at++ : _at];

    private static LlvmSyntaxError Error(LlvmToken at, string expected) => new(at.Column, $"{expected}, found {at.Describe()}");

    private void Expect(string symbol, string context)
    {
        if (!Peek.Is(symbol)) throw Error(Peek, $"expected '{symbol}' {context}");
        Next();
    }

    private bool Accept(string text)
    {
        if (!Peek.Is(text)) return false;
        Next();
        return true;
    }

    public LlvmStatement ParseStatement()
    {
        var first = Peek;
        LlvmStatement statement;
        if (first.Kind == LlvmTokenKind.Identifier && ParseRegister(first) is { } dst)
        {
            Next();
            statement = ParseRegisterStatement(dst, first);
        }
        else statement = first.Text switch
        {
            "exit" when first.Kind == LlvmTokenKind.Identifier => Simple(Instruction.Exit()),
            "goto" or "ja" => ParseJump(Instruction.Jump(0)),
            "gotol" => ParseJump(Instruction.LongJump(0)),
            "may_goto" => ParseJump(new Instruction((byte)InstructionClass.Jmp | (byte)JumpOperation.Jcond, 0, 0, 0, 0)),
            "call" => ParseCall(),
            "callx" => ParseCallRegister(),
            "if" => ParseConditional(),
            "lock" => ParseLock(),
            "*" => ParseStore(),
            "<" => ParseBracketed(),
            _ => throw Error(first, "expected an instruction (a register assignment, '*(uN *)(...) =', 'if', 'goto', 'gotol', 'may_goto', 'call', 'callx', 'lock', 'exit')"),
        };
        if (Peek.Kind != LlvmTokenKind.End) throw Error(Peek, "expected end of line after the instruction");
        return statement with { Column = first.Column, Core = _core };
    }

    private LlvmStatement Simple(Instruction insn)
    {
        Next();
        return new LlvmStatement(insn, null, 0);
    }

    // ---- Registers and numbers ----

    private readonly record struct ParsedRegister(Register Register, bool Is32);

    private static ParsedRegister? ParseRegister(LlvmToken token)
    {
        if (token.Kind != LlvmTokenKind.Identifier || token.Text.Length < 2 || token.Text[0] is not ('r' or 'w')) return null;
        if (!int.TryParse(token.Text.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) || n > 10 || token.Text[1..] != n.ToString(System.Globalization.CultureInfo.InvariantCulture))
            return null;
        return new ParsedRegister((Register)n, token.Text[0] == 'w');
    }

    private ParsedRegister ExpectRegister(string context)
    {
        var token = Peek;
        if (ParseRegister(token) is not { } reg) throw Error(token, $"expected a register (r0-r10 or w0-w10) {context}");
        Next();
        return reg;
    }

    /// <summary>A register of the given width; <paramref name="eitherWidth"/> accepts r and w alike (32-bit memory operands).</summary>
    private Register ExpectRegister(bool is32, string context, bool eitherWidth = false)
    {
        var token = Peek;
        var reg = ExpectRegister(context);
        if (!eitherWidth && reg.Is32 != is32)
            throw new LlvmSyntaxError(token.Column, $"expected a {(is32 ? "32-bit register (w0-w10)" : "64-bit register (r0-r10)")} {context}, found '{token.Text}'");
        return reg.Register;
    }

    private LlvmCoreOperand? _core;

    private bool AtCore => Peek.Kind == LlvmTokenKind.CoreOperand;

    /// <summary>Consumes a <c>%core...(...)</c> operand; the instruction gets 0 in its place.</summary>
    private int TakeCore()
    {
        var t = Next();
        if (_core is not null) throw new LlvmSyntaxError(t.Column, "an instruction can carry only one %core operand");
        int open = t.Text.IndexOf('(');
        string name = t.Text[1..open];
        if (CoreOperand.KindOf(name) is null)
            throw new LlvmSyntaxError(t.Column, $"unknown CO-RE operand '%{name}' (known: {string.Join(", ", CoreOperand.KnownNames.Keys.Select(k => "%" + k))})");
        _core = new LlvmCoreOperand(name, t.Text[(open + 1)..^1].Trim(), t.Column);
        return 0;
    }

    private bool AtNumber => Peek.Kind == LlvmTokenKind.Number || ((Peek.Is("-") || Peek.Is("+")) && PeekAt(1).Kind == LlvmTokenKind.Number);

    /// <summary>An optionally signed number; its column is the sign's.</summary>
    private (Int128 Value, LlvmToken At) ExpectNumber(string expected)
    {
        var at = Peek;
        bool negative = false;
        if (Peek.Is("-") || Peek.Is("+"))
        {
            negative = Peek.Is("-");
            Next();
        }
        if (Peek.Kind != LlvmTokenKind.Number) throw Error(Peek, expected);
        var value = (Int128)Next().Value;
        return (negative ? -value : value, at);
    }

    private static int ToImm32(Int128 value, LlvmToken at, string what)
    {
        if (value < int.MinValue || value > uint.MaxValue)
            throw new LlvmSyntaxError(at.Column, $"{what} {value} does not fit in 32 bits (-2147483648..4294967295)");
        return unchecked((int)(uint)(ulong)(value & uint.MaxValue));
    }

    private static long ToImm64(Int128 value, LlvmToken at)
    {
        if (value < long.MinValue || value > ulong.MaxValue)
            throw new LlvmSyntaxError(at.Column, $"64-bit immediate {value} does not fit in 64 bits");
        return unchecked((long)(ulong)(value & ulong.MaxValue));
    }

    private static short ToOffset(Int128 value, LlvmToken at, string what)
    {
        if (value < short.MinValue || value > short.MaxValue)
            throw new LlvmSyntaxError(at.Column, $"{what} {value} does not fit in the 16-bit offset field (-32768..32767)");
        return (short)value;
    }

    private int ExpectImm32(string context)
    {
        var (value, at) = ExpectNumber($"expected an immediate {context}");
        return ToImm32(value, at, "immediate");
    }
}
