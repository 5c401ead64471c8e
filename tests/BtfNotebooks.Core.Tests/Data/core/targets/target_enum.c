/* target_enum — enums only, with widths and signedness swapped: a local ENUM that is ENUM64 here and
 * vice versa (ENUM/ENUM64 are compatible), flavored enumerator names on the target side, negative
 * values in a signed target enum, and the unsigned 0xBBBBBBBB enumerator (err_enum_unsigned fails).
 * Build: clang-19 -g -O0 -target bpf -c target_enum.c && llvm-objcopy-19 --dump-section .BTF=... */
enum en_e { EN_A = 1ULL << 33, EN_B = 2, EN_NEG = 0xfffffffffffffffbULL }; /* ENUM64 (unsigned) */
enum en_u { ENU_X___a = 100, ENU_Y___b = 200 };     /* flavored enumerators match ENU_X / ENU_Y */
enum en_64 { EN64_SMALL = 5, EN64_BIG = 6, EN64_TOP = -7 }; /* 32-bit signed ENUM for a local ENUM64 */
enum en_switch { ENS_A = 0x100000000ULL, ENS_B = 0xffffffffffffffffULL }; /* ENUM64, size 8 */
enum en_flav___1 { ENF_A = -7 };                    /* ENF_GONE missing */
enum enu_big { ENU_SMALL = 1, ENU_BIG = 0xBBBBBBBB };
enum fld_color { FLD_RED, FLD_GREEN };

struct anchor {
	enum en_e e1; enum en_u e2; enum en_64 e3; enum en_switch e4; enum en_flav___1 e5;
	enum enu_big e6; enum fld_color e7;
};
int target_enum(struct anchor *a) { return 0; }
