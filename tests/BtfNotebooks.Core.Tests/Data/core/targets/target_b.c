/* target_b — "an older kernel": members and types missing, renamed or changed incompatibly, so field
 * relocations poison, exists/type kinds give 0, and sizes stay unchanged where types survive
 * (memsz.c/memsz_array.c: members only move, no size change).
 * Build: clang-19 -g -O0 -target bpf -c target_b.c && llvm-objcopy-19 --dump-section .BTF=target_b.btf target_b.o */
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;

/* fields.c */
enum fld_color { FLD_RED, FLD_GREEN };
struct fld_inner { int x; int y; };
struct fld_s {
	int a;
	/* b missing: poison / exists 0 */
	struct fld_inner *in;                           /* struct -> pointer: incompatible, poison */
	union { int u_i; long u_l; };
	struct { short as1; short as2; };
	int arr[2];                                     /* arr[2] out of bounds: no match */
	/* mat missing */
	struct fld_s *next;
	char name[8];
	unsigned short us;
	signed char sc;
	enum fld_color color;
	long delta;                                     /* enum -> long: incompatible */
	int flex[];                                     /* flex_len missing; flex still last */
};

/* bitfields.c: flag and sh missing, sg moved */
struct bf_s { unsigned int lo:3; unsigned int pad:9; int sg:5; unsigned int mid:15;
	      unsigned long long wide:40; int plain; };

/* memsz.c, memsz_array.c: same sizes, other offsets */
enum msz_kind { MSZ_A, MSZ_B };
struct msz_s {
	__u64 u64_to_u32; __u32 u32_to_u64; int s32_to_s64; __u8 u8_to_u16; signed char s8_to_s16;
	short s16_same; __u32 u32_to_s32; __u32 u32_to_s64; enum msz_kind kind; void *ptr;
	__u32 stx_u32_to_u64; __u16 st_u16_to_u32;
};
struct mza_s { int pad; int pad2; __u32 words[4]; __u64 qwords[2]; };

/* types.c: ty_gone and ty_s_t missing, ty_renamed___old finds no ty_renamed, ty_fn_t has another
 * prototype, ty_u32_t names a struct, ty_u is a struct (kind differs), ty_match reordered (still
 * matches: order is irrelevant) */
enum ty_e { TY_X, TY_Y };
struct ty_s { int a; long b; };
typedef struct ty_s ty_u32_t;
struct ty_u { int i; long l; };
typedef int (*ty_fn_t)(int);
struct ty_renamed_v2 { int q; };
struct ty_match { ty_u32_t *c_unused; struct ty_s *p; int a; unsigned int c; };

/* enums.c: enumerators and types missing; a flavored target enum name */
enum en_e { EN_A = 1, EN_NEG = -5 };                /* EN_B missing */
enum en_u { ENU_X = 10 };                           /* ENU_Y missing */
enum en_switch { ENS_A = 1 };
enum en_flav___v3 { ENF_A = 7 };                    /* target flavor: essential name en_flav */

/* flavors.c: the old layout */
struct fl_task { long pad; int pid; long state; };
struct fl_four___u { int v; };                      /* essential fl_four: not fl_four____u */
struct fl_pair { int first; int second___v2; };

/* pruning.c: pr_t and pr_u missing */
struct pr_s { int x; long z; };

struct anchor {
	struct bf_s bf; struct msz_s msz; struct mza_s mza;
	enum ty_e te; ty_u32_t tu32; struct ty_u tu; ty_fn_t tfn; struct ty_renamed_v2 tr; struct ty_match tm;
	enum en_e e1; enum en_u e2; enum en_switch e4; enum en_flav___v3 e5;
	struct fl_task f1; struct fl_four___u f3; struct fl_pair f4; struct pr_s p1;
	struct fld_s fld;
};
int target_b(struct anchor *a) { return 0; }
