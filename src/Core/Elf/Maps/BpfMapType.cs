namespace BtfNotebooks.Elf.Maps;

/// <summary>
/// BPF_MAP_TYPE_* of include/uapi/linux/bpf.h. A definition keeps whatever number the object gives, so values past
/// the last known type are kept as they are rather than rejected (the kernel decides whether it knows them).
/// </summary>
public enum BpfMapType : uint
{
    Unspec = 0,
    Hash = 1,
    Array = 2,
    ProgArray = 3,
    PerfEventArray = 4,
    PercpuHash = 5,
    PercpuArray = 6,
    StackTrace = 7,
    CgroupArray = 8,
    LruHash = 9,
    LruPercpuHash = 10,
    LpmTrie = 11,
    ArrayOfMaps = 12,
    HashOfMaps = 13,
    Devmap = 14,
    Sockmap = 15,
    Cpumap = 16,
    Xskmap = 17,
    Sockhash = 18,
    CgroupStorage = 19,
    ReuseportSockarray = 20,
    PercpuCgroupStorage = 21,
    Queue = 22,
    Stack = 23,
    SkStorage = 24,
    DevmapHash = 25,
    StructOps = 26,
    Ringbuf = 27,
    InodeStorage = 28,
    TaskStorage = 29,
    BloomFilter = 30,
    UserRingbuf = 31,
    CgrpStorage = 32,
    Arena = 33,
}

public static class BpfMapTypeNames
{
    private static readonly string[] Names =
    [
        "unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash", "percpu_array", "stack_trace",
        "cgroup_array", "lru_hash", "lru_percpu_hash", "lpm_trie", "array_of_maps", "hash_of_maps", "devmap", "sockmap",
        "cpumap", "xskmap", "sockhash", "cgroup_storage", "reuseport_sockarray", "percpu_cgroup_storage", "queue",
        "stack", "sk_storage", "devmap_hash", "struct_ops", "ringbuf", "inode_storage", "task_storage", "bloom_filter",
        "user_ringbuf", "cgrp_storage", "arena",
    ];

    /// <summary>The name libbpf (libbpf_bpf_map_type_str) and bpftool print, e.g. "percpu_array"; unknown types as "type N".</summary>
    public static string ToLibbpfName(this BpfMapType type) => (uint)type < Names.Length ? Names[(int)type] : $"type {(uint)type}";

    /// <summary>Maps whose values are other maps (__array(values, ...) names the inner definition).</summary>
    public static bool IsMapInMap(this BpfMapType type) => type is BpfMapType.ArrayOfMaps or BpfMapType.HashOfMaps;
}
