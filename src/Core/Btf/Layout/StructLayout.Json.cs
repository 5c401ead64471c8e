using System.Text;
using System.Text.Json;

namespace BtfNotebooks.Btf.Layout;

public sealed partial class StructLayout
{
    /// <summary>
    /// The layout as JSON. Other tools read "name", "size", "members" (each with "path", "type", "offset_bits",
    /// "size_bits", "bitfield"), "holes" (each with "after", "offset_bits", "size_bits"), "padding" and
    /// "cachelines": those names and meanings are fixed. size_bits is a bitfield's width, else 8 * its byte size;
    /// offset_bits is the exact bit offset from the start of the type. An anonymous member's own row has
    /// "anonymous": true and the path of the level holding it; its members follow with "depth" one higher.
    /// </summary>
    public string ToJson(bool indented = false)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
            WriteJson(json);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public void WriteJson(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("name", Name);
        json.WriteString("kind", IsUnion ? "union" : "struct");
        json.WriteNumber("type_id", Type.Id);
        json.WriteNumber("size", Size);
        json.WriteNumber("alignment", Alignment);

        json.WriteStartArray("members");
        foreach (var m in Members) WriteMember(json, m);
        json.WriteEndArray();

        json.WriteStartArray("holes");
        foreach (var h in Holes)
        {
            json.WriteStartObject();
            json.WriteString("after", h.After);
            json.WriteNumber("after_index", h.AfterIndex);
            json.WriteNumber("offset_bits", h.BitOffset);
            json.WriteNumber("size_bits", h.SizeBits);
            json.WriteBoolean("bit_hole", h.IsBitHole);
            json.WriteNumber("depth", h.Depth);
            json.WriteEndObject();
        }
        json.WriteEndArray();

        var s = Summary;
        json.WriteNumber("padding", s.Padding);
        json.WriteNumber("bit_padding", s.BitPadding);
        json.WriteNumber("cachelines", Cachelines);
        json.WriteNumber("last_cacheline_bytes", LastCachelineBytes);
        json.WriteNumber("total_members", s.Members);
        json.WriteNumber("sum_member_bytes", s.SumMemberBytes);
        json.WriteNumber("sum_bitfield_bits", s.SumBitfieldBits);
        json.WriteNumber("hole_count", s.HoleCount);
        json.WriteNumber("hole_bytes", s.HoleBytes);
        json.WriteNumber("bit_hole_count", s.BitHoleCount);
        json.WriteNumber("bit_hole_bits", s.BitHoleBits);
        json.WriteEndObject();
    }

    private static void WriteMember(Utf8JsonWriter json, LayoutMember m)
    {
        json.WriteStartObject();
        json.WriteString("path", m.Path);
        if (m.Name is null) json.WriteNull("name");
        else json.WriteString("name", m.Name);
        json.WriteString("type", m.TypeName);
        json.WriteNumber("type_id", m.TypeId);
        json.WriteNumber("offset_bits", m.BitOffset);
        json.WriteNumber("size_bits", m.SizeBits);
        json.WriteBoolean("bitfield", m.IsBitfield);
        json.WriteNumber("byte_offset", m.ByteOffset);
        json.WriteNumber("byte_size", m.Size);
        if (m.IsBitfield)
        {
            json.WriteNumber("bitfield_offset", m.BitfieldOffset);
            json.WriteNumber("bitfield_size", m.BitfieldSize);
        }
        json.WriteNumber("depth", m.Depth);
        if (m.IsAnonymous) json.WriteBoolean("anonymous", true);
        if (m.ExpandedKind is { } kind) json.WriteString("expanded", kind == BtfKind.Union ? "union" : "struct");
        if (m.CachelineBoundary is int line) json.WriteNumber("cacheline_boundary", line);
        if (m.CrossesCacheline) json.WriteBoolean("crosses_cacheline", true);
        json.WriteEndObject();
    }
}
