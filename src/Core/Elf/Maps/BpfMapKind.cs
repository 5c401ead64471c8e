namespace BtfNotebooks.Elf.Maps;

/// <summary>Where a map definition comes from in the object (libbpf's libbpf_map_type plus the two user map styles).</summary>
public enum BpfMapKind
{
    /// <summary>A BTF-defined map: a variable of SEC(".maps") whose struct type encodes the attributes.</summary>
    BtfDefined,
    /// <summary>A <c>struct bpf_map_def</c> in the legacy <c>maps</c> section (libbpf before 1.0).</summary>
    Legacy,
    /// <summary>Initialised writable globals: <c>.data</c> or <c>.data.*</c>.</summary>
    Data,
    /// <summary>Constant globals: <c>.rodata</c> or <c>.rodata.*</c>; read-only for the program (BPF_F_RDONLY_PROG).</summary>
    ReadOnlyData,
    /// <summary>Zero-initialised globals: <c>.bss</c> or <c>.bss.*</c> (SHT_NOBITS).</summary>
    Bss,
    /// <summary><c>extern ... __kconfig</c> variables, laid out by libbpf and filled from the kernel config at load time.</summary>
    Kconfig,
}

public static class BpfMapKindExtensions
{
    /// <summary>True for the array maps libbpf creates for global variables (.data, .rodata, .bss, .kconfig).</summary>
    public static bool IsGlobalData(this BpfMapKind kind) => kind is BpfMapKind.Data or BpfMapKind.ReadOnlyData or BpfMapKind.Bss or BpfMapKind.Kconfig;
}
