/* kernel.c — realistic tracing-style accesses against the shipped kernels (local-6.18-amd64 and
 * debian-6.1.0-56-amd64 in the goldens). Local types declare only the members used, flat, while the
 * kernels nest many of them in anonymous structs/unions (sk_buff.mark, sk_buff.pkt_type,
 * mm_struct.arg_start). Differences between the two kernels that the goldens pin down:
 *   task_struct.mm_cid        only in 6.18 (poison on 6.1, guarded by field_exists)
 *   task_struct.in_lru_fault  1-bit bitfield only in 6.1
 *   task_struct.perf_event_ctxp  pointer in 6.18, array of 2 pointers in 6.1 (ptr vs array: no match)
 *   struct task_rss_stat      only in 6.1
 *   BPF_FUNC_cgrp_storage_get only in 6.18
 *   enum netdev_priv_flags    ENUM64 in 6.1 (IFF_CHANGE_PROTO_DOWN = 1<<32), 32-bit ENUM in 6.18
 * Against the purpose-built targets nothing here has a candidate. */
#include "core_common.h"

CORE_TYPES_BEGIN
struct mm_struct { unsigned long arg_start; };
struct perf_event_context;
struct task_struct {
	int pid;
	int tgid;
	unsigned int __state;
	char comm[16];
	struct task_struct *real_parent;
	struct mm_struct *mm;
	int mm_cid;
	unsigned int in_lru_fault:1;
	unsigned int sched_reset_on_fork:1;
	struct perf_event_context *perf_event_ctxp;
};
struct task_struct___old { long state; };      /* pre-5.14 layout: no such field in either kernel */
struct sk_buff { unsigned int len; __u8 pkt_type:3; __u32 mark; };
struct task_rss_stat { int events; };
struct list_head { struct list_head *next, *prev; };
CORE_TYPES_END

/* linux/bpf.h already defines enum bpf_func_id: a flavored copy with flavored enumerators */
enum bpf_func_id___k { BPF_FUNC_loop___k = 181, BPF_FUNC_cgrp_storage_get___k = 210 };
enum netdev_priv_flags___v61 { IFF_CHANGE_PROTO_DOWN = 1ULL << 32, IFF_NO_QUEUE = 1 << 21 };

SEC("kprobe/do_exit")
int task(__u64 *ctx)
{
	struct task_struct *t = (void *)ctx[0];
	char comm[16];

	ctx[1] = t->pid;                                        /* direct load, offset differs per kernel */
	ctx[2] = BPF_CORE_READ(t, real_parent, tgid);           /* pointer chase */
	ctx[3] = BPF_CORE_READ(t, mm, arg_start);               /* arg_start sits in an anonymous struct */
	bpf_core_read(comm, sizeof(comm), &t->comm);
	ctx[4] = comm[0];
	if (bpf_core_field_exists(t->mm_cid))                  /* 6.18 only */
		ctx[5] = t->mm_cid;
	if (bpf_core_field_exists(struct task_struct___old, state))
		ctx[6] = BPF_CORE_READ((struct task_struct___old *)t, state);
	else
		ctx[6] = t->__state;
	ctx[7] = BPF_CORE_READ_BITFIELD_PROBED(t, in_lru_fault); /* 6.1 only */
	ctx[8] = BPF_CORE_READ_BITFIELD_PROBED(t, sched_reset_on_fork);
	ctx[9] = (__u64)t->perf_event_ctxp;                     /* ptr (6.18) vs ptr[2] (6.1) */
	ctx[10] = bpf_core_type_size(struct task_struct);
	ctx[11] = bpf_core_type_id_kernel(struct task_struct);
	return 0;
}

SEC("kprobe/kfree_skb")
int skb(__u64 *ctx)
{
	struct sk_buff *s = (void *)ctx[0];

	ctx[1] = s->len;
	ctx[2] = s->mark;                                       /* inside an anonymous union */
	ctx[3] = BPF_CORE_READ_BITFIELD(s, pkt_type);           /* bitfield inside an anonymous struct */
	ctx[4] = bpf_core_type_exists(struct task_rss_stat);    /* 6.1 only */
	ctx[5] = bpf_core_type_matches(struct list_head);
	ctx[6] = bpf_core_type_matches(struct sk_buff);         /* full struct compare: member types differ */
	ctx[7] = bpf_core_enum_value(enum bpf_func_id___k, BPF_FUNC_loop___k);
	ctx[8] = bpf_core_enum_value_exists(enum bpf_func_id___k, BPF_FUNC_cgrp_storage_get___k);
	ctx[9] = bpf_core_enum_value(enum bpf_func_id___k, BPF_FUNC_cgrp_storage_get___k);
	ctx[10] = bpf_core_enum_value(enum netdev_priv_flags___v61, IFF_CHANGE_PROTO_DOWN); /* ENUM64 */
	ctx[11] = bpf_core_enum_value(enum netdev_priv_flags___v61, IFF_NO_QUEUE);
	return 0;
}
