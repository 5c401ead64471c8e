using System.Globalization;
using System.Text;
using BtfNotebooks.Vm.Maps;

namespace BtfNotebooks.Vm.Helpers;

/// <summary>
/// bpf_trace_printk's formatting: the kernel's bpf_bprintf_prepare (which formats it accepts, how many arguments, how
/// much string data fits) followed by bstr_printf (vsprintf). Accepted: <c>%%</c>; flags <c>0 + - space</c> and a
/// width (no precision); <c>%d %i %u %x %X</c> with <c>l</c>/<c>ll</c>; <c>%c</c>; <c>%s</c> and <c>%pks %pus</c>
/// (strings read from VM memory; an unreadable one prints as empty); <c>%p %pK %px</c> (16 hex digits; the kernel
/// hashes <c>%p</c> and <c>%pK</c> with a per-boot key, the VM prints the address itself); <c>%ps %pS %pB</c> (the VM
/// has no kernel symbols: <c>0x</c> and the address, as the kernel prints an address it cannot name);
/// <c>%pI4 %pi4 %pI6 %pi6</c> (address bytes read from memory, zeros when unreadable). Anything else, a non-printable
/// format byte, a format without NUL within its size or more conversions than arguments is -EINVAL, as in the kernel.
/// </summary>
public static class BpfPrintf
{
    /// <summary>MAX_BPRINTF_BUF: the formatted text is cut to this many bytes, NUL included.</summary>
    public const int OutputSize = 1024;

    /// <summary>MAX_BPRINTF_BIN_ARGS: room for the binary arguments, strings included.</summary>
    public const int BinaryArgumentSize = 512;

    /// <summary>
    /// Formats <paramref name="format"/> (the fmt argument's bytes, fmt_size of them) with <paramref name="args"/>,
    /// reading strings and addresses from <paramref name="memory"/>. Returns what the helper returns: the length of the
    /// text (bstr_printf's, which counts past the 1023 bytes kept) or a negated errno, with <paramref name="text"/>
    /// null then.
    /// </summary>
    public static long Format(ReadOnlySpan<byte> format, ReadOnlySpan<ulong> args, AddressSpace memory, out string? text)
    {
        text = null;
        int end = format.IndexOf((byte)0);
        if (end < 0) return -BpfErrno.EINVAL;
        var fmt = format[..end];
        var output = new List<byte>();
        int spec = 0, room = BinaryArgumentSize; // bytes left in the kernel's binary argument buffer
        for (int i = 0; i < fmt.Length; i++)
        {
            byte c = fmt[i];
            if (!(c is >= 0x20 and < 0x7f || c is (byte)' ' or (byte)'\t' or (byte)'\n' or 0x0b or 0x0c or (byte)'\r')) return -BpfErrno.EINVAL;
            if (c != '%')
            {
                output.Add(c);
                continue;
            }
            if (At(fmt, i + 1) == '%')
            {
                output.Add((byte)'%');
                i++;
                continue;
            }
            if (spec >= args.Length) return -BpfErrno.EINVAL;
            ulong arg = args[spec];
            i++;
            var style = new Style();
            while (At(fmt, i) is (byte)'0' or (byte)'+' or (byte)'-' or (byte)' ')
            {
                switch (fmt[i])
                {
                    case (byte)'0': style.ZeroPad = true; break;
                    case (byte)'+': style.Plus = true; break;
                    case (byte)'-': style.Left = true; break;
                    default: style.Space = true; break;
                }
                i++;
            }
            if (At(fmt, i) is >= (byte)'1' and <= (byte)'9')
            {
                int width = 0;
                while (At(fmt, i) is >= (byte)'0' and <= (byte)'9')
                {
                    width = Math.Min(width * 10 + (fmt[i] - '0'), OutputSize);
                    i++;
                }
                style.Width = width;
            }

            byte conversion = At(fmt, i);
            if (conversion == 'p')
            {
                byte next = At(fmt, i + 1);
                if (next == 0 || IsSpace(next) || IsPunct(next))
                {
                    if (!Take(ref room, 8)) return -BpfErrno.ENOSPC;
                    Pointer(output, arg, style);
                }
                else if (next is (byte)'k' or (byte)'u' && At(fmt, i + 2) == 's')
                {
                    i += 2;
                    long error = String(fmt, i, arg, memory, ref room, output, style);
                    if (error != 0) return error;
                }
                else if (next is (byte)'K' or (byte)'x')
                {
                    if (!Take(ref room, 8)) return -BpfErrno.ENOSPC;
                    Pointer(output, arg, style);
                    i++;
                }
                else if (next is (byte)'s' or (byte)'S' or (byte)'B')
                {
                    // No kernel symbols here: what the kernel prints for an address it cannot name.
                    string symbol = "0x" + arg.ToString("x", CultureInfo.InvariantCulture);
                    if (!Take(ref room, next == 'B' ? symbol.Length + 1 : 8)) return -BpfErrno.ENOSPC;
                    Pad(output, Encoding.ASCII.GetBytes(symbol), style);
                    i++;
                }
                else if (next is (byte)'i' or (byte)'I' && At(fmt, i + 2) is (byte)'4' or (byte)'6')
                {
                    bool v4 = At(fmt, i + 2) == '4';
                    int size = v4 ? 4 : 16;
                    if (room < size) return -BpfErrno.ENOSPC;
                    var address = new byte[size];
                    if (HelperMemory.TryGet(memory, arg, size, false, out var bytes, out _, out _)) bytes.CopyTo(address);
                    string ip = IpString(address, next == 'i');
                    Take(ref room, Math.Min(room, ip.Length + 1));
                    Pad(output, Encoding.ASCII.GetBytes(ip), style);
                    i += 2;
                }
                else
                {
                    return -BpfErrno.EINVAL;
                }
                spec++;
                continue;
            }
            if (conversion == 's')
            {
                long error = String(fmt, i, arg, memory, ref room, output, style);
                if (error != 0) return error;
                spec++;
                continue;
            }
            if (conversion == 'c')
            {
                if (room == 0) return -BpfErrno.ENOSPC;
                room--;
                Pad(output, [(byte)arg], style);
                spec++;
                continue;
            }

            int bytesOfArg = 4;
            if (At(fmt, i) == 'l') { bytesOfArg = 8; i++; }
            if (At(fmt, i) == 'l') i++;
            conversion = At(fmt, i);
            if (conversion is not ((byte)'i' or (byte)'d' or (byte)'u' or (byte)'x' or (byte)'X')) return -BpfErrno.EINVAL;
            if (!Take(ref room, bytesOfArg)) return -BpfErrno.ENOSPC;
            Number(output, bytesOfArg == 8 ? arg : (uint)arg, bytesOfArg, (char)conversion, style);
            spec++;
        }
        int length = output.Count;
        var kept = output.Take(OutputSize - 1).ToArray();
        text = Encoding.UTF8.GetString(kept);
        return length;
    }

