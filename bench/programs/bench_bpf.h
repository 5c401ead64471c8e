/* Shared by the VM speed programs (bench/BtfNotebooks.Bench/VmSpeed). Self-contained on purpose:
 * only kernel UAPI headers, so clang-19 -target bpf builds them without libbpf. */
#ifndef BENCH_BPF_H
#define BENCH_BPF_H

#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))

/* As in the kernel's tools/testing/selftests/bpf/bpf_experimental.h: true until the may_goto budget
 * (BPF_MAX_LOOPS, 8M per run) is spent. It lets the verifier accept a loop it cannot bound by walking it,
 * provided the loop's counters stay imprecise (which is why the trip counts below come from the packet). */
#define can_loop                                                   \
	({                                                         \
		__label__ l_break, l_continue;                     \
		_Bool ret = 1;                                     \
		asm volatile goto("may_goto %l[l_break]" :::: l_break); \
		goto l_continue;                                   \
	l_break:                                                   \
		ret = 0;                                           \
	l_continue:;                                               \
		ret;                                               \
	})

#endif
