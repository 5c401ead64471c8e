/* Source of the tiny BTF used by the container fixtures (see make-fixtures.sh). */
struct point { int x, y; };
struct rect { struct point a, b; unsigned long flags; const char *name; };
enum color { RED, GREEN = 5, BLUE };
typedef unsigned int u32;
union u { u32 v; char c[4]; };
int area(struct rect *r, enum color c, union u *p) { return (r->b.x - r->a.x) * (r->b.y - r->a.y) + c + p->v; }
