/* Every ALU64 operation, immediate and register forms, on operands read from the packet. Divisors come from the
 * packet too, so zero divisors (div -> 0, mod -> dividend) and INT64_MIN / -1 are reached by the edge packets;
 * register shift counts are not masked in C, so the instruction's own masking (count & 63) is what is compared. */
#include "differential.h"

SEC("xdp") int alu64(struct xdp_md *ctx)
{
    PACKET(ctx, data, end);
    if (data + 40 > end) return (u32)(end - data) * 3 + 64;
    u64 a = *(u64 *)data, b = *(u64 *)(data + 8), c = *(u64 *)(data + 16), d = *(u64 *)(data + 24);
    u64 small = data[32], acc = 0x0123456789abcdefULL, x;

    x = a; ALU64_X(x, "+=", b); MIX(acc, x);
    x = a; ALU64_K(x, "+=", -7); MIX(acc, x);
    x = a; ALU64_X(x, "-=", c); MIX(acc, x);
    x = a; ALU64_K(x, "-=", 0x7fffffff); MIX(acc, x);
    x = b; ALU64_X(x, "*=", c); MIX(acc, x);
    x = b; ALU64_K(x, "*=", -3); MIX(acc, x);
    x = a; ALU64_X(x, "/=", b); MIX(acc, x);
    x = a; ALU64_X(x, "/=", small); MIX(acc, x);
    x = a; ALU64_K(x, "/=", 7); MIX(acc, x);
    x = a; ALU64_K(x, "/=", -3); MIX(acc, x);          /* imm sign-extended to 64 bits, then unsigned */
    x = a; ALU64_X(x, "s/=", b); MIX(acc, x);
    x = c; ALU64_X(x, "s/=", small); MIX(acc, x);
    x = a; ALU64_K(x, "s/=", -3); MIX(acc, x);
    x = a; ALU64_K(x, "s/=", -1); MIX(acc, x);
    x = a; ALU64_X(x, "%%=", b); MIX(acc, x);
    x = c; ALU64_X(x, "%%=", small); MIX(acc, x);
    x = a; ALU64_K(x, "%%=", 1000); MIX(acc, x);
    x = a; ALU64_K(x, "%%=", -5); MIX(acc, x);
    x = a; ALU64_X(x, "s%%=", b); MIX(acc, x);
    x = d; ALU64_X(x, "s%%=", small); MIX(acc, x);
    x = a; ALU64_K(x, "s%%=", -7); MIX(acc, x);
    x = c; ALU64_K(x, "s%%=", 13); MIX(acc, x);
    x = a; ALU64_X(x, "|=", d); MIX(acc, x);
    x = a; ALU64_K(x, "|=", -256); MIX(acc, x);
    x = a; ALU64_X(x, "&=", d); MIX(acc, x);
    x = a; ALU64_K(x, "&=", -256); MIX(acc, x);
    x = b; ALU64_X(x, "^=", d); MIX(acc, x);
    x = b; ALU64_K(x, "^=", -1); MIX(acc, x);
    x = c; ALU64_X(x, "<<=", d); MIX(acc, x);
    x = c; ALU64_X(x, "<<=", small); MIX(acc, x);
    x = c; ALU64_K(x, "<<=", 63); MIX(acc, x);
    x = c; ALU64_X(x, ">>=", b); MIX(acc, x);
    x = c; ALU64_K(x, ">>=", 17); MIX(acc, x);
    x = c; ALU64_X(x, "s>>=", a); MIX(acc, x);
    x = c; ALU64_X(x, "s>>=", small); MIX(acc, x);
    x = c; ALU64_K(x, "s>>=", 63); MIX(acc, x);
    x = d; ALU64_UNARY(x, "= -"); MIX(acc, x);
    x = a; ALU64_X(x, "=", d); MIX(acc, x);
    x = a; ALU64_K(x, "=", -2); MIX(acc, x);
    x = d; ALU64_UNARY(x, "= (s8)"); MIX(acc, x);
    x = d; ALU64_UNARY(x, "= (s16)"); MIX(acc, x);
    x = d; ALU64_UNARY(x, "= (s32)"); MIX(acc, x);
    x = b; ALU64_UNARY(x, "= bswap16"); MIX(acc, x);
    x = b; ALU64_UNARY(x, "= bswap32"); MIX(acc, x);
    x = b; ALU64_UNARY(x, "= bswap64"); MIX(acc, x);
    return FOLD(acc);
}
