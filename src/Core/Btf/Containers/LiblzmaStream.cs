using System.Runtime.InteropServices;

namespace BtfNotebooks.Btf.Containers;

/// <summary>
/// The system liblzma (xz-utils), found once per process. Decoding xz through it is several times
/// faster than SharpCompress's managed decoder; when it cannot be loaded (no liblzma.so.5, a missing
/// export, a 32-bit process) <see cref="IsAvailable"/> is false and callers use the managed decoder.
/// </summary>
internal static unsafe class Liblzma
{
    // lzma_ret (base.h)
    public const int Ok = 0, StreamEnd = 1, NoCheck = 2, UnsupportedCheck = 3, GetCheck = 4, MemError = 5, MemlimitError = 6,
        FormatError = 7, OptionsError = 8, DataError = 9, BufError = 10, ProgError = 11;

    // lzma_action
    public const int Run = 0;

    /// <summary>First version with the stable API and the lzma_stream layout of <see cref="NativeLzmaStream"/>: 5.0.0.</summary>
    private const uint MinVersion = 50000002;

    private static readonly string[] LibraryNames = ["liblzma.so.5", "liblzma.5.dylib"];

    private static readonly Lazy<bool> Loaded = new(Load);
    private static delegate* unmanaged<NativeLzmaStream*, ulong, uint, int> _streamDecoder;
    private static delegate* unmanaged<NativeLzmaStream*, ulong, int> _aloneDecoder;
    private static delegate* unmanaged<NativeLzmaStream*, int, int> _code;
    private static delegate* unmanaged<NativeLzmaStream*, void> _end;
    private static delegate* unmanaged<NativeLzmaStream*, ulong> _memusage;

    /// <summary>True when liblzma was loaded and has every function used here (checked once).</summary>
    public static bool IsAvailable => Loaded.Value;

    /// <summary>liblzma's own version (e.g. 50040012 for 5.4.1), or 0 when it is not available.</summary>
    public static uint Version { get; private set; }

    private static bool Load()
    {
        // The struct layout below is the LP64 one; 32-bit processes keep the managed decoder.
        if (!Environment.Is64BitProcess || sizeof(NativeLzmaStream) != 136) return false;
        foreach (var name in LibraryNames)
        {
            if (!NativeLibrary.TryLoad(name, out var handle)) continue;
            if (NativeLibrary.TryGetExport(handle, "lzma_version_number", out var version) &&
                NativeLibrary.TryGetExport(handle, "lzma_stream_decoder", out var streamDecoder) &&
                NativeLibrary.TryGetExport(handle, "lzma_alone_decoder", out var aloneDecoder) &&
                NativeLibrary.TryGetExport(handle, "lzma_code", out var code) &&
                NativeLibrary.TryGetExport(handle, "lzma_end", out var end) &&
                NativeLibrary.TryGetExport(handle, "lzma_memusage", out var memusage))
            {
                var v = ((delegate* unmanaged<uint>)version)();
                if (v >= MinVersion)
                {
                    Version = v;
                    _streamDecoder = (delegate* unmanaged<NativeLzmaStream*, ulong, uint, int>)streamDecoder;
                    _aloneDecoder = (delegate* unmanaged<NativeLzmaStream*, ulong, int>)aloneDecoder;
                    _code = (delegate* unmanaged<NativeLzmaStream*, int, int>)code;
                    _end = (delegate* unmanaged<NativeLzmaStream*, void>)end;
                    _memusage = (delegate* unmanaged<NativeLzmaStream*, ulong>)memusage;
                    return true; // the library stays loaded for the life of the process
                }
            }
            NativeLibrary.Free(handle);
        }
        return false;
    }

    /// <summary>lzma_stream_decoder without LZMA_CONCATENATED: stops at the end of the first stream.</summary>
    public static int StreamDecoder(NativeLzmaStream* strm, ulong memlimit) => _streamDecoder(strm, memlimit, 0);

    public static int AloneDecoder(NativeLzmaStream* strm, ulong memlimit) => _aloneDecoder(strm, memlimit);

    public static int Code(NativeLzmaStream* strm, int action) => _code(strm, action);

    public static void End(NativeLzmaStream* strm) => _end(strm);

    public static ulong MemUsage(NativeLzmaStream* strm) => _memusage(strm);

    public static string RetName(int ret) => ret switch
    {
        Ok => "LZMA_OK",
        StreamEnd => "LZMA_STREAM_END",
        NoCheck => "LZMA_NO_CHECK",
        UnsupportedCheck => "LZMA_UNSUPPORTED_CHECK",
        GetCheck => "LZMA_GET_CHECK",
        MemError => "LZMA_MEM_ERROR",
        MemlimitError => "LZMA_MEMLIMIT_ERROR",
        FormatError => "LZMA_FORMAT_ERROR",
        OptionsError => "LZMA_OPTIONS_ERROR",
        DataError => "LZMA_DATA_ERROR",
        BufError => "LZMA_BUF_ERROR",
        ProgError => "LZMA_PROG_ERROR",
        _ => $"lzma_ret {ret}",
    };
}

