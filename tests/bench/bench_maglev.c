// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Micro-benchmark of the Maglev builder (user/lib/maglev.c): rebuild time for
 * table sizes and backend counts, with the worst share error and the slots
 * moved when one backend goes. bench_maglev() is called by the bench runner;
 * the budget is 3 ms for 1024 backends at M = 65521. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "user/lib/maglev.h"

#define BM_RUNS 31
#define BM_BUDGET_NS 3000000ULL /* 1024 backends, M = 65521 */

int bench_maglev(void);

static __u64 bm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int bm_cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return (x > y) - (x < y);
}

/* Backend i: id i + 1, IPv4-mapped 198.18.x.y, weight 100 or pseudo-random. */
static void bm_backends(struct maglev_backend *be, size_t n, bool weighted)
{
	__u32 seed = 2463534242u;

	for (size_t i = 0; i < n; i++) {
		memset(&be[i], 0, sizeof(be[i]));
		be[i].id = i + 1;
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		be[i].weight = weighted ? 1 + seed % 1000 : 100;
		be[i].addr[10] = 0xff;
		be[i].addr[11] = 0xff;
		be[i].addr[12] = 198;
		be[i].addr[13] = 18 + (i >> 16);
		be[i].addr[14] = i >> 8;
		be[i].addr[15] = i;
	}
}

/* Largest |slots - m * weight / total| over the backends, in % of m. */
static double bm_share_err(const struct maglev_backend *be, size_t n, __u32 m, const __u32 *t,
			   __u32 *count)
{
	double err = 0, d;
	__u64 total = 0;

	memset(count, 0, (n + 1) * sizeof(*count));
	for (__u32 s = 0; s < m; s++)
		count[t[s]]++;
	for (size_t i = 0; i < n; i++)
		total += be[i].weight;
	for (size_t i = 0; i < n; i++) {
		d = count[be[i].id] - (double)m * be[i].weight / total;
		if (d < 0)
			d = -d;
		if (d > err)
			err = d;
	}
	return 100.0 * err / m;
}

/* One row: n backends, table size m. Returns 0 or a negative errno. */
static int bm_row(struct maglev_backend *be, size_t n, __u32 m, bool weighted, __u32 *t1, __u32 *t2,
		  __u32 *count)
{
	__u64 ns[BM_RUNS], start;
	double err, moved;
	__u32 saved;
	int ret;

	bm_backends(be, n, weighted);
	for (int r = 0; r < BM_RUNS; r++) {
		start = bm_now_ns();
		ret = maglev_build(be, n, m, t1);
		ns[r] = bm_now_ns() - start;
		if (ret)
			return ret;
	}
	qsort(ns, BM_RUNS, sizeof(ns[0]), bm_cmp_u64);
	err = bm_share_err(be, n, m, t1, count);

	saved = be[n / 2].weight;
	be[n / 2].weight = 0;
	ret = maglev_build(be, n, m, t2);
	be[n / 2].weight = saved;
	if (ret)
		return ret;
	moved = 100.0 * maglev_diff(t1, t2, m, NULL) / m;

	printf("%6u %5zu %-8s %8.0f %8.0f %8.0f %10.4f %8.3f %8.3f%s\n", m, n,
	       weighted ? "random" : "equal", ns[0] / 1e3, ns[BM_RUNS / 2] / 1e3,
	       ns[BM_RUNS - 1] / 1e3, err, moved, 100.0 * count[be[n / 2].id] / m,
	       n == 1024 && m == MAGLEV_SIZE_MAX && ns[BM_RUNS / 2] > BM_BUDGET_NS ? "  OVER 3 ms" :
										     "");
	return 0;
}

int bench_maglev(void)
{
	static const __u32 sizes[] = { MAGLEV_SIZE_DEFAULT, MAGLEV_SIZE_MAX };
	static const size_t counts[] = { 16, 256, 1024, 4096 };
	struct maglev_backend *be;
	__u32 *t1, *t2, *count;
	int err = -ENOMEM;

	be = calloc(MAGLEV_BACKENDS_MAX, sizeof(*be));
	t1 = calloc(MAGLEV_SIZE_MAX, sizeof(*t1));
	t2 = calloc(MAGLEV_SIZE_MAX, sizeof(*t2));
	count = calloc(MAGLEV_BACKENDS_MAX + 1, sizeof(*count));
	if (!be || !t1 || !t2 || !count)
		goto free_bufs;

	printf("maglev_build: %d runs per row; share error = worst |slots - weighted share|;\n"
	       "moved = slots changed when the middle backend goes, vs its own share\n",
	       BM_RUNS);
	printf("%6s %5s %-8s %8s %8s %8s %10s %8s %8s\n", "M", "N", "weights", "min_us", "med_us",
	       "max_us", "share_err%", "moved%", "share%");
	for (size_t mi = 0; mi < sizeof(sizes) / sizeof(sizes[0]); mi++) {
		for (size_t ni = 0; ni < sizeof(counts) / sizeof(counts[0]); ni++) {
			for (int w = 0; w < 2; w++) {
				err = bm_row(be, counts[ni], sizes[mi], w, t1, t2, count);
				if (err)
					goto free_bufs;
			}
		}
	}
	err = 0;
free_bufs:
	free(count);
	free(t2);
	free(t1);
	free(be);
	return err;
}
