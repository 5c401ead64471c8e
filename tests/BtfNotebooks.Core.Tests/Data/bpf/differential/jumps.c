/* Every conditional jump, JMP and JMP32, immediate and register forms, on packet values that are unequal, equal
 * and swapped; unconditional goto and gotol; and bpf-to-bpf calls: static subprograms (one calling another, one
 * writing through a pointer into its caller's stack) and a global one, each with its own stack frame. */
#include "differential.h"

/* Each condition against three operand pairs: (p, q), (p, p), (q, p). p and q are expressions that load the
 * packet again at every use: a register the verifier has compared keeps the narrowed bounds, and once an outcome
 * is known it tracks that register precisely, so reusing one register across 130 branches explodes its search. */
#define ALL_X(jmp, acc, p, q) do { \
    MIX(acc, jmp("==", p, q)); \
    MIX(acc, jmp("==", p, p)); \
    MIX(acc, jmp("==", q, p)); \
    MIX(acc, jmp("!=", p, q)); \
    MIX(acc, jmp("!=", p, p)); \
    MIX(acc, jmp("!=", q, p)); \
    MIX(acc, jmp(">", p, q)); \
    MIX(acc, jmp(">", p, p)); \
    MIX(acc, jmp(">", q, p)); \
    MIX(acc, jmp(">=", p, q)); \
    MIX(acc, jmp(">=", p, p)); \
    MIX(acc, jmp(">=", q, p)); \
    MIX(acc, jmp("<", p, q)); \
    MIX(acc, jmp("<", p, p)); \
    MIX(acc, jmp("<", q, p)); \
    MIX(acc, jmp("<=", p, q)); \
    MIX(acc, jmp("<=", p, p)); \
    MIX(acc, jmp("<=", q, p)); \
    MIX(acc, jmp("s>", p, q)); \
    MIX(acc, jmp("s>", p, p)); \
    MIX(acc, jmp("s>", q, p)); \
    MIX(acc, jmp("s>=", p, q)); \
    MIX(acc, jmp("s>=", p, p)); \
    MIX(acc, jmp("s>=", q, p)); \
    MIX(acc, jmp("s<", p, q)); \
    MIX(acc, jmp("s<", p, p)); \
    MIX(acc, jmp("s<", q, p)); \
    MIX(acc, jmp("s<=", p, q)); \
    MIX(acc, jmp("s<=", p, p)); \
    MIX(acc, jmp("s<=", q, p)); \
    MIX(acc, jmp("&", p, q)); \
    MIX(acc, jmp("&", p, p)); \
    MIX(acc, jmp("&", q, p)); \
} while (0)

/* Each condition against immediates that split values differently: 0, -1 (all ones, sign-extended), a small
 * positive and INT32_MAX. */
#define ALL_K(jmp, acc, p) do { \
    MIX(acc, jmp("==", p, 0)); \
    MIX(acc, jmp("==", p, -1)); \
    MIX(acc, jmp("==", p, 100)); \
    MIX(acc, jmp("!=", p, 0)); \
    MIX(acc, jmp("!=", p, -1)); \
    MIX(acc, jmp("!=", p, 100)); \
    MIX(acc, jmp(">", p, 0)); \
    MIX(acc, jmp(">", p, -1)); \
    MIX(acc, jmp(">", p, 0x7fffffff)); \
    MIX(acc, jmp(">=", p, 1)); \
    MIX(acc, jmp(">=", p, -1)); \
    MIX(acc, jmp(">=", p, 0x7fffffff)); \
    MIX(acc, jmp("<", p, 1)); \
    MIX(acc, jmp("<", p, -1)); \
    MIX(acc, jmp("<", p, 0x7fffffff)); \
    MIX(acc, jmp("<=", p, 0)); \
    MIX(acc, jmp("<=", p, -1)); \
    MIX(acc, jmp("<=", p, 0x7fffffff)); \
    MIX(acc, jmp("s>", p, 0)); \
    MIX(acc, jmp("s>", p, -1)); \
    MIX(acc, jmp("s>", p, 100)); \
    MIX(acc, jmp("s>=", p, 0)); \
    MIX(acc, jmp("s>=", p, -1)); \
    MIX(acc, jmp("s>=", p, 100)); \
    MIX(acc, jmp("s<", p, 0)); \
    MIX(acc, jmp("s<", p, -1)); \
    MIX(acc, jmp("s<", p, 100)); \
    MIX(acc, jmp("s<=", p, 0)); \
    MIX(acc, jmp("s<=", p, -1)); \
    MIX(acc, jmp("s<=", p, 100)); \
    MIX(acc, jmp("&", p, 1)); \
    MIX(acc, jmp("&", p, -1)); \
    MIX(acc, jmp("&", p, 0x40000000)); \
} while (0)

/* Five arguments and a stack frame of its own. */
NOINLINE u64 scramble(u64 a, u64 b, u64 c, u64 d, u64 e)
{
    volatile u64 frame[3] = { a ^ e, b + d, c };
    return frame[0] * 3 + (frame[1] >> 3) - frame[2] + e;
}

/* Calls another subprogram and writes into its caller's stack through a pointer. */
NOINLINE u64 nested(u64 x, u64 *out)
{
    u64 r = scramble(x, x >> 1, x << 2, ~x, 77);
    *out = r ^ 0xabcdef;
    return r + 1;
}

/* A global function: verified on its own and relocated against its own symbol, not the section's. */
__attribute__((noinline)) u64 global_fold(u64 x) { return x ^ (x >> 29) ^ (x << 13); }

SEC("xdp") int jumps(struct xdp_md *ctx)
{
    PACKET(ctx, data, end);
    if (data + 16 > end) return (u32)(end - data) * 13 + 5;
    u64 p = *(u64 *)data, q = *(u64 *)(data + 8), acc = 0x0f1e2d3c4b5a6978ULL, t;

    ALL_X(JMP_X, acc, LOAD("u64", data, 0), LOAD("u64", data, 8));
    ALL_K(JMP_K, acc, LOAD("u64", data, 0));
    ALL_X(JMP32_X, acc, (u32)LOAD("u32", data, 4), (u32)LOAD("u32", data, 12));
    ALL_K(JMP32_K, acc, (u32)LOAD("u32", data, 4));

    /* goto and gotol skip an instruction that the conditional jump before them reaches. */
    asm volatile("%[t] = 0\n\tif %[a] > %[b] goto +1\n\tgoto +1\n\t%[t] += 1" : [t] "=&r"(t) : [a] "r"(p), [b] "r"(q));
    MIX(acc, t);
    asm volatile("%[t] = 0\n\tif %[a] s> %[b] goto +1\n\tgotol +1\n\t%[t] += 2" : [t] "=&r"(t) : [a] "r"(p), [b] "r"(q));
    MIX(acc, t);

    u64 written = 0;
    MIX(acc, scramble(p, q, acc, p ^ q, 5));
    MIX(acc, nested(acc ^ p, &written));
    MIX(acc, written);
    MIX(acc, global_fold(acc + q));
    return FOLD(acc);
}
