// bpf-to-bpf calls (__noinline, in .text and in the program's section), a bounded loop, a switch.
#define __noinline __attribute__((noinline))
#define SEC(name) __attribute__((section(name), used))

int table[8] = {3, 1, 4, 1, 5, 9, 2, 6};

static __noinline int weigh(int x)
{
	int sum = 0;
	for (int i = 0; i < x && i < 64; i++)
		sum += i * table[i & 7];
	return sum;
}

__noinline int classify(long v)
{
	switch (v & 7) {
	case 0: return 11;
	case 1: return weigh((int)v);
	case 2: return 17;
	case 3: return -4;
	case 5: return 99;
	default: return (int)(v >> 3);
	}
}

SEC("tc") int entry(void *ctx)
{
	long v = *(long *)ctx;
	return classify(v) + weigh((int)(v >> 8));
}
