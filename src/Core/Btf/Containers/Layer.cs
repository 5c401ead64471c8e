namespace BtfNotebooks.Btf.Containers;

/// <summary>
/// Where we are in the container nesting: the path of layers unwrapped so far. Builds the
/// <see cref="BtfBlob.Origin"/> of a result and the source/offset of every error.
/// </summary>
internal sealed class Layer
{
    private readonly string[] _path;

    private Layer(ExtractionSession session, string[] path)
    {
        Session = session;
        _path = path;
    }

    public static Layer Root(ExtractionSession session) => new(session, []);

    public ExtractionSession Session { get; }
    public ExtractionLimits Limits => Session.Limits;

    /// <summary>The file name (if any) and the layers, as used in error messages.</summary>
    public string? Source
    {
        get
        {
            var parts = Session.SourceName is null ? _path : [Session.SourceName, .. _path];
            return parts.Length == 0 ? null : string.Join(" > ", parts);
        }
    }

    /// <summary>The layer nested at <paramref name="offset"/> of this one.</summary>
    public Layer Child(string description, long offset)
    {
        if (_path.Length >= Limits.MaxDepth)
            throw Error($"containers nested more than {Limits.MaxDepth} deep", offset);
        return new Layer(Session, [.. _path, description]);
    }

    public string Origin(string final) => string.Join(" > ", [.. _path, final]);

    public BtfBlob Blob(ByteSlice bytes, string final) => new(bytes.Data, bytes.Start, bytes.Length, Origin(final));

    public BtfFormatException Error(string reason, long offset, Exception? inner = null) =>
        new(reason, offset, typeId: null, Source, inner);
}
