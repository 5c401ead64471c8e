// Maps referenced through lddw with relocations, helper calls, atomics of both widths, sign-extending loads.
#define SEC(name) __attribute__((section(name), used))

struct {
	int (*type)[2];
	int (*max_entries)[16];
	int *key;
	long *value;
} counters SEC(".maps");

static void *(*map_lookup)(void *map, const void *key) = (void *)1;
static long (*ktime_get_ns)(void) = (void *)5;

long total;
int small_total;

SEC("xdp") int count(void *ctx)
{
	int key = (int)(ktime_get_ns() & 15);
	long *value = map_lookup(&counters, &key);
	if (!value)
		return 0;
	__sync_fetch_and_add(value, 1);
	long old = __sync_fetch_and_add(&total, 2);
	__sync_fetch_and_or(&small_total, 4);
	int prev = __sync_fetch_and_xor(&small_total, 8);
	__sync_fetch_and_and(&total, 0xff);
	long swapped = __sync_val_compare_and_swap(&total, old, 7);
	int x = __atomic_exchange_n(&small_total, 3, __ATOMIC_SEQ_CST);
	signed char c = *(signed char *)ctx;
	short s = *(short *)((char *)ctx + 2);
	return (int)(swapped + prev + x + c + s + old);
}
