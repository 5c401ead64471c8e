/* err_ambiguous_value.c — "relocation decision ambiguity": in target_ambiguous amb_v___x and
 * amb_v___y have v.b at the same offset but with different sizes, so byte_sz gets two different
 * values and libbpf fails the load (same offset, so no offset ambiguity). */
#include "core_common.h"

CORE_TYPES_BEGIN
struct amb_v { long a; int b; };
CORE_TYPES_END

SEC("raw_tp/amb_value")
int amb_value(__u64 *ctx)
{
	struct amb_v *v = (void *)ctx[0];

	ctx[1] = bpf_core_field_size(v->a);   /* 8 in both flavors: fine */
	ctx[2] = bpf_core_field_exists(v->b); /* exists never conflicts */
	ctx[3] = bpf_core_field_size(v->b);   /* 4 vs 8: error */
	ctx[4] = bpf_core_field_offset(v->b); /* not reached */
	return 0;
}
