/* A tight ALU loop: the interpreter's dispatch cost per instruction with no memory traffic in the loop.
 * The trip count and the seed come from the packet: bytes 0..1 (big-endian) are the iteration count, 2..9 the
 * seed, so clang cannot fold the loop and the verifier sees an unknown bound (see can_loop). */
#include "bench_bpf.h"

SEC("xdp")
int alu_loop(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *end = (void *)(long)ctx->data_end;
	if (data + 10 > end)
		return 0;
	unsigned int n = (unsigned int)data[0] << 8 | data[1];
	unsigned long long a = *(unsigned long long *)(data + 2), b = a ^ 0x9e3779b97f4a7c15ULL;

	for (unsigned int i = 0; i < n && can_loop; i++) {
		a = a * 6364136223846793005ULL + 1442695040888963407ULL;
		b ^= a >> 29;
		b += b << 7;
		a ^= b;
	}
	return (int)(a ^ b ^ (a >> 32));
}

char _license[] SEC("license") = "GPL";
