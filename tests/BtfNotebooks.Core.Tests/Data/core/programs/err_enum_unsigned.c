/* err_enum_unsigned.c — a 32-bit UNSIGNED enumerator with bit 31 set. clang puts the zero-extended
 * value 0xBBBBBBBB in the ld_imm64, libbpf computes the local value sign-extended
 * (0xFFFFFFFFBBBBBBBB) and refuses the instruction ("unexpected insn (LDIMM64) value"): the load
 * fails whenever a target has the enumerator (target_a, target_enum); without a candidate the value
 * is simply poisoned (no validation). The exists record before it is fine. */
#include "core_common.h"

enum enu_big { ENU_SMALL = 1, ENU_BIG = 0xBBBBBBBB };

SEC("raw_tp/enum_unsigned")
int enum_unsigned(__u64 *ctx)
{
	ctx[1] = bpf_core_enum_value_exists(enum enu_big, ENU_BIG);
	ctx[2] = bpf_core_enum_value(enum enu_big, ENU_SMALL);
	ctx[3] = bpf_core_enum_value(enum enu_big, ENU_BIG);   /* error when matched */
	return 0;
}
