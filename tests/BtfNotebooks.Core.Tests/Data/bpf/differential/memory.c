/* Loads of every size (plain and sign-extending) from the packet and the stack, stores of every size (immediate
 * and register) to the stack, 64-bit immediate loads, and every atomic operation in both widths on stack slots:
 * add/and/or/xor without and with fetch, xchg and cmpxchg (whose compare succeeds or fails with the packet). */
#include "differential.h"

/* *(SIZE *)(ptr + off) = imm (ST) and = register (STX). */
#define STORE_K(size, ptr, off, imm) asm volatile("*(" size " *)(%[p] + " #off ") = " #imm :: [p] "r"(ptr) : "memory")
#define STORE_X(size, ptr, off, val) asm volatile("*(" size " *)(%[p] + " #off ") = %[v]" :: [p] "r"(ptr), [v] "r"(val) : "memory")
#define STORE32_X(ptr, off, val) asm volatile("*(u32 *)(%[p] + " #off ") = %[v]" :: [p] "r"(ptr), [v] "w"(val) : "memory")
/* lock *(u64 *)(ptr + 0) OP= val, and val = atomic_fetch_OP((u64 *)(ptr + 0), val). */
#define ATOMIC64(op, ptr, val) asm volatile("lock *(u64 *)(%[p] + 0) " op " %[v]" :: [p] "r"(ptr), [v] "r"(val) : "memory")
#define ATOMIC32(op, ptr, val) asm volatile("lock *(u32 *)(%[p] + 0) " op " %[v]" :: [p] "r"(ptr), [v] "w"(val) : "memory")
#define FETCH64(op, ptr, val) asm volatile("%[v] = atomic_fetch_" op "((u64 *)(%[p] + 0), %[v])" : [v] "+r"(val) : [p] "r"(ptr) : "memory")
#define FETCH32(op, ptr, val) asm volatile("%[v] = atomic_fetch_" op "((u32 *)(%[p] + 0), %[v])" : [v] "+w"(val) : [p] "r"(ptr) : "memory")

