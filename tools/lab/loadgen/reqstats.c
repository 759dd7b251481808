// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* loadgen's statistics: the arithmetic behind its report, kept free of I/O
 * and clocks so unit tests check it against hand-computed values. */
#include <stdlib.h>

#include "tools/lab/loadgen/reqstats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double stats_percentile(const double *sorted, size_t n, double p)
{
	double rank, frac;
	size_t lo;

	if (!n)
		return 0;
	if (p <= 0)
		return sorted[0];
	if (p >= 100)
		return sorted[n - 1];
	rank = p / 100.0 * (n - 1);
	lo = (size_t)rank;
	frac = rank - lo;
	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + (sorted[lo + 1] - sorted[lo]) * frac;
}

void stats_summarize(double *v, size_t n, struct summary *s)
{
	double sum = 0;

	*s = (struct summary){ .n = n };
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s->mean = sum / n;
	s->min = v[0];
	s->max = v[n - 1];
	s->p50 = stats_percentile(v, n, 50);
	s->p90 = stats_percentile(v, n, 90);
	s->p99 = stats_percentile(v, n, 99);
}

bool stats_meets_slo(const struct req_rec *r, double slo_ttft, double slo_tpot)
{
	return r->ok && !(slo_ttft > 0 && r->ttft > slo_ttft) &&
	       !(slo_tpot > 0 && r->tpot > slo_tpot);
}

double stats_goodput(const struct req_rec *r, size_t n, double slo_ttft, double slo_tpot,
		     double duration, size_t *good)
{
	size_t g = 0;

	for (size_t i = 0; i < n; i++)
		g += stats_meets_slo(&r[i], slo_ttft, slo_tpot);
	if (good)
		*good = g;
	return duration > 0 ? g / duration : 0;
}

double stats_jain(const double *x, size_t n)
{
	double sum = 0, sq = 0;

	for (size_t i = 0; i < n; i++) {
		sum += x[i];
		sq += x[i] * x[i];
	}
	return sq > 0 ? sum * sum / (n * sq) : 1.0;
}