    private struct Style
    {
        public bool ZeroPad, Plus, Left, Space;
        public int Width;
    }

    private static byte At(ReadOnlySpan<byte> fmt, int i) => i < fmt.Length ? fmt[i] : (byte)0;

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or 0x0b or 0x0c or (byte)'\r';

    private static bool IsPunct(byte b) => b is > 0x20 and < 0x7f && !char.IsAsciiLetterOrDigit((char)b);

    // The binary argument buffer keeps integers 4-byte aligned; an argument that does not fit is -ENOSPC.
    private static bool Take(ref int room, int bytes)
    {
        int used = BinaryArgumentSize - room;
        int aligned = (used + 3) & ~3;
        if (BinaryArgumentSize - aligned < bytes) return false;
        room = BinaryArgumentSize - aligned - bytes;
        return true;
    }

    // %s, %pks, %pus: a string must be followed by NUL, space or punctuation; it is copied into what is left of the
    // argument buffer (cut to fit, NUL included); an unreadable one becomes "".
    private static long String(ReadOnlySpan<byte> fmt, int i, ulong address, AddressSpace memory, ref int room, List<byte> output, Style style)
    {
        byte next = At(fmt, i + 1);
        if (next != 0 && !IsSpace(next) && !IsPunct(next)) return -BpfErrno.EINVAL;
        if (room == 0) return -BpfErrno.ENOSPC;
        if (HelperMemory.TryReadString(memory, address, room, out var text, out bool terminated))
        {
            var bytes = terminated ? text : text[..^1]; // cut: the last byte became the NUL
            room -= bytes.Length + 1;
            Pad(output, bytes, style);
        }
        else
        {
            room -= 1;
            Pad(output, [], style);
        }
        return 0;
    }

    private static void Pointer(List<byte> output, ulong value, Style style)
    {
        // pointer_string: hex, 16 digits zero-padded unless a width was given.
        if (style.Width == 0) style = style with { Width = 16, ZeroPad = true };
        Number(output, value, 8, 'x', style with { Plus = false, Space = false });
    }

    // vsprintf's number(): sign (for d/i), zero or space padding to the width, left justification.
    private static void Number(List<byte> output, ulong value, int bytes, char conversion, Style style)
    {
        bool signed = conversion is 'd' or 'i';
        string sign = "";
        string digits;
        if (signed)
        {
            long v = bytes == 8 ? (long)value : (int)(uint)value;
            if (v < 0) sign = "-";
            else if (style.Plus) sign = "+";
            else if (style.Space) sign = " ";
            digits = v < 0 ? ((ulong)-(v + 1) + 1).ToString(CultureInfo.InvariantCulture) : v.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            digits = conversion switch
            {
                'x' => value.ToString("x", CultureInfo.InvariantCulture),
                'X' => value.ToString("X", CultureInfo.InvariantCulture),
                _ => value.ToString(CultureInfo.InvariantCulture),
            };
        }
        int pad = Math.Max(0, style.Width - sign.Length - digits.Length);
        if (style.Left) Append(output, sign + digits + new string(' ', pad));
        else if (style.ZeroPad) Append(output, sign + new string('0', pad) + digits);
        else Append(output, new string(' ', pad) + sign + digits);
    }

    // string()/%c: right-justified in the width unless '-'; zero padding does not apply.
    private static void Pad(List<byte> output, ReadOnlySpan<byte> bytes, Style style)
    {
        int pad = Math.Max(0, style.Width - bytes.Length);
        if (!style.Left) for (int k = 0; k < pad; k++) output.Add((byte)' ');
        foreach (byte b in bytes) output.Add(b);
        if (style.Left) for (int k = 0; k < pad; k++) output.Add((byte)' ');
    }

    private static void Append(List<byte> output, string ascii)
    {
        foreach (char ch in ascii) output.Add((byte)ch);
    }

    // ip4_string / ip6_string: %pI4 "1.2.3.4", %pi4 "001.002.003.004", %pI6 eight colon-separated 4-digit groups,
    // %pi6 the same without colons.
    private static string IpString(byte[] address, bool padded)
    {
        if (address.Length == 4)
            return string.Join('.', address.Select(b => padded ? b.ToString("000", CultureInfo.InvariantCulture) : b.ToString(CultureInfo.InvariantCulture)));
        var groups = Enumerable.Range(0, 8).Select(g => address[2 * g].ToString("x2", CultureInfo.InvariantCulture) + address[2 * g + 1].ToString("x2", CultureInfo.InvariantCulture));
        return string.Join(padded ? "" : ":", groups);
    }
}
