// A process tracer as a BPF developer writes it: on each exec, read the current task's pid, tgid, parent's tgid,
// comm and the mm's arg_start with CO-RE reads (bpf_core_read, what BPF_CORE_READ expands to), and send a record through a ring buffer.
//
// Built twice by the test project: with CO-RE (these declarations carry preserve_access_index, so clang records
// a relocation for every field access) and, with -DFIXED_LAYOUT, without CO-RE: the structs then come from
// fixed_layout.h, generated from ONE kernel's BTF, so the offsets are constants of that kernel.
#ifdef FIXED_LAYOUT
/* vmlinux.h of one kernel: every offset below is a constant of that kernel. */
#include "fixed_layout.h"
/* A plain read: the offset of the field is whatever this header says. */
#define READ_INTO(dst, field) bpf_probe_read_kernel(&(dst), sizeof(dst), &(field))
#define READ_STR_INTO(dst, field) bpf_probe_read_kernel_str(&(dst), sizeof(dst), &(field))
#else
#include <linux/types.h>
#include <linux/bpf.h>
/* A CO-RE read: clang records the access, the loader fixes the offset for the kernel it runs on. */
#define READ_INTO(dst, field) bpf_core_read(&(dst), sizeof(dst), &(field))
#define READ_STR_INTO(dst, field) bpf_core_read_str(&(dst), sizeof(dst), &(field))

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
	struct task_struct *parent = NULL;
	struct mm_struct *mm = NULL;
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 1;
	e->pad = 0;
	READ_INTO(e->pid, task->pid);
	READ_INTO(e->tgid, task->tgid);
	READ_INTO(parent, task->real_parent);
	READ_INTO(e->ppid, parent->tgid);
	READ_INTO(mm, task->mm);
	READ_INTO(e->arg_start, mm->arg_start);
	READ_STR_INTO(e->comm, task->comm);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
