// v4 instructions: sign-extending moves, signed division/modulo, byte swaps, 32-bit ALU, long jumps in loops.
#define SEC(name) __attribute__((section(name), used))

SEC("socket") int arith(void *ctx)
{
	long a = *(long *)ctx;
	int b = *(int *)((char *)ctx + 8);
	long r = (signed char)a + (short)b + (int)a;
	r += a / (b | 1);
	r -= (long)b % 7;
	r ^= __builtin_bswap64(a) + __builtin_bswap32(b) + __builtin_bswap16((unsigned short)b);
	unsigned u = (unsigned)b >> 3;
	r += u << 2;
	r += a >> 5;
	for (int i = 0; i < (b & 31); i++)
		r = r * 3 + i;
	return (int)(r ^ -r);
}
