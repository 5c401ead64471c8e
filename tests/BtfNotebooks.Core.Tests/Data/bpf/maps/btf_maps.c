// BTF-defined maps of several types, global data in .data/.rodata/.bss and a custom .data.* section, and kconfig
// externs, all referenced from programs (one through a .text subprogram). Compiled by MapsObjectTests.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct pair { __u64 packets; __u32 bytes; __u32 pad; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct pair);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__uint(key_size, 4);
	__uint(value_size, 8);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, int);
	__type(value, __u64);
} percpu_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096 * 4);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u32);
} recent SEC(".maps");

struct inner_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} inner SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner_map);
} outer SEC(".maps") = {
	.values = { [1] = &inner },
};

SEC("xdp")
int xdp_tail(struct xdp_md *ctx)
{
	return XDP_PASS;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jumps SEC(".maps") = {
	.values = { [2] = (void *)&xdp_tail },
};

__u64 hits = 7;
__u32 limits[4] = { 1, 2, 3, 4 };
const volatile __u32 threshold = 42;
const volatile char tag[6] = "maps!";
__u64 zeroed;
static volatile __u32 calls; // static: relocated against the .bss section symbol with its offset in the lddw
__u32 more_zeroes[3];
__u64 custom SEC(".data.custom") = 0x1122334455667788ULL;

extern int LINUX_KERNEL_VERSION __kconfig;
extern _Bool CONFIG_BPF_SYSCALL __kconfig __weak;
extern char CONFIG_DEFAULT_HOSTNAME[8] __kconfig __weak;

static __attribute__((noinline)) int bump(__u32 key)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &key);
	if (v)
		*v += threshold;
	return 0;
}

SEC("xdp")
int xdp_maps(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct pair *p = bpf_map_lookup_elem(&flows, &key);
	if (p)
		p->packets++;
	__u64 *s = bpf_map_lookup_elem(&percpu_stats, &key);
	if (s)
		*s += limits[2];
	hits++;
	zeroed += more_zeroes[1];
	custom++;
	calls++;
	bump(key);
	void *m = bpf_map_lookup_elem(&outer, &key);
	if (m)
		bpf_map_lookup_elem(m, &key);
	bpf_tail_call(ctx, &jumps, 2);
	return tag[1] + CONFIG_BPF_SYSCALL + CONFIG_DEFAULT_HOSTNAME[0] ? 2 : 1;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int tp_events(void *ctx)
{
	__u64 k = LINUX_KERNEL_VERSION;
	__u32 one = 1;
	bpf_map_update_elem(&recent, &k, &one, BPF_ANY);
	bpf_ringbuf_output(&events, &k, sizeof(k), 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
