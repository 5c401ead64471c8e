using BtfNotebooks.Btf;

namespace BtfNotebooks.Elf.BtfExt;

/// <summary>
/// Reads a .BTF.ext section: the header, then the func_info, line_info and core_relo sub-sections in that order
/// (libbpf's order, so the first error reported is the one libbpf would stop at), then every record.
/// </summary>
internal static class BtfExtReader
{
    /// <param name="section">The .BTF.ext bytes.</param>
    /// <param name="fileOffset">Where they start in the file, so errors name file offsets.</param>
    /// <param name="objectBigEndian">The ELF object's byte order.</param>
    /// <param name="btf">The object's .BTF, for strings and type IDs.</param>
    /// <param name="findSection">The object's section of a given name, or null.</param>
    /// <param name="source">The file name, for error messages.</param>
    public static BtfExtInfo Read(ReadOnlyMemory<byte> section, long fileOffset, bool objectBigEndian, BtfSpec btf,
        Func<string, ElfSectionHeader?> findSection, string? source)
    {
        var header = BtfExtHeader.Read(section, objectBigEndian, (reason, at) => new ElfFormatException(reason, fileOffset + at, source));
        var ext = new BtfExtBytes(section, header.BigEndian, fileOffset, source);
        bool foreign = header.BigEndian != objectBigEndian;
        var funcInfo = BtfExtSubsection.Read(ext, header.HeaderLength, header.FuncInfo, BtfExtRecordReaders.FuncInfoSize, foreign);
        var lineInfo = BtfExtSubsection.Read(ext, header.HeaderLength, header.LineInfo, BtfExtRecordReaders.LineInfoSize, foreign);
        var coreRelo = header.CoreRelocations is { } core
            ? BtfExtSubsection.Read(ext, header.HeaderLength, core, BtfExtRecordReaders.CoreRelocationSize, foreign)
            : null;

        var resolver = new BtfExtResolver(ext, btf, findSection);
        return new BtfExtInfo(header.BigEndian,
            BySection(funcInfo, b => BtfExtRecordReaders.FuncInfos(resolver, funcInfo, b), r => r.Section),
            BySection(lineInfo, b => BtfExtRecordReaders.LineInfos(resolver, lineInfo, b), r => r.Section),
            coreRelo is null ? [] : coreRelo.Blocks.SelectMany(b => BtfExtRecordReaders.CoreRelocations(resolver, coreRelo, b)).ToList());
    }

    /// <summary>The records of every block, grouped by section name (a section may have several blocks), in file order.</summary>
    private static IReadOnlyDictionary<string, IReadOnlyList<T>> BySection<T>(BtfExtSubsection sub,
        Func<BtfExtBlock, IEnumerable<T>> records, Func<T, string> section)
    {
        var result = new Dictionary<string, IReadOnlyList<T>>();
        foreach (var group in sub.Blocks.SelectMany(records).GroupBy(section))
            result[group.Key] = group.ToList();
        return result;
    }
}
