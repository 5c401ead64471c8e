/* err_bitfield_span.c — a bitfield that no load of at most 8 bytes can cover: in target_a the packed
 * struct bfe_s has `wide` as a 40-bit field starting at bit 30 of a u64 storage unit, so libbpf's
 * byte_sz/lshift computation fails with E2BIG ("can't be satisfied for bitfield") and the load
 * fails. Locally the field is well aligned. */
#include "core_common.h"

CORE_TYPES_BEGIN
struct bfe_s { unsigned long long lo:24; unsigned long long wide:40; };
CORE_TYPES_END

SEC("raw_tp/bitfield_span")
int bitfield_span(__u64 *ctx)
{
	struct bfe_s *s = (void *)ctx[0];

	ctx[1] = BPF_CORE_READ_BITFIELD(s, lo);
	ctx[2] = BPF_CORE_READ_BITFIELD(s, wide);  /* error in target_a */
	return 0;
}
