// A process tracer as a BPF developer writes it: on each exec, read the current task's pid, tgid, parent's tgid,
// comm and the mm's arg_start with BPF_CORE_READ, and send a record through a ring buffer.
//
// Built twice by the test project: with CO-RE (these declarations carry preserve_access_index, so clang records
// a relocation for every field access) and, with -DFIXED_LAYOUT, without CO-RE: the structs then come from
// fixed_layout.h, generated from ONE kernel's BTF, and are read with BPF_PROBE_READ: the offsets are constants
// of that kernel.
#ifdef FIXED_LAYOUT
/* vmlinux.h of one kernel: every offset below is a constant of that kernel. */
#include "fixed_layout.h"
/* Plain reads: the offset of each field is whatever this header says. */
#define READ BPF_PROBE_READ
#define READ_STR_INTO BPF_PROBE_READ_STR_INTO
#else
#include <linux/types.h>
#include <linux/bpf.h>
/* CO-RE reads: clang records each access, the loader fixes the offset for the kernel it runs on. */
#define READ BPF_CORE_READ
#define READ_STR_INTO BPF_CORE_READ_STR_INTO

struct mm_struct {
	unsigned long arg_start;
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	int tgid;
	struct task_struct *real_parent;
	struct mm_struct *mm;
	char comm[16];
} __attribute__((preserve_access_index));
#endif
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct event {
	__u32 pid;
	__u32 tgid;
	__u32 ppid;
	__u32 pad;
	__u64 arg_start;
	char comm[16];
};

/* Puts struct event in .BTF (clang leaves out types only locals use), so readers of the ring buffer can decode it. */
const struct event *unused_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

SEC("raw_tp/sched_process_exec")
int trace_exec(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 1;
	e->pad = 0;
	e->pid = READ(task, pid);
	e->tgid = READ(task, tgid);
	e->ppid = READ(task, real_parent, tgid);
	e->arg_start = READ(task, mm, arg_start);
	READ_STR_INTO(&e->comm, task, comm);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
