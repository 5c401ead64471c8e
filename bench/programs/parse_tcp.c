/* An Ethernet / IPv4 / TCP header parser, the common first stage of an XDP program: every header bounds-checked
 * against data_end, up to two VLAN tags, IPv4 options skipped via ihl, and the TCP ports and flags folded into
 * the return value so that the result depends on every field read. Anything else returns XDP_PASS. */
#include "bench_bpf.h"
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/tcp.h>

struct vlan_hdr {
	__be16 tci;
	__be16 encapsulated_proto;
};

static __always_inline __u16 be16(__be16 v) { return __builtin_bswap16(v); }

SEC("xdp")
int parse_tcp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	void *cursor = eth + 1;
	__u16 proto = be16(eth->h_proto);
	__u32 vlans = 0;

#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		struct vlan_hdr *vlan = cursor;
		if ((void *)(vlan + 1) > end)
			return XDP_PASS;
		vlans = vlans << 12 | (be16(vlan->tci) & 0xfff);
		proto = be16(vlan->encapsulated_proto);
		cursor = vlan + 1;
	}
	if (proto != ETH_P_IP)
		return XDP_PASS;

	struct iphdr *ip = cursor;
	if ((void *)(ip + 1) > end)
		return XDP_PASS;
	__u32 ihl = ip->ihl;
	if (ip->version != 4 || ihl < 5 || ip->protocol != IPPROTO_TCP)
		return XDP_PASS;
	if (ip->frag_off & __builtin_bswap16(0x3fff)) /* MF or an offset: no TCP header here */
		return XDP_PASS;
	struct tcphdr *tcp = cursor + ihl * 4;
	if ((void *)(tcp + 1) > end)
		return XDP_PASS;
	__u32 doff = tcp->doff;
	if (doff < 5 || (void *)tcp + doff * 4 > end)
		return XDP_PASS;

	__u32 flags = ((__u8 *)tcp)[13];
	__u32 ports = (__u32)be16(tcp->source) << 16 | be16(tcp->dest);
	return (int)(ports ^ flags << 24 ^ ihl << 20 ^ doff << 8 ^ vlans ^ ip->ttl);
}

char _license[] SEC("license") = "GPL";
