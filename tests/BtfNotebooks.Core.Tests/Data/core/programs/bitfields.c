/* bitfields.c — bitfield relocations: BPF_CORE_READ_BITFIELD (direct load, byte_off + byte_sz +
 * lshift_u64 + signed + rshift_u64 per read) and BPF_CORE_READ_BITFIELD_PROBED (bpf_probe_read_kernel),
 * on unsigned, signed, 64-bit-storage and 1-bit fields, and field kinds on a plain member read as a
 * bitfield. target_a moves and resizes them, flips signedness, makes a bitfield span two 32-bit
 * storage units (byte_sz grows to 8), turns a bitfield into a plain member and a plain member into
 * a bitfield; target_b removes some (poison / exists 0). */
#include "core_common.h"

CORE_TYPES_BEGIN
struct bf_s {
	unsigned int lo:3;                          /* unsigned, bit 0 */
	int sg:5;                                   /* signed bitfield: signed=1, arithmetic shift */
	unsigned int mid:20;
	unsigned long long wide:40;                 /* 64-bit storage unit */
	unsigned char flag:1;                       /* 1-bit, 8-bit storage */
	short sh:7;                                 /* signed short bitfield */
	int plain;                                  /* not a bitfield */
};
CORE_TYPES_END

SEC("raw_tp/bitfields")
int bitfields(__u64 *ctx)
{
	struct bf_s *s = (void *)ctx[0];

	ctx[1] = BPF_CORE_READ_BITFIELD(s, lo);     /* unsigned */
	ctx[2] = BPF_CORE_READ_BITFIELD(s, sg);     /* signed: SIGNED relocation decides the shift */
	ctx[3] = BPF_CORE_READ_BITFIELD(s, mid);    /* may need a wider load in the target */
	ctx[4] = BPF_CORE_READ_BITFIELD(s, wide);   /* 8-byte storage */
	ctx[5] = BPF_CORE_READ_BITFIELD(s, plain);  /* non-bitfield through the bitfield macro */
	ctx[6] = BPF_CORE_READ_BITFIELD_PROBED(s, flag); /* probe-read variant */
	ctx[7] = BPF_CORE_READ_BITFIELD_PROBED(s, sh);
	/* single kinds on bitfields */
	ctx[8] = bpf_core_field_exists(s->flag);
	ctx[9] = bpf_core_field_size(s->mid);       /* byte_sz of a bitfield = its load width */
	ctx[10] = bpf_core_field_offset(s->wide);   /* byte_off of a bitfield (validate=false) */
	ctx[11] = bpf_core_field_lshift(s->sh);
	ctx[12] = bpf_core_field_rshift(s->sh);
	return 0;
}
