using BtfNotebooks.Elf;

namespace BtfNotebooks.Btf.Containers;

/// <summary>Gets the <c>.BTF</c> section out of an ELF file (vmlinux, a module, a BPF object, a BTFHub .btf).</summary>
internal static class ElfBtfSection
{
    private const string SectionName = ".BTF";
    private const uint CompressZlib = 1; // ELFCOMPRESS_ZLIB
    private const uint CompressZstd = 2; // ELFCOMPRESS_ZSTD

    public static BtfBlob Extract(ByteSlice file, Layer layer)
    {
        Exception Error(string reason, long offset) => layer.Error(reason, offset);
        var elf = ElfFileHeader.Read(file.Span, Error);
        var sections = elf.ReadSections(file.Span, Error);
        var index = Array.FindIndex(sections, s => s.Name == SectionName);

        if (index < 0)
        {
            // e.g. a vmlinux whose BTF was linked into another section: look for a BTF header anywhere
            if (RawBtfScanner.FindLargest(file.Span) is { } hit)
                return layer.Blob(file.Slice(hit.Offset, hit.Length), $"{elf.Describe} without .BTF section > {hit.Describe()}");
            throw layer.Error(
                $"no .BTF section in ELF ({elf.Describe}, {sections.Length} sections; no BTF header found by scanning either)",
                (long)elf.SectionHeaderOffset);
        }

        var section = sections[index];
        var where = $"{elf.Describe} .BTF section at 0x{section.Offset:x}";
        if (section.Type == ElfSectionHeader.TypeNoBits)
            throw layer.Error(".BTF section is SHT_NOBITS: it has no data in this file (a stripped or separate-debug ELF?)", section.HeaderOffset);
        if (!file.Contains(section.Offset, section.Size))
            throw layer.Error(
                $".BTF section (0x{section.Size:x} bytes at 0x{section.Offset:x}) runs past end of file (0x{file.Length:x} bytes)",
                section.HeaderOffset);
        if (section.Size == 0) throw layer.Error(".BTF section is empty", section.HeaderOffset);

        var data = file.Slice((long)section.Offset, (long)section.Size);
        if ((section.Flags & ElfSectionHeader.FlagCompressed) == 0) return layer.Blob(data, where);
        return Decompress(data, elf, section, layer, where);
    }

    /// <summary>SHF_COMPRESSED: an Elf_Chdr (type, uncompressed size) followed by a zlib or zstd stream.</summary>
    private static BtfBlob Decompress(ByteSlice data, ElfFileHeader elf, ElfSectionHeader section, Layer layer, string where)
    {
        var chdrSize = elf.Is64 ? 24 : 12;
        var at = (long)section.Offset;
        if (data.Length < chdrSize)
            throw layer.Error($"compressed .BTF section is smaller than its {chdrSize}-byte compression header", at);
        var s = data.Span;
        var type = Endian.U32(s, 0, elf.BigEndian);
        ulong size = elf.Is64 ? Endian.U64(s, 8, elf.BigEndian) : Endian.U32(s, 4, elf.BigEndian);
        var format = type switch
        {
            CompressZlib => CompressionFormat.Zlib,
            CompressZstd => CompressionFormat.Zstd,
            _ => throw layer.Error($"compressed .BTF section uses unknown ch_type {type} (known: 1 zlib, 2 zstd)", at),
        };
        if (size == 0 || size > (ulong)layer.Limits.MaxLayerBytes)
            throw layer.Error($"compressed .BTF section claims {size} uncompressed bytes (limit {layer.Limits.MaxLayerBytes})", at);

        ByteSlice plain;
        using (var stream = GuardedDecompressionStream.Open(format, data.Slice(chdrSize), layer, at + chdrSize, maxBytes: (long)size))
            plain = stream.ReadToEnd();
        if (plain.Length != (long)size)
            throw layer.Error($"compressed .BTF section decompressed to {plain.Length} bytes, header says {size}", at);
        return layer.Blob(plain, $"{where} (SHF_COMPRESSED {format.Name()}, {size} bytes)");
    }
}
