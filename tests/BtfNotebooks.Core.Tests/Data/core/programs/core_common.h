/* Shared prelude of the CO-RE corpus programs (see ../README.md).
 * Every program stores its CO-RE results through the context pointer so clang keeps them;
 * the programs are never run or verified, only relocated by libbpf (core_oracle). */
#pragma once
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* libbpf 1.1's bpf_core_read.h has no bpf_core_field_signed(); this is the later libbpf macro. */
#ifndef bpf_core_field_signed
#define bpf_core_field_signed(field...) \
	__builtin_preserve_field_info(___bpf_field_ref(field), BPF_FIELD_SIGNED)
#endif
#define bpf_core_field_lshift(field...) \
	__builtin_preserve_field_info(___bpf_field_ref(field), BPF_FIELD_LSHIFT_U64)
#define bpf_core_field_rshift(field...) \
	__builtin_preserve_field_info(___bpf_field_ref(field), BPF_FIELD_RSHIFT_U64)

/* local struct/union definitions between these get preserve_access_index (like vmlinux.h) */
#define CORE_TYPES_BEGIN _Pragma("clang attribute push (__attribute__((preserve_access_index)), apply_to = record)")
#define CORE_TYPES_END   _Pragma("clang attribute pop")

char LICENSE[] SEC("license") = "GPL";
