/* memsz.c — the LDX/ST/STX memory-size rewrite of byte_off relocations (core-spec §6.1, §7):
 * direct loads/stores of members whose size differs in the target. libbpf rewrites the size bits
 * only when both member types are unsigned INTs or both are pointers; otherwise (signed ints, enums,
 * mixed kinds) the instruction is poisoned, while an ALU immediate (bpf_core_field_offset) is just
 * patched. target_a widens/narrows the members; target_b keeps sizes but moves them. With -mcpu=v4
 * the signed loads are sign-extending LDXS (MEMSX) instructions. */
#include "core_common.h"

enum msz_kind { MSZ_A, MSZ_B };

CORE_TYPES_BEGIN
struct msz_s {
	__u32 u32_to_u64;                           /* unsigned 4 -> 8: LDX W becomes LDX DW */
	__u64 u64_to_u32;                           /* unsigned 8 -> 4: DW -> W */
	__u8 u8_to_u16;                             /* unsigned 1 -> 2 */
	int s32_to_s64;                             /* signed 4 -> 8: poison (fail_memsz_adjust) */
	short s16_same;                             /* signed, same size, moved: plain offset patch */
	signed char s8_to_s16;                      /* signed 1 -> 2: poison (LDXSB on v4) */
	__u32 u32_to_s32;                           /* size unchanged, signedness changes: ok */
	__u32 u32_to_s64;                           /* unsigned -> signed and wider: poison */
	void *ptr;                                  /* pointer -> pointer: same size, ok */
	enum msz_kind kind;                         /* enum 4 -> 8 (target __u64): not INT/PTR: poison */
	__u16 st_u16_to_u32;                        /* store of an immediate (ST) 2 -> 4 */
	__u32 stx_u32_to_u64;                       /* store of a register (STX) 4 -> 8 */
};
CORE_TYPES_END

SEC("raw_tp/memsz")
int memsz(__u64 *ctx)
{
	struct msz_s *s = (void *)ctx[0];

	ctx[1] = s->u32_to_u64;
	ctx[2] = s->u64_to_u32;
	ctx[3] = s->u8_to_u16;
	ctx[4] = (long)s->s32_to_s64;
	ctx[5] = (long)s->s16_same;
	ctx[6] = (long)s->s8_to_s16;
	ctx[7] = s->u32_to_s32;
	ctx[8] = s->u32_to_s64;
	ctx[9] = (__u64)s->ptr;
	ctx[10] = s->kind;
	s->st_u16_to_u32 = 7;                       /* ST imm */
	s->stx_u32_to_u64 = ctx[11];                /* STX reg */
	ctx[12] = bpf_core_field_offset(s->u32_to_u64); /* ALU imm: never poisoned for the size change */
	return 0;
}
