/* A socket filter: the verifier gives it no data/data_end, so it reads what BPF_PROG_TEST_RUN derives from the
 * packet into __sk_buff (len without the Ethernet header, pkt_type from the destination MAC, protocol from the
 * EtherType as eth_type_trans decodes it), round-trips values through the writable cb[] words, and mixes them in
 * a subprogram. */
#include "differential.h"

NOINLINE u64 fold_fields(u64 len, u64 pkt_type, u64 protocol)
{
    u64 acc = 0x243f6a8885a308d3ULL;
    MIX(acc, len);
    MIX(acc, pkt_type);
    MIX(acc, protocol);
    return acc;
}

SEC("socket") int socket_fields(struct __sk_buff *skb)
{
    u64 acc = fold_fields(skb->len, skb->pkt_type, skb->protocol);
    /* cb[] is the only part of the context a socket filter may write (with STX; ST into the context is refused). */
    skb->cb[0] = (u32)acc;
    skb->cb[3] = (u32)(acc >> 32) ^ skb->len;
    MIX(acc, skb->cb[0]);
    MIX(acc, skb->cb[1]);
    MIX(acc, skb->cb[3]);
    return FOLD(acc);
}
