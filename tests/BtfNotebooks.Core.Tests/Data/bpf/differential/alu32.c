/* Every ALU (32-bit) operation, immediate and register forms, plus the le/be conversions (which live in the ALU
 * class). Results are zero-extended into 64 bits, so the upper half of every result is part of the mix. Zero
 * divisors and INT32_MIN / -1 come from the edge packets; register shift counts are masked by the instruction
 * (count & 31). */
#include "differential.h"

SEC("xdp") int alu32(struct xdp_md *ctx)
{
    PACKET(ctx, data, end);
    if (data + 24 > end) return (u32)(end - data) * 5 + 32;
    u32 a = *(u32 *)data, b = *(u32 *)(data + 8), c = *(u32 *)(data + 16), d = *(u32 *)(data + 20);
    u32 small = data[4], x;
    u64 acc = 0xfedcba9876543210ULL, wide = *(u64 *)(data + 8), y;

    x = a; ALU32_X(x, "+=", b); MIX(acc, x);
    x = a; ALU32_K(x, "+=", -7); MIX(acc, x);
    x = a; ALU32_X(x, "-=", c); MIX(acc, x);
    x = a; ALU32_K(x, "-=", 0x7fffffff); MIX(acc, x);
    x = b; ALU32_X(x, "*=", c); MIX(acc, x);
    x = b; ALU32_K(x, "*=", -3); MIX(acc, x);
    x = a; ALU32_X(x, "/=", b); MIX(acc, x);
    x = a; ALU32_X(x, "/=", small); MIX(acc, x);
    x = a; ALU32_K(x, "/=", 7); MIX(acc, x);
    x = a; ALU32_K(x, "/=", -3); MIX(acc, x);
    x = a; ALU32_X(x, "s/=", b); MIX(acc, x);
    x = c; ALU32_X(x, "s/=", small); MIX(acc, x);
    x = a; ALU32_K(x, "s/=", -3); MIX(acc, x);
    x = a; ALU32_K(x, "s/=", -1); MIX(acc, x);
    x = a; ALU32_X(x, "%%=", b); MIX(acc, x);
    x = c; ALU32_X(x, "%%=", small); MIX(acc, x);
    x = a; ALU32_K(x, "%%=", 1000); MIX(acc, x);
    x = a; ALU32_K(x, "%%=", -5); MIX(acc, x);
    x = a; ALU32_X(x, "s%%=", b); MIX(acc, x);
    x = d; ALU32_X(x, "s%%=", small); MIX(acc, x);
    x = a; ALU32_K(x, "s%%=", -7); MIX(acc, x);
    x = c; ALU32_K(x, "s%%=", 13); MIX(acc, x);
    x = a; ALU32_X(x, "|=", d); MIX(acc, x);
    x = a; ALU32_K(x, "|=", -256); MIX(acc, x);
    x = a; ALU32_X(x, "&=", d); MIX(acc, x);
    x = a; ALU32_K(x, "&=", -256); MIX(acc, x);
    x = b; ALU32_X(x, "^=", d); MIX(acc, x);
    x = b; ALU32_K(x, "^=", -1); MIX(acc, x);
    x = c; ALU32_X(x, "<<=", d); MIX(acc, x);
    x = c; ALU32_X(x, "<<=", small); MIX(acc, x);
    x = c; ALU32_K(x, "<<=", 31); MIX(acc, x);
    x = c; ALU32_X(x, ">>=", b); MIX(acc, x);
    x = c; ALU32_K(x, ">>=", 17); MIX(acc, x);
    x = c; ALU32_X(x, "s>>=", a); MIX(acc, x);
    x = c; ALU32_X(x, "s>>=", small); MIX(acc, x);
    x = c; ALU32_K(x, "s>>=", 31); MIX(acc, x);
    x = d; ALU32_UNARY(x, "= -"); MIX(acc, x);
    x = a; ALU32_X(x, "=", d); MIX(acc, x);
    x = a; ALU32_K(x, "=", -2); MIX(acc, x);
    x = d; ALU32_UNARY(x, "= (s8)"); MIX(acc, x);
    x = d; ALU32_UNARY(x, "= (s16)"); MIX(acc, x);
    /* le/be take the whole 64-bit register; on the (little-endian) kernel le truncates and be swaps. */
    y = wide; ALU64_UNARY(y, "= le16"); MIX(acc, y);
    y = wide; ALU64_UNARY(y, "= le32"); MIX(acc, y);
    y = wide; ALU64_UNARY(y, "= le64"); MIX(acc, y);
    y = wide; ALU64_UNARY(y, "= be16"); MIX(acc, y);
    y = wide; ALU64_UNARY(y, "= be32"); MIX(acc, y);
    y = wide; ALU64_UNARY(y, "= be64"); MIX(acc, y);
    return FOLD(acc);
}
