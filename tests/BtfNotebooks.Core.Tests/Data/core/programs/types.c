/* types.c — type-based relocations: local_type_id, target_type_id, type_exists, type_size,
 * type_matches on structs, unions, enums, typedefs (of an int, of a struct, of a function pointer)
 * and a flavored struct. target_a changes sizes and member types (type_matches 0 while type_exists 1),
 * target_b drops or renames types (0, never poison), target_ambiguous has no ty_* types at all. */
#include "core_common.h"

enum ty_e { TY_X, TY_Y };
typedef unsigned int ty_u32_t;

CORE_TYPES_BEGIN
struct ty_s { int a; long b; };
union ty_u { int i; long l; };
typedef struct ty_s ty_s_t;                     /* typedef of a struct */
typedef int (*ty_fn_t)(int, long);              /* function-pointer typedef: FUNC_PROTO compat */
struct ty_gone { int z; };                      /* absent from target_b */
struct ty_renamed___old { int q; };             /* flavor: matches target's ty_renamed */
struct ty_match { int a; struct ty_s *p; ty_u32_t c; }; /* target_a: c becomes long -> matches 0 */
CORE_TYPES_END

SEC("raw_tp/types")
int types(__u64 *ctx)
{
	/* local_type_id: never looks at the target */
	ctx[1] = bpf_core_type_id_local(struct ty_s);
	ctx[2] = bpf_core_type_id_local(ty_u32_t);
	/* target_type_id: the candidate's ID in the target (0 when absent) */
	ctx[3] = bpf_core_type_id_kernel(struct ty_s);
	ctx[4] = bpf_core_type_id_kernel(union ty_u);
	ctx[5] = bpf_core_type_id_kernel(enum ty_e);
	ctx[6] = bpf_core_type_id_kernel(ty_fn_t);
	ctx[7] = bpf_core_type_id_kernel(struct ty_gone);
	ctx[8] = bpf_core_type_id_kernel(struct ty_renamed___old);
	/* type_exists */
	ctx[9] = bpf_core_type_exists(struct ty_s);
	ctx[10] = bpf_core_type_exists(ty_s_t);         /* a typedef needs a target typedef */
	ctx[11] = bpf_core_type_exists(ty_u32_t);
	ctx[12] = bpf_core_type_exists(struct ty_gone);
	ctx[13] = bpf_core_type_exists(struct ty_renamed___old);
	ctx[14] = bpf_core_type_exists(struct ty_match);
	/* type_size: resolved size of the candidate */
	ctx[15] = bpf_core_type_size(struct ty_s);
	ctx[16] = bpf_core_type_size(union ty_u);
	ctx[17] = bpf_core_type_size(enum ty_e);
	ctx[18] = bpf_core_type_size(ty_u32_t);         /* typedef resolved to its int */
	ctx[19] = bpf_core_type_size(ty_s_t);
	ctx[20] = bpf_core_type_size(ty_fn_t);          /* pointer: 8 */
	ctx[21] = bpf_core_type_size(struct ty_gone);
	/* type_matches: names and member types, stricter than type_exists */
	ctx[22] = bpf_core_type_matches(struct ty_match);
	ctx[23] = bpf_core_type_matches(struct ty_s);
	ctx[24] = bpf_core_type_matches(enum ty_e);
	ctx[25] = bpf_core_type_matches(ty_fn_t);
	ctx[26] = bpf_core_type_matches(union ty_u);
	ctx[27] = bpf_core_type_matches(struct ty_gone);
	return 0;
}
