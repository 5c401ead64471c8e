using BtfNotebooks.Btf;

namespace BtfNotebooks.Elf.BtfExt;

/// <summary>
/// Parses a BPF object's .BTF and .BTF.ext sections. Errors of either become <see cref="ElfFormatException"/>s that
/// name the section and the file offset.
/// </summary>
internal static class ObjectBtfLoader
{
    public const string BtfSection = ".BTF", BtfExtSection = ".BTF.ext";

    /// <summary>The object's .BTF, or null when it has none.</summary>
    public static BtfSpec? LoadBtf(BpfObjectFile obj)
    {
        if (obj.FindSection(BtfSection) is not { } section) return null;
        var data = RequireFileData(obj, section);
        try
        {
            return BtfSpec.Parse(data.ToArray(), baseSpec: null, source: obj.Source is null ? BtfSection : $"{obj.Source} {BtfSection}");
        }
        catch (BtfFormatException e)
        {
            // BTF offsets count from the start of the blob, i.e. of the section.
            var where = e.TypeId is uint id ? $" (type [{id}])" : "";
            throw new ElfFormatException($"section '{BtfSection}'{where}: {e.Reason}", (long)section.Offset + (e.Offset ?? 0), obj.Source, e);
        }
    }

    /// <summary>The object's .BTF.ext, or null when it has none; it needs <paramref name="btf"/> for its strings and types.</summary>
    public static BtfExtInfo? LoadBtfExt(BpfObjectFile obj, BtfSpec? btf)
    {
        if (obj.FindSection(BtfExtSection) is not { } section) return null;
        var data = RequireFileData(obj, section);
        if (btf is null)
            throw new ElfFormatException($"section '{BtfExtSection}' needs a '{BtfSection}' section for its strings and types, and the object has none",
                section.HeaderOffset, obj.Source);
        return BtfExtReader.Read(data, (long)section.Offset, obj.ByteOrder == Asm.ByteOrder.BigEndian, btf, obj.FindSection, obj.Source);
    }

    private static ReadOnlyMemory<byte> RequireFileData(BpfObjectFile obj, ElfSectionHeader section) =>
        section.HasNoFileData
            ? throw new ElfFormatException($"section '{section.Name}' is SHT_NOBITS: it has no contents in the file", section.HeaderOffset, obj.Source)
            : obj.SectionData(section);
}
