// Every CO-RE relocation kind clang-19 emits, in two program sections and a .text subprogram, for the .BTF.ext
// reader tests (Elf/BtfExt*Tests.cs). Compiled there with -O2 -g -target bpf/bpfeb -mcpu=v2/v3/v4.
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct flags {
	unsigned int ready : 1, mode : 3, level : 12;
	int signed_bits : 7;
};

struct task {
	int pid;
	long state;
	struct flags flags;
	struct task *parent;
	char comm[16];
	union {
		__u64 runtime;
		__u32 halves[2];
	};
} __attribute__((preserve_access_index));

struct task___old {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

enum mode { MODE_OFF, MODE_ON, MODE_AUTO = 7 };
enum big : __u64 { BIG_SMALL = 1, BIG_HUGE = 0x123456789abcULL };
typedef struct task task_t;

static __attribute__((noinline)) long parent_pid(struct task *t)
{
	return BPF_CORE_READ(t, parent, pid) + t->comm[3];
}

SEC("kprobe/fields")
int fields(struct task *t)
{
	long r = t->pid;
	r += t->halves[1];
	r += bpf_core_field_size(t->state);
	if (bpf_core_field_exists(t->state))
		r += 1;
	r += BPF_CORE_READ_BITFIELD_PROBED(&t->flags, mode);
	r += BPF_CORE_READ_BITFIELD_PROBED(&t->flags, signed_bits);
	r += bpf_core_field_offset(struct task, comm);
	if (bpf_core_field_exists(((struct task___old *)t)->tgid))
		r += 2;
	return r + parent_pid(t);
}

SEC("tp/types")
int types(void *ctx)
{
	long r = 0;
	if (bpf_core_type_exists(struct task))
		r += bpf_core_type_size(task_t);
	if (bpf_core_type_matches(struct flags))
		r += 1;
	r += bpf_core_type_id_local(struct task___old);
	r += bpf_core_type_id_kernel(struct task);
	if (bpf_core_enum_value_exists(enum mode, MODE_AUTO))
		r += bpf_core_enum_value(enum mode, MODE_AUTO);
	r += bpf_core_enum_value(enum big, BIG_HUGE);
	return r;
}

char LICENSE[] SEC("license") = "GPL";
