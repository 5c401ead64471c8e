/* target_ambiguous — several flavors of one struct, for the ambiguity rule and candidate pruning
 * (core-spec §3, §6): amb_s___x/amb_s___y put amb_s.b at different offsets (field offset ambiguity),
 * amb_v___x/amb_v___y put amb_v.b at the same offset with different sizes (decision ambiguity for
 * byte_sz, two IDs for target_type_id), pr_s/pr_t/pr_u flavors are pruned across the programs of
 * pruning.c. Nothing else is defined.
 * Build: clang-19 -g -O0 -target bpf -c target_ambiguous.c && llvm-objcopy-19 --dump-section .BTF=... */
struct amb_s___x { int a; int b; };
struct amb_s___y { int a; int pad; int b; };
struct amb_v___x { long a; int b; int pad; };
struct amb_v___y { long a; long b; };
struct pr_s___a { int x; int y; };
struct pr_s___b { int x; int pad; long z; };
struct pr_t___a { int k; int only_a; };
struct pr_t___b { int pad; int k; };
struct pr_u___a { int w; };
struct pr_u___b { int w; int only_b; };

struct anchor {
	struct amb_s___x s1; struct amb_s___y s2; struct amb_v___x v1; struct amb_v___y v2;
	struct pr_s___a p1; struct pr_s___b p2; struct pr_t___a t1; struct pr_t___b t2;
	struct pr_u___a u1; struct pr_u___b u2;
};
int target_ambiguous(struct anchor *a) { return 0; }
