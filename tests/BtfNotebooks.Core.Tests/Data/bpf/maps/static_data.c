// Global data no skeleton would expose (static and __hidden variables), a string literal (.rodata.str1.1, which
// has no DATASEC) and a typeless __ksym extern (not a map). Compiled by MapsDefinitionTests/MapsRelocationTests.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

static volatile __u32 packets = 5;
__hidden volatile __u64 bytes;
extern const void bpf_prog_active __ksym;

static __attribute__((noinline)) long greet(const char *who)
{
	return bpf_probe_read_kernel_str((void *)who, 1, "hello, world");
}

SEC("kprobe/do_nanosleep")
int probe(void *ctx)
{
	packets++;
	bytes += (long)&bpf_prog_active;
	return greet(0);
}

char LICENSE[] SEC("license") = "GPL";
