/* __sk_buff.pkt_type alone, so a difference names the field: eth_type_trans on the test run's device (loopback,
 * address and broadcast address all zero) classifies the destination MAC. */
#include "differential.h"

SEC("socket") int socket_pkt_type(struct __sk_buff *skb) { return skb->pkt_type; }
