/* FNV-1a (32-bit) over the first 2 KiB of the packet, repeated: one byte load, xor and multiply per byte, the
 * shape of checksum and hash loops. Byte 0 of the packet is the number of passes (the bench sends 32); each pass
 * continues from the previous hash. The byte loop has a constant bound the verifier walks once; the pass loop's
 * bound comes from the packet so that can_loop lets the verifier stop after one pass. */
#include "bench_bpf.h"

#define LEN 2048

SEC("xdp")
int fnv1a(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *end = (void *)(long)ctx->data_end;
	if (data + LEN > end)
		return 0;
	unsigned int passes = data[0];
	unsigned int h = 2166136261u;

	for (unsigned int p = 0; p < passes && can_loop; p++)
		for (int i = 0; i < LEN; i++) {
			h ^= data[i];
			h *= 16777619u;
		}
	return (int)h;
}

char _license[] SEC("license") = "GPL";
