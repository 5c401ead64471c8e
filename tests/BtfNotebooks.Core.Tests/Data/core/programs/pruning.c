/* pruning.c — several programs in one object share libbpf's candidate cache (core-spec §3): once a
 * relocation has matching candidates, the cached list for that local root type is cut down to them,
 * so later relocations (in later programs too) only see the survivors. Against target_ambiguous:
 * prog_prune's access to pr_s.y leaves only pr_s___a, so prog_after's pr_s.z (only in pr_s___b) is
 * poisoned, and pr_t.k — ambiguous between pr_t___a/pr_t___b — resolves without an ambiguity error
 * because pr_t.only_a pruned pr_t___b first. A sub-program in .text and a `?`-section program
 * (autoload off: its records are skipped, it prunes nothing) complete the picture. */
#include "core_common.h"

CORE_TYPES_BEGIN
struct pr_s { int x; int y; long z; };
struct pr_t { int k; int only_a; };
struct pr_u { int w; int only_b; };
CORE_TYPES_END

/* .text sub-program: relocated as its own program, before it is appended to callers */
static __attribute__((noinline)) int pr_helper(struct pr_s *s)
{
	return s->x + bpf_core_field_exists(s->z);
}

SEC("raw_tp/prune")
int prog_prune(__u64 *ctx)
{
	struct pr_s *s = (void *)ctx[0];
	struct pr_t *t = (void *)ctx[0];

	ctx[1] = s->x;                 /* both pr_s flavors match at offset 0: no pruning */
	ctx[2] = s->y;                 /* only pr_s___a has y: cache for pr_s becomes [pr_s___a] */
	ctx[3] = t->only_a;            /* cache for pr_t becomes [pr_t___a] */
	ctx[4] = pr_helper(s);
	return 0;
}

SEC("?raw_tp/disabled")
int prog_disabled(__u64 *ctx)
{
	struct pr_u *u = (void *)ctx[0];

	ctx[1] = u->only_b;            /* not relocated (autoload off): would prune pr_u to [pr_u___b] */
	return 0;
}

SEC("raw_tp/after")
int prog_after(__u64 *ctx)
{
	struct pr_s *s = (void *)ctx[0];
	struct pr_t *t = (void *)ctx[0];
	struct pr_u *u = (void *)ctx[0];

	ctx[1] = s->z;                 /* pr_s___b pruned away: poison (ok when relocated alone) */
	ctx[2] = bpf_core_field_exists(s->z); /* 0 for the same reason */
	ctx[3] = t->k;                 /* only pr_t___a left: no ambiguity */
	ctx[4] = u->w;                 /* pr_u never pruned: both flavors, same offset: ok */
	return 0;
}
