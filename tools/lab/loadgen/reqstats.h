/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* loadgen's statistics over per-request records: percentiles, summaries,
 * goodput at a TTFT/TPOT SLO and Jain's fairness index across tenants. Pure
 * functions, unit-tested. Times are seconds. */
#ifndef __IG_LOADGEN_STATS_H
#define __IG_LOADGEN_STATS_H

#include <stdbool.h>
#include <stddef.h>

struct req_rec {
	int tenant;
	bool ok;
	int prompt_tokens;
	int out_tokens; /* SSE token events received */
	double t_start; /* since the run began */
	double ttft;
	double e2e;
	double tpot; /* (last token - first token) / (tokens - 1); 0 for one token */
	double t_end; /* since the run began */
	int session; /* -1: open loop */
	int turn; /* 1-based within its session */
	int local_port; /* the client end of the connection it went on */
	bool reused; /* on a connection an earlier request opened */
	char backend[32]; /* the answer's X-Backend header; "" when none */
};

struct summary {
	size_t n;
	double mean;
	double min;
	double p50;
	double p90;
	double p99;
	double max;
};

/* Linear interpolation between closest ranks (numpy's default); p in [0, 100]
 * over a sorted array; 0 when empty. */
double stats_percentile(const double *sorted, size_t n, double p);
/* Sorts v in place and fills s. */
void stats_summarize(double *v, size_t n, struct summary *s);
/* A completed request meeting both SLOs (a limit <= 0 is not checked). */
bool stats_meets_slo(const struct req_rec *r, double slo_ttft, double slo_tpot);
/* Completed requests meeting both SLOs (a limit <= 0 is not checked), per
 * second of duration; *good gets their count. */
double stats_goodput(const struct req_rec *r, size_t n, double slo_ttft, double slo_tpot,
		     double duration, size_t *good);
/* Jain's index (sum x)^2 / (n sum x^2): 1 when all equal, 1/n when one gets
 * everything; 1 for an empty or all-zero set. */
double stats_jain(const double *x, size_t n);

#endif /* __IG_LOADGEN_STATS_H */
