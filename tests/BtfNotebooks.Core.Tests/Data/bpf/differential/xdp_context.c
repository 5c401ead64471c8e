/* The xdp_md fields other than the packet bounds, as BPF_PROG_TEST_RUN fills them without a context: the
 * loopback device's ifindex and queue 0, data_meta equal to data (no metadata). */
#include "differential.h"

SEC("xdp") int xdp_context(struct xdp_md *ctx)
{
    u64 acc = 0x13198a2e03707344ULL;
    MIX(acc, ctx->ingress_ifindex);
    MIX(acc, ctx->rx_queue_index);
    MIX(acc, (long)ctx->data - (long)ctx->data_meta);
    MIX(acc, (long)ctx->data_end - (long)ctx->data);
    return FOLD(acc);
}
