/* Shared by the kernel differential programs: types, the packet window, the running mix and one-instruction
 * inline-asm wrappers. clang's BPF inline asm takes the pseudo-C syntax; "r" operands print as rN and "w"
 * operands as wN, so each wrapper below assembles to exactly the instruction its name says, whatever clang would
 * have chosen for the equivalent C. */
#ifndef DIFFERENTIAL_H
#define DIFFERENTIAL_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;

struct xdp_md { u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex; };
struct __sk_buff { u32 len, pkt_type, mark, queue_mapping, protocol, vlan_present, vlan_tci, vlan_proto, priority,
                   ingress_ifindex, ifindex, tc_index, cb[5]; };

#define SEC(name) __attribute__((section(name), used))
#define NOINLINE static __attribute__((noinline))

/* Folds v into acc: xor, then multiply by an odd constant (a bijection), so a different v always gives a
 * different acc and r0 depends on every step. The empty asm pins the step between its neighbours: without it
 * clang sinks the arithmetic past later asm statements and keeps every intermediate value alive on the stack. */
#define MIX(acc, v) do { (acc) = ((acc) ^ (u64)(v)) * 0x9e3779b97f4a7c15ULL; asm volatile("" : "+r"(acc)); } while (0)

/* Returns the mix folded to 32 bits: BPF_PROG_TEST_RUN reports r0 as a u32. */
#define FOLD(acc) ((u32)((acc) ^ ((acc) >> 32)))

/* dst = dst OP src (register) and dst = dst OP imm (immediate), 64-bit registers. */
#define ALU64_X(dst, op, src) asm volatile("%[d] " op " %[s]" : [d] "+r"(dst) : [s] "r"(src))
#define ALU64_K(dst, op, imm) asm volatile("%[d] " op " " #imm : [d] "+r"(dst))
/* The same on 32-bit subregisters (the ALU class): the result is zero-extended into the full register. */
#define ALU32_X(dst, op, src) asm volatile("%[d] " op " %[s]" : [d] "+w"(dst) : [s] "w"(src))
#define ALU32_K(dst, op, imm) asm volatile("%[d] " op " " #imm : [d] "+w"(dst))
/* dst = OP dst: neg, endianness conversions, sign-extending moves ("= -", "= be16", "= (s8)" ...). */
#define ALU64_UNARY(dst, op) asm volatile("%[d] " op " %[d]" : [d] "+r"(dst))
#define ALU32_UNARY(dst, op) asm volatile("%[d] " op " %[d]" : [d] "+w"(dst))

/* 1 when "if lhs COND rhs" jumps, else 0; both outcomes are reachable in the control-flow graph. */
#define JMP_X(cond, lhs, rhs) ({ u64 t_; asm volatile("%[t] = 1\n\tif %[a] " cond " %[b] goto +1\n\t%[t] = 0" \
                              : [t] "=&r"(t_) : [a] "r"(lhs), [b] "r"(rhs)); t_; })
#define JMP_K(cond, lhs, imm) ({ u64 t_; asm volatile("%[t] = 1\n\tif %[a] " cond " " #imm " goto +1\n\t%[t] = 0" \
                              : [t] "=&r"(t_) : [a] "r"(lhs)); t_; })
#define JMP32_X(cond, lhs, rhs) ({ u64 t_; asm volatile("%[t] = 1\n\tif %[a] " cond " %[b] goto +1\n\t%[t] = 0" \
                                : [t] "=&r"(t_) : [a] "w"(lhs), [b] "w"(rhs)); t_; })
#define JMP32_K(cond, lhs, imm) ({ u64 t_; asm volatile("%[t] = 1\n\tif %[a] " cond " " #imm " goto +1\n\t%[t] = 0" \
                                : [t] "=&r"(t_) : [a] "w"(lhs)); t_; })

/* *(SIZE *)(ptr + off) into a 64-bit register; "s8"/"s16"/"s32" sign-extend (LDX MEMSX). Every use is a load of
 * its own, which also gives the verifier a fresh unknown value each time (see jumps.c). */
#define LOAD(size, ptr, off) ({ u64 v_; asm volatile("%[v] = *(" size " *)(%[p] + " #off ")" \
                                 : [v] "=r"(v_) : [p] "r"(ptr) : "memory"); v_; })

/* The packet as the program sees it; programs return early (with a value of their own) when it is too short. */
#define PACKET(ctx, data, end) u8 *data = (u8 *)(long)(ctx)->data, *end = (u8 *)(long)(ctx)->data_end

char _license[] SEC("license") = "GPL";

#endif
