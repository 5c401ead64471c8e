/* Times libbpf parsing a raw BTF file, for comparison with BtfSpec.Parse (bench/BtfNotebooks.Bench).
 * Build: cc -O2 btf_parse_bench.c -lbpf -o btf_parse_bench
 * Usage: btf_parse_bench FILE [ITERATIONS]
 * Prints best and median milliseconds of btf__new (bytes already in memory, what BtfSpec.Parse does) and of
 * btf__parse (reads the file too), one "name best median" line each. */
#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *name, double *t, int n)
{
	qsort(t, n, sizeof(*t), cmp);
	printf("%s %.3f %.3f\n", name, t[0], t[n / 2]);
}

int main(int argc, char **argv)
{
	if (argc < 2) { fprintf(stderr, "usage: %s FILE [ITERATIONS]\n", argv[0]); return 2; }
	int n = argc > 2 ? atoi(argv[2]) : 200;
	if (n < 1) n = 1;
	FILE *f = fopen(argv[1], "rb");
	if (!f) { perror(argv[1]); return 1; }
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *data = malloc(size);
	if (!data || fread(data, 1, size, f) != (size_t)size) { fprintf(stderr, "read failed\n"); return 1; }
	fclose(f);

	double *t = calloc(n, sizeof(*t));
	for (int i = 0; i < n; i++) {
		double s = now_ms();
		struct btf *btf = btf__new(data, size);
		t[i] = now_ms() - s;
		if (!btf) { fprintf(stderr, "btf__new failed\n"); return 1; }
		btf__free(btf);
	}
	report("btf__new", t, n);
	for (int i = 0; i < n; i++) {
		double s = now_ms();
		struct btf *btf = btf__parse(argv[1], NULL);
		t[i] = now_ms() - s;
		if (!btf) { fprintf(stderr, "btf__parse failed\n"); return 1; }
		btf__free(btf);
	}
	report("btf__parse", t, n);
	return 0;
}
