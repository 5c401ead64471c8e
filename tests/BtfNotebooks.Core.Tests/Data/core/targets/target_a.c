/* target_a — "a newer kernel": every corpus type exists, but members moved, resized, nested deeper,
 * bitfields repacked, type sizes and enumerator values changed. Almost everything relocates ok with a
 * new value; the exceptions are deliberate: memsz.c's signed/enum size changes poison, memsz_array's
 * array length change poisons under libbpf 1.1, err_bitfield_span and err_enum_unsigned fail.
 * Build: clang-19 -g -O0 -target bpf -c target_a.c && llvm-objcopy-19 -O binary --only-section=.BTF */
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;

/* fields.c */
enum fld_color { FLD_RED = -1, FLD_GREEN };         /* now signed: signed 0 -> 1 */
enum fld_delta { FLD_DOWN, FLD_UP };                /* now unsigned: signed 1 -> 0 */
struct fld_inner { long pad; int x; int y; };
struct fld_s {
	long pad0;
	int a;                                          /* 0 -> 8 */
	struct fld_inner in;
	long b;
	struct { int pad1; union { int u_i; long u_l; }; }; /* union one anonymous level deeper */
	union { struct { short as0; short as1; short as2; }; long raw; };
	int arr[8];
	int mat[4][5];
	char name[16];                                  /* byte_sz 8 -> 16 */
	struct fld_s *next;
	unsigned short us;
	signed char sc;
	enum fld_color color;
	enum fld_delta delta;
	int flex_len;
	int flex[];
};

/* bitfields.c: packed, so bitfields may straddle their storage units */
struct __attribute__((packed)) bf_s {
	unsigned char flag;                             /* bitfield -> plain member */
	unsigned int lo:5;                              /* bit 8, 3 -> 5 bits */
	unsigned int sg:7;                              /* signed -> unsigned */
	unsigned int mid:20;                            /* bits 20..40 of a 4-byte unit: byte_sz 4 -> 8 */
	unsigned int pad:24;
	unsigned long long wide:40;                     /* bit 64 */
	short sh:9;                                     /* bits 104..113: crosses a 2-byte unit -> 4 */
	int plain:12;                                   /* plain member -> signed bitfield */
};

/* err_bitfield_span.c: 40 bits from bit 30 of a u64 unit: no 8-byte load covers it */
struct __attribute__((packed)) bfe_s { unsigned long long lo:30; unsigned long long wide:40; };

/* memsz.c */
enum msz_kind { MSZ_A, MSZ_B, MSZ_HUGE = 1ULL << 40 };  /* ENUM64: enum member 4 -> 8 */
struct msz_s {
	__u64 u32_to_u64;
	__u32 u64_to_u32;
	__u16 u8_to_u16;
	long s32_to_s64;
	short s16_same;
	short s8_to_s16;
	int u32_to_s32;
	long u32_to_s64;
	char *ptr;
	enum msz_kind kind;
	__u32 st_u16_to_u32;
	__u64 stx_u32_to_u64;
};

/* memsz_array.c */
struct mza_s { long pad; __u32 words[8]; __u64 qwords[2]; };

/* types.c */
enum ty_e { TY_X, TY_Y, TY_Z };
typedef unsigned long ty_u32_t;                     /* size 4 -> 8 */
struct ty_s { int a; long b; long c; };             /* size 16 -> 24 */
union ty_u { int i; long l; char buf[32]; };        /* size 8 -> 32 */
typedef struct ty_s ty_s_t;
typedef int (*ty_fn_t)(int, long);
struct ty_gone { int z; };
struct ty_renamed { int q; };
struct ty_match { int a; struct ty_s *p; long c; }; /* c: unsigned int -> long: type_matches 0 */

/* enums.c, err_enum_unsigned.c */
enum en_e { EN_B = 20, EN_A = 10, EN_NEG = -50 };
enum en_u { ENU_X = 11, ENU_Y = 21 };
enum en_64 { EN64_SMALL = 2, EN64_BIG = 0x200000000ULL, EN64_TOP = 0xfffffffe00000000ULL };
enum en_switch { ENS_A = 3, ENS_B = 4 };
enum en_flav { ENF_A = 70, ENF_GONE = 80 };
enum enu_big { ENU_SMALL = 1, ENU_BIG = 0xBBBBBBBB };

/* flavors.c: the current layout */
struct fl_task { int pid; int pad; unsigned int __state; };
struct fl_task___x___z { int pid; };               /* essential name fl_task___x */
struct fl_four____u { int v; };
struct fl_pair { int first; int second; };

/* pruning.c, err_ambiguous_*.c: one candidate each, so nothing is ambiguous */
struct pr_s { int x; int y; long z; };
struct pr_t { int k; int only_a; };
struct pr_u { int w; int only_b; };
struct amb_s { int a; int pad; int b; };
struct amb_v { long a; int b; };

/* clang's BPF BTF has full definitions only for types reached by value (pointees become FWD) */
struct anchor {
	struct bf_s bf; struct bfe_s bfe; struct msz_s msz; struct mza_s mza;
	enum ty_e te; ty_u32_t tu32; union ty_u tu; ty_s_t tst; ty_fn_t tfn; struct ty_gone tg;
	struct ty_renamed tr; struct ty_match tm;
	enum en_e e1; enum en_u e2; enum en_64 e3; enum en_switch e4; enum en_flav e5; enum enu_big e6;
	struct fl_task f1; struct fl_task___x___z f2; struct fl_four____u f3; struct fl_pair f4;
	struct pr_s p1; struct pr_t p2; struct pr_u p3; struct amb_s a1; struct amb_v a2;
	struct fld_s fld;                               /* last: it ends in a flexible array */
};
int target_a(struct anchor *a) { return 0; }
