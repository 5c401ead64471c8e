/* err_ambiguous_type_id.c — type relocations with two compatible candidates (target_ambiguous has
 * amb_v___x and amb_v___y): type_exists agrees (1 and 1), type_size agrees when the sizes are
 * equal (both 16), but target_type_id always differs (two IDs) and fails the load. */
#include "core_common.h"

CORE_TYPES_BEGIN
struct amb_v { long a; int b; };
CORE_TYPES_END

SEC("raw_tp/amb_type_id")
int amb_type_id(__u64 *ctx)
{
	ctx[1] = bpf_core_type_exists(struct amb_v);
	ctx[2] = bpf_core_type_size(struct amb_v);
	ctx[3] = bpf_core_type_id_kernel(struct amb_v);   /* two IDs: error */
	ctx[4] = bpf_core_type_matches(struct amb_v);     /* not reached */
	return 0;
}
