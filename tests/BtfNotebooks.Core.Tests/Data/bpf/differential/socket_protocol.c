/* __sk_buff.protocol alone, so a difference names the field: eth_type_trans returns the EtherType (network byte
 * order) when it is one (>= 0x600), else ETH_P_802_3 for raw IPX (payload starting 0xFFFF) or ETH_P_802_2. */
#include "differential.h"

SEC("socket") int socket_protocol(struct __sk_buff *skb) { return skb->protocol; }
