using System.Text;

namespace BtfNotebooks.Btf;

/// <summary>A small buffered UTF-8 writer for dumps of hundreds of thousands of lines: bytes in, bytes out.</summary>
internal sealed class Utf8Output(Stream stream) : IDisposable
{
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _used;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > _buffer.Length - _used)
        {
            Flush();
            if (bytes.Length > _buffer.Length) { stream.Write(bytes); return; }
        }
        bytes.CopyTo(_buffer.AsSpan(_used));
        _used += bytes.Length;
    }

    public void Write(string text)
    {
        if (Encoding.UTF8.GetMaxByteCount(text.Length) > _buffer.Length - _used) Flush();
        if (Encoding.UTF8.GetMaxByteCount(text.Length) > _buffer.Length) { stream.Write(Encoding.UTF8.GetBytes(text)); return; }
        _used += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_used));
    }

    public void Write(byte b)
    {
        if (_used == _buffer.Length) Flush();
        _buffer[_used++] = b;
    }

    public void Write(ulong value)
    {
        if (_buffer.Length - _used < 24) Flush();
        value.TryFormat(_buffer.AsSpan(_used), out int n);
        _used += n;
    }

    public void Write(long value)
    {
        if (_buffer.Length - _used < 24) Flush();
        value.TryFormat(_buffer.AsSpan(_used), out int n);
        _used += n;
    }

    public void Flush()
    {
        stream.Write(_buffer, 0, _used);
        _used = 0;
    }

    public void Dispose() => Flush();
}
