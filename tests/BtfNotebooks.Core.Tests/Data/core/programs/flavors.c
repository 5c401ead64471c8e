/* flavors.c — `___suffix` flavors: several local flavors of one target struct, the classic
 * "field renamed between versions" pattern guarded by bpf_core_field_exists, and the essential-name
 * rule's edge cases (last `___` wins; four underscores is not a separator). Field names are never
 * flavor-stripped. target_a has the new layout (fl_task.__state), target_b the old one
 * (fl_task.state), target_ambiguous has no fl_* types. */
#include "core_common.h"

CORE_TYPES_BEGIN
struct fl_task { int pid; unsigned int __state; };            /* current layout */
struct fl_task___old { int pid; long state; };                /* older layout, same essential name */
struct fl_task___x___y { int pid; };                          /* essential name fl_task___x (last ___) */
struct fl_four____u { int v; };                               /* 4 underscores: not a flavor */
struct fl_pair { int first; int second___v2; };               /* member names are compared verbatim */
CORE_TYPES_END

SEC("raw_tp/flavors")
int flavors(__u64 *ctx)
{
	struct fl_task *t = (void *)ctx[0];
	struct fl_task___old *o = (void *)ctx[0];

	/* rename guard: each branch keeps its relocations; the absent one is poisoned or 0 */
	if (bpf_core_field_exists(struct fl_task___old, state))
		ctx[1] = o->state;
	else
		ctx[1] = t->__state;
	ctx[2] = bpf_core_field_exists(t->__state);
	ctx[3] = o->pid;                                           /* pid found through the flavor */
	ctx[4] = bpf_core_type_exists(struct fl_task___old);
	ctx[5] = bpf_core_type_size(struct fl_task___old);
	ctx[6] = bpf_core_type_exists(struct fl_task___x___y);     /* needs a target named fl_task___x[___*] */
	ctx[7] = bpf_core_type_exists(struct fl_four____u);        /* needs exactly fl_four____u */
	ctx[8] = bpf_core_field_exists(struct fl_pair, second___v2); /* target member "second" does not match */
	ctx[9] = bpf_core_field_offset(struct fl_pair, first);
	return 0;
}
