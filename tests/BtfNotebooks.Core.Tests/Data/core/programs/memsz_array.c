/* memsz_array.c — a direct load through an ARRAY-typed member (the access string ends at the member,
 * not at a subscript). libbpf < 1.6 (the oracle's 1.1.2) takes the WHOLE array size as the access
 * size, libbpf >= 1.6 the element size (core-spec §6.1, §9): when the array length changes in the
 * target, 1.1.2 poisons the load while 1.6+ patches the offset. Kept in its own object because the
 * goldens record the 1.1.2 behaviour. target_a grows the array; target_b only moves it. */
#include "core_common.h"

CORE_TYPES_BEGIN
struct mza_s {
	int pad;
	__u32 words[4];                             /* target_a: __u32 words[8] */
	__u64 qwords[2];                            /* target_a: unchanged length, moved */
};
CORE_TYPES_END

SEC("raw_tp/memsz_array")
int memsz_array(__u64 *ctx)
{
	struct mza_s *s = (void *)ctx[0];

	ctx[1] = *(__u32 *)s->words;                /* LDX W with access 0:1 (member of array type) */
	ctx[2] = *(__u64 *)s->qwords;               /* same length in the target: sizes agree */
	ctx[3] = s->words[1];                       /* subscripted: access 0:1:1, element size either way */
	return 0;
}
