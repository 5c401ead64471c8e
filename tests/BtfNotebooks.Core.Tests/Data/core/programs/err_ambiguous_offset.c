/* err_ambiguous_offset.c — "field offset ambiguity": target_ambiguous has amb_s___x and amb_s___y,
 * both matching amb_s.b but at different offsets, so libbpf fails the whole load at that record
 * (status error); the records before it are resolved, the ones after it are never reached.
 * Against target_a (a single amb_s) everything resolves. */
#include "core_common.h"

CORE_TYPES_BEGIN
struct amb_s { int a; int b; };
CORE_TYPES_END

SEC("raw_tp/amb_offset")
int amb_offset(__u64 *ctx)
{
	struct amb_s *s = (void *)ctx[0];

	ctx[1] = s->a;                 /* both flavors have a at offset 0: fine */
	ctx[2] = s->b;                 /* offset 4 in amb_s___x, 8 in amb_s___y: error */
	ctx[3] = bpf_core_field_exists(s->a); /* not reached */
	return 0;
}
