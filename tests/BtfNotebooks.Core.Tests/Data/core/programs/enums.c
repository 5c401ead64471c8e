/* enums.c — enumerator relocations: enumval_exists and enumval_value on 32-bit signed and unsigned
 * enums, ENUM64, an enumerator flavor (ENU_Y___new matches ENU_Y), a flavored enum type, and an enum
 * that is 32-bit locally but ENUM64 in target_enum (ENUM/ENUM64 are core-compatible). target_a
 * changes values, target_b removes enumerators and types (exists 0, value poison), target_enum
 * mixes widths and signedness. */
#include "core_common.h"

enum en_e { EN_A = 1, EN_B = 2, EN_NEG = -5 };              /* signed (has a negative value) */
enum en_u { ENU_X = 10, ENU_Y___new = 20 };                 /* enumerator flavor */
enum en_64 { EN64_SMALL = 1, EN64_BIG = 0x100000000ULL, EN64_TOP = 0xffffffff00000000ULL };
enum en_switch { ENS_A = 1, ENS_B = 2 };                    /* target_enum: ENUM64 with big values */
enum en_flav___v2 { ENF_A = 7, ENF_GONE = 8 };              /* flavored enum type */

SEC("raw_tp/enums")
int enums(__u64 *ctx)
{
	ctx[1] = bpf_core_enum_value_exists(enum en_e, EN_A);
	ctx[2] = bpf_core_enum_value(enum en_e, EN_A);
	ctx[3] = bpf_core_enum_value(enum en_e, EN_B);
	ctx[4] = bpf_core_enum_value(enum en_e, EN_NEG);        /* negative: sign-extended to 64 bits */
	ctx[5] = bpf_core_enum_value_exists(enum en_u, ENU_Y___new);
	ctx[6] = bpf_core_enum_value(enum en_u, ENU_Y___new);
	ctx[7] = bpf_core_enum_value(enum en_u, ENU_X);
	ctx[8] = bpf_core_enum_value_exists(enum en_64, EN64_BIG);
	ctx[9] = bpf_core_enum_value(enum en_64, EN64_SMALL);   /* ENUM64, small value */
	ctx[10] = bpf_core_enum_value(enum en_64, EN64_BIG);    /* ENUM64, > 32 bits */
	ctx[11] = bpf_core_enum_value(enum en_64, EN64_TOP);    /* ENUM64, high bit set */
	ctx[12] = bpf_core_enum_value(enum en_switch, ENS_B);
	ctx[13] = bpf_core_enum_value_exists(enum en_switch, ENS_A);
	ctx[14] = bpf_core_enum_value(enum en_flav___v2, ENF_A);
	ctx[15] = bpf_core_enum_value_exists(enum en_flav___v2, ENF_GONE);
	ctx[16] = bpf_core_enum_value(enum en_flav___v2, ENF_GONE);
	/* type kinds on enums: ENUM vs ENUM64 are compatible */
	ctx[17] = bpf_core_type_size(enum en_switch);
	ctx[18] = bpf_core_type_matches(enum en_64);
	return 0;
}
