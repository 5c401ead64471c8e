; CO-RE in assembly: reads that libbpf relocates per kernel. Assemble against a reference kernel
; (btfnb relocate data/programs/task-core.s --against KERNEL --target ...) to see each kernel's values.
	r2 = *(u32 *)(r1 + %core(task_struct.pid))
	r3 = *(u32 *)(r1 + %core(task_struct.tgid))
	r4 = *(u64 *)(r1 + %core(mm_struct.arg_start))
	r5 = %core_size(task_struct)
	w6 = %core_exists(task_struct.mm_cid)
	w7 = %core_type_exists(struct bpf_iter_num)
	r8 = %core_enum(bpf_func_id, BPF_FUNC_loop) ll
	r0 = 0
	exit
