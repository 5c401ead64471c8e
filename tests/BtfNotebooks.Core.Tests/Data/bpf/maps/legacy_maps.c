// The pre-BTF map style: struct bpf_map_def records in SEC("maps"). libbpf 1.x refuses it, so MapsLegacyTests check
// the definitions against the values written here and the relocations against llvm-objdump.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = 4,
	.value_size = 16,
	.max_entries = 128,
	.map_flags = BPF_F_NO_PREALLOC,
};

struct bpf_map_def SEC("maps") legacy_array = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = 4,
	.value_size = 8,
	.max_entries = 3,
};

SEC("socket")
int legacy(void *ctx)
{
	__u32 key = 1;
	__u64 *v = bpf_map_lookup_elem(&legacy_array, &key);
	if (v)
		bpf_map_update_elem(&legacy_hash, &key, v, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
