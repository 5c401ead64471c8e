/* fields.c — field relocations on plain members: byte_off (direct loads, BPF_CORE_READ chains,
 * bpf_core_field_offset), byte_sz, field_exists, signed; nested embedded structs, anonymous
 * unions/structs, arrays (1-D, 2-D, flexible), a non-zero root index and pointer chasing.
 * Targets: target_a moves/resizes things (all match), target_b removes or breaks them (poison / 0),
 * target_ambiguous and target_enum have no fld_s (no candidate: poison, exists 0). */
#include "core_common.h"

enum fld_color { FLD_RED, FLD_GREEN };          /* unsigned enum */
enum fld_delta { FLD_DOWN = -1, FLD_UP = 1 };   /* signed enum (kflag=1) */

CORE_TYPES_BEGIN
struct fld_inner { int x; int y; };
struct fld_s {
	int a;
	long b;
	struct fld_inner in;                        /* embedded struct: nested access */
	union { int u_i; long u_l; };               /* anonymous union */
	struct { short as1; short as2; };           /* anonymous struct */
	int arr[4];
	int mat[2][3];
	struct fld_s *next;
	char name[8];
	unsigned short us;
	signed char sc;
	enum fld_color color;
	enum fld_delta delta;
	int flex_len;
	int flex[];                                 /* flexible array member (last) */
};
CORE_TYPES_END

SEC("raw_tp/fields")
int fields(__u64 *ctx)
{
	struct fld_s *s = (void *)ctx[0];

	/* byte_off on direct loads (LDX carries the relocation) */
	ctx[1] = s->a;                              /* first member, offset 0 */
	ctx[2] = s->b;                              /* long member */
	ctx[3] = s->in.y;                           /* nested: access 0:2:1 */
	ctx[4] = s->u_l;                            /* through an anonymous union (raw spec only) */
	ctx[5] = s->as2;                            /* through an anonymous struct */
	ctx[6] = s->arr[2];                         /* array element: last accessor is a subscript */
	ctx[7] = s->mat[1][2];                      /* 2-D array */
	ctx[8] = s->flex[3];                        /* flexible array: index beyond nelems=0 allowed */
	/* BPF_CORE_READ: pointer chase, each hop is a byte_off on an ALU add */
	ctx[9] = BPF_CORE_READ(s, next, next, in.x);
	/* bpf_core_field_offset / size on various member types */
	ctx[10] = bpf_core_field_offset(s->in.x);
	ctx[11] = bpf_core_field_offset(s[1].a);    /* non-zero root index: access 1:0 */
	ctx[12] = bpf_core_field_size(s->name);     /* char array: size of the whole array */
	ctx[13] = bpf_core_field_size(s->name[3]);  /* array element size */
	ctx[14] = bpf_core_field_size(s->in);       /* struct member */
	ctx[15] = bpf_core_field_size(struct fld_s, next); /* pointer, type+field form */
	/* field_exists */
	ctx[16] = bpf_core_field_exists(s->b);
	ctx[17] = bpf_core_field_exists(struct fld_s, mat);
	ctx[18] = bpf_core_field_exists(s->u_i);
	/* signed: INT signed/unsigned, enums with and without the signed flag */
	ctx[19] = bpf_core_field_signed(s->a);
	ctx[20] = bpf_core_field_signed(s->us);
	ctx[21] = bpf_core_field_signed(s->sc);
	ctx[22] = bpf_core_field_signed(s->color);
	ctx[23] = bpf_core_field_signed(s->delta);
	return 0;
}