/// <summary>
/// liblzma's lzma_stream (base.h of xz-utils 5.x), LP64 layout: 136 bytes. Zero-filled it is
/// LZMA_STREAM_INIT.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeLzmaStream
{
    public byte* NextIn;
    public nuint AvailIn;
    public ulong TotalIn;
    public byte* NextOut;
    public nuint AvailOut;
    public ulong TotalOut;
    public void* Allocator;
    public void* Internal;
    public void* ReservedPtr1;
    public void* ReservedPtr2;
    public void* ReservedPtr3;
    public void* ReservedPtr4;
    public ulong SeekPos;        // reserved_int1 before 5.4
    public ulong ReservedInt2;
    public nuint ReservedInt3;
    public nuint ReservedInt4;
    public int ReservedEnum1;
    public int ReservedEnum2;
}

/// <summary>
/// Decodes one .xz stream (or one .lzma "alone" stream) from a byte slice with the system liblzma.
/// Stops at the end of the stream: bytes after it are never read (LZMA_CONCATENATED is off).
/// The lzma_stream lives in native memory (its address never changes); the input and the caller's
/// buffer are pinned only for the duration of each lzma_code call. Errors are
/// <see cref="InvalidDataException"/>s, which <see cref="GuardedDecompressionStream"/> reports with
/// the format and the offset.
/// </summary>
internal sealed unsafe class LiblzmaStream : ForwardOnlyReadStream
{
    private readonly ByteSlice _input;
    private readonly ulong _memlimit;
    private NativeLzmaStream* _strm;
    private bool _ended;

    private LiblzmaStream(ByteSlice input, ulong memlimit, bool alone)
    {
        if (!Liblzma.IsAvailable) throw new InvalidOperationException("liblzma is not available");
        _input = input;
        _memlimit = memlimit;
        _strm = (NativeLzmaStream*)NativeMemory.AllocZeroed((nuint)sizeof(NativeLzmaStream)); // = LZMA_STREAM_INIT
        var ok = false;
        try
        {
            var ret = alone ? Liblzma.AloneDecoder(_strm, memlimit) : Liblzma.StreamDecoder(_strm, memlimit);
            if (ret != Liblzma.Ok) throw Error(ret);
            ok = true;
        }
        finally
        {
            if (!ok) Release();
        }
    }

    /// <summary>An .xz stream decoder.</summary>
    /// <param name="input">From the start of the stream; bytes after its end are ignored.</param>
    /// <param name="memlimit">Largest decoder memory (dictionary) liblzma may allocate.</param>
    public static LiblzmaStream OpenXz(ByteSlice input, ulong memlimit) => new(input, memlimit, alone: false);

    /// <summary>An .lzma ("LZMA alone") decoder; <paramref name="input"/> starts with the 13-byte header.</summary>
    public static LiblzmaStream OpenLzmaAlone(ByteSlice input, ulong memlimit) => new(input, memlimit, alone: true);

    /// <summary>Compressed bytes consumed so far.</summary>
    public long InputPosition { get; private set; }

    /// <summary>True once liblzma reported LZMA_STREAM_END.</summary>
    public bool Ended => _ended;

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_strm == null, this);
        if (_ended || buffer.IsEmpty) return 0;

        var produced = 0;
        fixed (byte* input = _input.Span)
        fixed (byte* output = buffer)
        {
            while (true)
            {
                var consumed = (int)InputPosition;
                var availIn = _input.Length - consumed;
                var availOut = buffer.Length - produced;
                _strm->NextIn = availIn > 0 ? input + consumed : null; // never a pointer past the span
                _strm->AvailIn = (nuint)availIn;
                _strm->NextOut = output + produced; // availOut > 0 here
                _strm->AvailOut = (nuint)availOut;
                int ret;
                try
                {
                    ret = Liblzma.Code(_strm, Liblzma.Run);
                }
                finally
                {
                    InputPosition = consumed + (availIn - (int)_strm->AvailIn);
                    produced += availOut - (int)_strm->AvailOut;
                    // the pins end with this block: leave no dangling pointers in the native struct
                    _strm->NextIn = null;
                    _strm->AvailIn = 0;
                    _strm->NextOut = null;
                    _strm->AvailOut = 0;
                }
                if (ret == Liblzma.StreamEnd)
                {
                    _ended = true;
                    break;
                }
                if (ret != Liblzma.Ok) throw Error(ret);
                if (produced > 0) break;
                // LZMA_OK with no output: the decoder took input (or needs more than there is; the
                // next call without progress then returns LZMA_BUF_ERROR)
            }
        }
        return produced;
    }


    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    private InvalidDataException Error(int ret)
    {
        var name = Liblzma.RetName(ret);
        var reason = ret switch
        {
            Liblzma.BufError => "compressed data ends prematurely (truncated)",
            Liblzma.DataError => "compressed data is corrupt (bad block, index or checksum)",
            Liblzma.FormatError => "not a valid stream header",
            Liblzma.OptionsError => "unsupported or invalid stream options (header flags, filter chain or properties)",
            Liblzma.MemError => "out of memory",
            Liblzma.MemlimitError => $"decoder needs {(_strm == null ? 0 : Liblzma.MemUsage(_strm))} bytes of memory, more than the limit of {_memlimit}",
            Liblzma.ProgError => "liblzma rejected the call (programming error)",
            _ => "unexpected result",
        };
        return new InvalidDataException($"{reason} (liblzma {name})");
    }

    private void Release()
    {
        if (_strm == null) return;
        try
        {
            Liblzma.End(_strm); // frees liblzma's internal state; safe on a stream it never initialised
        }
        finally
        {
            NativeMemory.Free(_strm);
            _strm = null;
        }
    }

    protected override void Dispose(bool disposing)
    {
        Release();
        base.Dispose(disposing);
    }

    ~LiblzmaStream() => Dispose(false);

}
