// XDP program for the CLI tests: counts bytes equal to the first one, via a bpf-to-bpf call.
#include <linux/bpf.h>
#define SEC(x) __attribute__((section(x), used))

static __attribute__((noinline)) int count(unsigned char *d, unsigned char *e)
{
    int n = 0;
    for (int i = 0; i < 128; i++) {
        if (d + i + 1 > e) break;
        n += d[i] == d[0];
    }
    return n;
}

SEC("xdp") int count_first(struct xdp_md *ctx)
{
    unsigned char *d = (void *)(long)ctx->data, *e = (void *)(long)ctx->data_end;
    if (d + 1 > e) return 0;
    return count(d, e);
}

SEC("socket") int skb_len(struct __sk_buff *skb)
{
    return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
