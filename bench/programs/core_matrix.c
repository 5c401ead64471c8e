/* core_matrix.c - the relocation-matrix benchmark's object (bench/BtfNotebooks.Bench/CoreMatrix): thirty-odd
 * CO-RE records reading real kernel structs the way a process/file/network tracer does, relocated against every
 * kernel in ../shared/kernels. Local types declare only the members used, flat, as a vmlinux.h subset would; the
 * kernels nest some of them in anonymous structs/unions and place all of them differently. The program is never
 * loaded, only relocated, so the loads just have to survive clang (results go to the context). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
struct qstr { unsigned int len; const unsigned char *name; };
struct dentry { struct qstr d_name; struct dentry *d_parent; };
struct inode { unsigned short i_mode; unsigned long i_ino; };
struct path { struct dentry *dentry; };
struct file { struct path f_path; struct inode *f_inode; unsigned int f_flags; long long f_pos; };
struct mm_struct { unsigned long arg_start; unsigned long total_vm; };
typedef struct { unsigned int val; } kuid_t;  /* anonymous in the kernel too: matched through the typedef */
struct cred { kuid_t uid; };
struct task_struct {
	int pid;
	int tgid;
	unsigned int __state;
	unsigned int flags;
	char comm[16];
	struct task_struct *real_parent;
	struct mm_struct *mm;
	const struct cred *cred;
	unsigned long long start_time;
	int mm_cid;                       /* 6.4+ only: guarded with field_exists */
};
struct sock_common { unsigned short skc_family; unsigned int skc_daddr; unsigned int skc_rcv_saddr; unsigned short skc_dport; };
struct sock { struct sock_common __sk_common; };
struct net_device { char name[16]; int ifindex; };
struct sk_buff { unsigned int len; unsigned short protocol; unsigned int mark; struct net_device *dev; struct sock *sk; };
#pragma clang attribute pop

char LICENSE[] SEC("license") = "GPL";

SEC("kprobe/do_exit")
int task(__u64 *ctx)
{
	struct task_struct *t = (void *)ctx[0];

	ctx[1] = BPF_CORE_READ(t, pid);
	ctx[2] = BPF_CORE_READ(t, tgid);
	ctx[3] = BPF_CORE_READ(t, __state);
	ctx[5] = BPF_CORE_READ(t, flags);
	ctx[6] = BPF_CORE_READ(t, real_parent, tgid);
	ctx[7] = BPF_CORE_READ(t, mm, arg_start);
	ctx[9] = BPF_CORE_READ(t, mm, total_vm);
	ctx[10] = BPF_CORE_READ(t, cred, uid.val);
	ctx[11] = BPF_CORE_READ(t, start_time);
	bpf_core_read(&ctx[12], 8, &t->comm);
	if (bpf_core_field_exists(t->mm_cid))
		ctx[13] = BPF_CORE_READ(t, mm_cid);
	ctx[14] = bpf_core_type_size(struct task_struct);
	return 0;
}

SEC("kprobe/vfs_read")
int file(__u64 *ctx)
{
	struct file *f = (void *)ctx[0];

	ctx[1] = BPF_CORE_READ(f, f_flags);
	ctx[2] = BPF_CORE_READ(f, f_pos);
	ctx[3] = BPF_CORE_READ(f, f_inode, i_ino);
	ctx[4] = BPF_CORE_READ(f, f_inode, i_mode);
	ctx[6] = (__u64)BPF_CORE_READ(f, f_path.dentry, d_name.name);
	ctx[7] = BPF_CORE_READ(f, f_path.dentry, d_parent, d_name.len);
	return 0;
}

SEC("kprobe/kfree_skb")
int skb(__u64 *ctx)
{
	struct sk_buff *s = (void *)ctx[0];

	ctx[1] = BPF_CORE_READ(s, len);
	ctx[3] = BPF_CORE_READ(s, protocol);
	ctx[4] = BPF_CORE_READ(s, mark);
	ctx[5] = BPF_CORE_READ(s, dev, ifindex);
	ctx[6] = BPF_CORE_READ(s, sk, __sk_common.skc_family);
	ctx[7] = BPF_CORE_READ(s, sk, __sk_common.skc_daddr);
	ctx[8] = BPF_CORE_READ(s, sk, __sk_common.skc_dport);
	return 0;
}