SEC("xdp") int memory(struct xdp_md *ctx)
{
    PACKET(ctx, data, end);
    if (data + 32 > end) return (u32)(end - data) * 11 + 7;
    u64 slots[5] = {}, acc = 0x5555aaaa5555aaaaULL, v, w;
    u32 words[2] = {}, v32;

    /* Plain and sign-extending loads from the packet, at odd offsets too. */
    MIX(acc, LOAD("u8", data, 1));
    MIX(acc, LOAD("u16", data, 3));
    MIX(acc, LOAD("u32", data, 5));
    MIX(acc, LOAD("u64", data, 9));
    MIX(acc, LOAD("s8", data, 17));
    MIX(acc, LOAD("s16", data, 18));
    MIX(acc, LOAD("s32", data, 20));

    /* Stores of every size (the verifier wants stack accesses aligned), then loads that see their bytes in
     * little-endian layout. */
    STORE_K("u64", slots, 0, -2);
    STORE_K("u32", slots, 8, 0x80000001);
    STORE_K("u32", slots, 12, 0x7ffffffe);
    STORE_K("u16", slots, 16, 0x8765);
    STORE_K("u8", slots, 18, 0x99);
    STORE_K("u8", slots, 19, 0x01);
    STORE_X("u8", slots, 20, LOAD("u64", data, 24));
    STORE_X("u16", slots, 22, LOAD("u64", data, 0));
    STORE_X("u32", slots, 24, LOAD("u64", data, 8));
    STORE_X("u64", slots, 32, LOAD("u64", data, 16) ^ LOAD("u64", data, 24));
    MIX(acc, LOAD("u64", slots, 0));
    MIX(acc, LOAD("u64", slots, 8));
    MIX(acc, LOAD("u64", slots, 16));
    MIX(acc, LOAD("u64", slots, 24));
    MIX(acc, LOAD("u64", slots, 32));
    MIX(acc, LOAD("s8", slots, 18));
    MIX(acc, LOAD("s16", slots, 16));
    MIX(acc, LOAD("s32", slots, 8));
    MIX(acc, LOAD("u16", slots, 22));

    /* Atomics, 64-bit: each result (old value or new memory) goes into the mix. */
    v = LOAD("u64", data, 0);
    w = LOAD("u64", data, 8);
    slots[0] = w;
    ATOMIC64("+=", slots, v);   MIX(acc, slots[0]);
    ATOMIC64("&=", slots, w);   MIX(acc, slots[0]);
    ATOMIC64("|=", slots, v);   MIX(acc, slots[0]);
    ATOMIC64("^=", slots, w);   MIX(acc, slots[0]);
    v = LOAD("u64", data, 16); FETCH64("add", slots, v); MIX(acc, v); MIX(acc, slots[0]);
    v = LOAD("u64", data, 17); FETCH64("and", slots, v); MIX(acc, v); MIX(acc, slots[0]);
    v = LOAD("u64", data, 18); FETCH64("or", slots, v);  MIX(acc, v); MIX(acc, slots[0]);
    v = LOAD("u64", data, 19); FETCH64("xor", slots, v); MIX(acc, v); MIX(acc, slots[0]);
    v = LOAD("u64", data, 20);
    asm volatile("%[v] = xchg_64(%[p] + 0, %[v])" : [v] "+r"(v) : [p] "r"(slots) : "memory");
    MIX(acc, v); MIX(acc, slots[0]);
    /* cmpxchg compares r0 with memory: equal when the packet's two words match (edge packets), else not. */
    v = LOAD("u64", data, 8);
    w = LOAD("u64", data, 24);
    slots[1] = LOAD("u64", data, 0);
    asm volatile("r0 = %[old]\n\tr0 = cmpxchg_64(%[p] + 0, r0, %[new])\n\t%[old] = r0"
                 : [old] "+r"(v) : [p] "r"(&slots[1]), [new] "r"(w) : "r0", "memory");
    MIX(acc, v); MIX(acc, slots[1]);

    /* Atomics, 32-bit: fetched values are zero-extended into the register. */
    v32 = (u32)LOAD("u32", data, 4);
    words[0] = (u32)LOAD("u32", data, 12);
    ATOMIC32("+=", words, v32); MIX(acc, words[0]);
    ATOMIC32("&=", words, v32 | 0x0f0f0f0f); MIX(acc, words[0]);
    ATOMIC32("|=", words, v32 >> 3); MIX(acc, words[0]);
    ATOMIC32("^=", words, ~v32); MIX(acc, words[0]);
    v32 = (u32)LOAD("u32", data, 20); FETCH32("add", words, v32); MIX(acc, v32); MIX(acc, words[0]);
    v32 = (u32)LOAD("u32", data, 21); FETCH32("and", words, v32); MIX(acc, v32); MIX(acc, words[0]);
    v32 = (u32)LOAD("u32", data, 22); FETCH32("or", words, v32);  MIX(acc, v32); MIX(acc, words[0]);
    v32 = (u32)LOAD("u32", data, 23); FETCH32("xor", words, v32); MIX(acc, v32); MIX(acc, words[0]);
    v32 = (u32)LOAD("u32", data, 24);
    asm volatile("%[v] = xchg32_32(%[p] + 0, %[v])" : [v] "+w"(v32) : [p] "r"(words) : "memory");
    MIX(acc, v32); MIX(acc, words[0]);
    v32 = (u32)LOAD("u32", data, 4);
    words[1] = (u32)LOAD("u32", data, 0);
    STORE32_X(words, 4, (u32)LOAD("u32", data, 0));
    asm volatile("w0 = %[old]\n\tw0 = cmpxchg32_32(%[p] + 0, w0, %[new])\n\t%[old] = w0"
                 : [old] "+w"(v32) : [p] "r"(&words[1]), [new] "w"((u32)w) : "r0", "memory");
    MIX(acc, v32); MIX(acc, words[1]);

    /* 64-bit constants through lddw: the high word must survive. */
    asm volatile("%[v] = 0x8000000000000001 ll" : [v] "=r"(v));
    MIX(acc, v);
    asm volatile("%[v] = -0x123456789 ll" : [v] "=r"(v));
    MIX(acc, v);
    return FOLD(acc);
}
